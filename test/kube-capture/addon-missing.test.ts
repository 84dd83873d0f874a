// Without the native addon, everything else works and capture says why: the
// build step reports and exits 0, a proxy with the original_dst listener
// filter serves (falling back to the local address), logs once what is
// missing and how to build it, and counts the connections it could not restore.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnProxy, type ChildProxy } from '../helpers/process-harness.js';
import { startTcpUpstream, tempDir, tcpExchange, waitUntil, type TcpUpstream } from '../helpers/net-harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// Every process this file starts (weft proxy) looks for the addon here: nowhere.
process.env.WEFT_ORIGINAL_DST_ADDON = '/nonexistent/weft_original_dst.node';

describe('traffic capture without the native addon', { timeout: 60_000 }, () => {
  let proxy: ChildProxy | undefined;
  let up: TcpUpstream | undefined;
  const tmp = tempDir('weft-no-addon-');
  after(async () => {
    await proxy?.kill();
    await up?.close();
    tmp.cleanup();
  });

  it('the build step says why it built nothing and exits 0 (the rest of the build goes on)', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'native', 'build.mjs'), '--force'], { encoding: 'utf8', env: { ...process.env, CXX: '/nonexistent/g++' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /weft_original_dst\.node not built: .*; `weft proxy` runs, but traffic capture \(original destination\) is unavailable/);
  });

  it('a listener with original_dst still serves, logs the reason once, and counts what it could not restore', async () => {
    up = await startTcpUpstream('echo');
    const bootstrap = tmp.file('b.yaml', `
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources:
  listeners:
  - name: capture
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    use_original_dst: true
    listener_filters: [{ name: envoy.filters.listener.original_dst, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst } }]
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: echo, cluster: echo }
  clusters:
  - name: echo
    connect_timeout: 1s
    load_assignment: { cluster_name: echo, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${up.port} } } } }] }] }
`);
    proxy = await spawnProxy(bootstrap);
    for (const msg of ['one', 'two']) {
      const r = await tcpExchange(proxy.port('capture'), msg, { end: true });
      assert.equal(r.data.toString(), msg);
    }
    const p = proxy;
    await waitUntil(() => /cannot restore original destinations \(ADDON_MISSING\): WEFT_ORIGINAL_DST_ADDON=\/nonexistent\/weft_original_dst\.node: no such file \(build it with `node native\/build\.mjs`\)/.test(p.stderr()), 'the log line', 5000);
    assert.equal(p.stderr().split('cannot restore original destinations').length - 1, 1, 'logged once');
    const stats = (await p.admin('/stats?filter=original_dst_not_restored')).body;
    assert.match(stats, /^listener\.127\.0\.0\.1_\d+\.original_dst_not_restored: 2$/m);
  });
});
