// `weft proxy` and `weft --version` as a user runs them: exit codes, every
// config error with its field path, validate mode, v2 configs refused with
// the v3 spelling, unknown options.
import assert from 'node:assert/strict';
import { FRONT_PROXY_BOOTSTRAP_YAML } from '../../src/xds/codec-fixtures.js';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { closedPort } from '../helpers/proxy-harness.js';
import { portIsFree, tempDir } from '../helpers/net-harness.js';
import { runWeft, WEFT_BIN } from '../helpers/process-harness.js';

/** The seed's front-proxy example (listener_0 on :80 → service1) in Envoy v3 form (shared with the codec tests). */
const SEED_V3 = FRONT_PROXY_BOOTSTRAP_YAML;

/** The seed's example as the slides print it: Envoy v2 (`config:`, `envoy.http_connection_manager`). */
const SEED_V2 = `
static_resources:
  listeners:
  - name: listener_0
    address:
      socket_address: { address: 0.0.0.0, port_value: 80 }
    filter_chains:
    - filters:
      - name: envoy.http_connection_manager
        config:
          route_config:
            name: route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: service1 }
  clusters:
  - name: service1
    load_assignment:
      cluster_name: service1
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: 80 }
`;

describe('weft proxy (CLI)', { timeout: 20_000 }, () => {
  const tmp = tempDir();
  let freePort: number;
  let adminPort: number;
  let badFile: string;
  before(async () => {
    freePort = await closedPort();
    adminPort = await closedPort();
    // Valid admin and listener on fixed free ports; three errors in two clusters.
    badFile = tmp.file('bad.yaml', `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } }
static_resources:
  listeners:
  - name: listener_0
    address: { socket_address: { address: 127.0.0.1, port_value: ${freePort} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: t, cluster: a }
  clusters:
  - name: a
    type: STATIC
    connect_timeout: 1s
  - name: b
    lb_policy: ROUND_ROBN
    connect_timeout: 1s
    frobnicate: true
`);
  });
  after(() => tmp.cleanup());

  it('a bad bootstrap exits non-zero, prints every error with its path, and binds nothing', async () => {
    const r = await runWeft(['proxy', '-c', badFile]);
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /^ {2}\[WEFT_CFG_INVALID_VALUE\] static_resources\.clusters\[1\]\.lb_policy: .*ROUND_ROBN/m);
    assert.match(r.stderr, /^ {2}\[WEFT_CFG_UNKNOWN_FIELD\] static_resources\.clusters\[1\]\.frobnicate: /m);
    assert.match(r.stderr, new RegExp(`${badFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: bootstrap rejected \\(\\d+ errors\\)`));
    assert.doesNotMatch(r.stderr, /LIVE/);
    assert.equal(await portIsFree(freePort), true);
    assert.equal(await portIsFree(adminPort), true);
  });

  it('a missing file is an error naming the file', async () => {
    const missing = tmp.file('nope.yaml');
    const r = await runWeft(['proxy', '-c', missing]);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(missing), r.stderr);
  });

  it('--mode validate prints OK and exits 0 for the seed\'s example in v3 form', async () => {
    const f = tmp.file('seed-v3.yaml', SEED_V3);
    const r = await runWeft(['proxy', '-c', f, '--mode', 'validate']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `configuration '${f}' OK\n`);
  });

  it('--mode validate exits non-zero for a broken config, with the error path', async () => {
    const f = tmp.file('broken.yaml', SEED_V3.replace('prefix: "/"', 'prefx: "/"'));
    const r = await runWeft(['proxy', '-c', f, '--mode', 'validate']);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /OK/);
    assert.match(r.stderr, /^ {2}\[WEFT_CFG_UNKNOWN_FIELD\] \S*route_config\.virtual_hosts\[0\]\.routes\[0\]\.match\.prefx: /m);
  });

  it('a v2 config (config:, envoy.http_connection_manager) is refused naming the v3 spelling (typed_config)', async () => {
    const f = tmp.file('seed-v2.yaml', SEED_V2);
    const r = await runWeft(['proxy', '-c', f, '--mode', 'validate']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^ {2}\[WEFT_CFG_UNKNOWN_FIELD\] static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.config: .*v2.*"typed_config"/m);
    assert.doesNotMatch(r.stdout, /OK/);
  });

  it('an unknown option exits 2 with usage', async () => {
    const r = await runWeft(['proxy', '-c', badFile, '--frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --frobnicate/);
    assert.match(r.stderr, /usage: weft proxy/);
  });

  it('-c is required (exit 2); --mode must be serve or validate (exit 2)', async () => {
    assert.equal((await runWeft(['proxy'])).code, 2);
    assert.equal((await runWeft(['proxy', '-c', badFile, '--mode', 'fast'])).code, 2);
  });

  it('an unknown command exits 2', async () => {
    const r = await runWeft(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  it('weft --version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', `file://${WEFT_BIN}`), 'utf8')) as { version: string };
    const r = await runWeft(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `weft ${pkg.version}`);
  });
});
