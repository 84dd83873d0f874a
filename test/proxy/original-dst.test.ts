// Cluster type ORIGINAL_DST (lb_policy CLUSTER_PROVIDED) end to end with real
// sockets: the destination from x-envoy-original-dst-host, upstream_port_override,
// the original_dst listener filter (which on weft recovers only the local
// address, never used as a destination), and no destination at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import type { ActiveListener } from '../../src/proxy/listener/listener.js';

function originalDstBootstrap(lbConfig: string): string {
  return bootstrap({
    routes: `              - match: { prefix: "/" }
                route: { cluster: passthrough }`,
    listenerExtra: `    listener_filters:
    - name: envoy.filters.listener.original_dst
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst }`,
    clusters: `  - name: passthrough
    type: ORIGINAL_DST
    lb_policy: CLUSTER_PROVIDED
    connect_timeout: 1s
${lbConfig}`,
  });
}

describe('ORIGINAL_DST cluster', () => {
  let a: Upstream;
  let b: Upstream;
  before(async () => {
    a = await startUpstream('A');
    b = await startUpstream('B');
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  describe('use_http_header', () => {
    let px: RunningProxy;
    before(async () => {
      px = await startProxy(originalDstBootstrap('    original_dst_lb_config: { use_http_header: true }'));
    });
    after(() => px.close());

    it('connects to the ip:port the header names, adding hosts on demand', async () => {
      const ra = await request({ port: px.port(), path: '/x', headers: { 'x-envoy-original-dst-host': `127.0.0.1:${a.port}` } });
      assert.equal(ra.status, 200);
      assert.equal(ra.body.toString(), 'A GET /x');
      const rb = await request({ port: px.port(), path: '/y', headers: { 'x-envoy-original-dst-host': `127.0.0.1:${b.port}` } });
      assert.equal(rb.body.toString(), 'B GET /y');
      const clusters = (await px.admin('/clusters')).body;
      assert.match(clusters, new RegExp(`^passthrough::127\\.0\\.0\\.1:${a.port}::`, 'm'));
      assert.match(clusters, new RegExp(`^passthrough::127\\.0\\.0\\.1:${b.port}::`, 'm'));
    });

    it('a header that is not ip:port gets no host (503, counted); no header and only the local address neither', async () => {
      const bad = await request({ port: px.port(), headers: { 'x-envoy-original-dst-host': 'localhost:80' } });
      assert.equal(bad.status, 503);
      assert.match(String(bad.headers['x-weft-error']), /^WEFT_NO_HEALTHY_UPSTREAM /);
      const stats = (await px.admin('/stats')).body;
      assert.match(stats, /^cluster\.passthrough\.original_dst_host_invalid: 1$/m);
      // The listener filter restored the local address (this listener): a loop, so no host.
      const none = await request({ port: px.port() });
      assert.equal(none.status, 503);
      assert.equal(a.requests.length + b.requests.length, 2);
    });
  });

  it('upstream_port_override takes precedence over the header port', async () => {
    const px = await startProxy(originalDstBootstrap(`    original_dst_lb_config: { use_http_header: true, http_header_name: x-dst, upstream_port_override: ${b.port} }`));
    try {
      const r = await request({ port: px.port(), headers: { 'x-dst': `127.0.0.1:${a.port}` } });
      assert.equal(r.body.toString(), 'B GET /');
    } finally {
      await px.close();
    }
  });
});

describe('use_original_dst hand-off target', () => {
  // Unbound listeners on one port: exact address, then the wildcard of the address's family (Envoy's lookup).
  const listener = (name: string, address: string) => `  - name: ${name}
    address: { socket_address: { address: "${address}", port_value: 9080 } }
    bind_to_port: false
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: x, cluster: x }`;
  const yaml = (names: [string, string][]) => `
static_resources:
  listeners:
${names.map(([n, a]) => listener(n, a)).join('\n')}
  clusters:
  - name: x
    connect_timeout: 1s
    load_assignment: { cluster_name: x, endpoints: [] }
`;
  const target = (px: RunningProxy, ip: string, port = 9080) =>
    (px.proxy as unknown as { listenerFor(ip: string, port: number): ActiveListener | undefined }).listenerFor(ip, port)?.config.name;

  it('IPv4 goes to 0.0.0.0 even when :: comes first, IPv6 to ::; an exact address wins; another port finds nothing', async () => {
    const px = await startProxy(yaml([['any6', '::'], ['any4', '0.0.0.0'], ['exact', '10.96.0.10']]));
    try {
      assert.equal(target(px, '10.1.2.3'), 'any4');
      assert.equal(target(px, 'fd00::1'), 'any6');
      assert.equal(target(px, '10.96.0.10'), 'exact');
      assert.equal(target(px, '10.1.2.3', 9081), undefined);
    } finally {
      await px.close();
    }
  });

  it('IPv4 falls back to a :: listener; IPv6 never goes to 0.0.0.0', async () => {
    const v6only = await startProxy(yaml([['any6', '::']]));
    const v4only = await startProxy(yaml([['any4', '0.0.0.0']]));
    try {
      assert.equal(target(v6only, '10.1.2.3'), 'any6');
      assert.equal(target(v4only, 'fd00::1'), undefined);
    } finally {
      await v6only.close();
      await v4only.close();
    }
  });
});
