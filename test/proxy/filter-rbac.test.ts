// envoy.filters.http.rbac and envoy.filters.network.rbac through a real weft
// proxy: an mTLS listener whose client certificates carry SPIFFE URI SANs
// (sa/a allowed, sa/b denied with Envoy's 403 and details, the access log
// and x-weft-error saying why), shadow rules in stats and dynamic metadata,
// a header/path DENY policy on plaintext, a route with RBACPerRoute {} (off),
// and a TLS tcp_proxy chain whose network RBAC closes denied connections.
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { request, request2, startProxy, startUpstream, staticCluster, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { stat } from '../helpers/http-test-kit.js';
import { fileLines, startTcpUpstream, tempDir, waitUntil, type TcpUpstream } from '../helpers/net-harness.js';
import { bootstrapErrors } from '../helpers/proxy-harness.js';
import { makeTestPki, OPENSSL_MISSING, type TestCert, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';

const SA_A = 'spiffe://cluster.local/ns/default/sa/a';
const SA_B = 'spiffe://cluster.local/ns/default/sa/b';
const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const RBAC_PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute';
const NETWORK_RBAC = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';
const ROUTER = `          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;

function serverTls(server: TestCert, pki: TestPki): string {
  return `      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            tls_certificates:
            - certificate_chain: { filename: ${server.certPath} }
              private_key: { filename: ${server.keyPath} }
            validation_context:
              trusted_ca: { filename: ${pki.root.certPath} }`;
}

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsGet(port: number, path: string, client: TestCert, pki: TestPki, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method, servername: 'localhost', ca: pki.root.certPem, cert: client.certPem, key: client.keyPem, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a TLS connection with `client`'s certificate, sends `msg`, and returns what came back before the close. */
function tlsExchange(port: number, msg: string, client: TestCert, pki: TestPki): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, cert: client.certPem, key: client.keyPem }, () => {
      s.write(msg);
    });
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      got += c;
      // The echo came back: the connection was let through.
      if (got.length >= msg.length) s.end();
    });
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(got) : reject(e)));
    s.on('close', () => resolve(got));
  });
}

describe('RBAC filters', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let server: TestCert;
  let clientA: TestCert;
  let clientB: TestCert;
  let app: Upstream;
  let echo: TcpUpstream;
  let px: RunningProxy;
  const tmp = tempDir();
  const accessLog = tmp.file('access.log');
  const plainLog = tmp.file('plain.log');
  const tcpLog = tmp.file('tcp.log');

  before(async () => {
    pki = makeTestPki('weft-rbac-');
    server = pki.issue('server', { dns: ['localhost'], ips: ['127.0.0.1'] });
    clientA = pki.issue('a', { uris: [SA_A] });
    clientB = pki.issue('b', { uris: [SA_B] });
    app = await startUpstream('app');
    echo = await startTcpUpstream('echo');
    px = await startProxy(`
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: mtls
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: mtls_http
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${accessLog}
              log_format:
                text_format_source:
                  inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %DOWNSTREAM_PEER_URI_SAN% %DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_engine_result)% %DYNAMIC_METADATA(envoy.filters.http.rbac:shadow_effective_policy_id)%\\n"
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/open" }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.rbac: { "@type": ${RBAC_PER_ROUTE} }
              - match: { prefix: "/only-b" }
                route: { cluster: app }
                typed_per_filter_config:
                  envoy.filters.http.rbac:
                    "@type": ${RBAC_PER_ROUTE}
                    rbac:
                      rules:
                        policies:
                          b-only:
                            permissions: [{ any: true }]
                            principals: [{ authenticated: { principal_name: { exact: "${SA_B}" } } }]
              - match: { prefix: "/" }
                route: { cluster: app }
          http_filters:
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": ${RBAC}
              rules:
                action: ALLOW
                policies:
                  allow-sa-a:
                    permissions: [{ any: true }]
                    principals: [{ authenticated: { principal_name: { exact: "${SA_A}" } } }]
              shadow_rules:
                action: DENY
                policies:
                  shadow-no-post:
                    permissions: [{ header: { name: ":method", string_match: { exact: POST } } }]
                    principals: [{ any: true }]
${ROUTER}
${serverTls(server, pki)}
  - name: plain
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: plain_http
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${plainLog}
              log_format: { text_format_source: { inline_string: "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%\\n" } }
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: app }
          http_filters:
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": ${RBAC}
              rules_stat_prefix: "hdr"
              rules:
                action: DENY
                policies:
                  "deny admin paths":
                    permissions: [{ url_path: { path: { prefix: /admin } } }]
                    principals: [{ any: true }]
                  deny-blocked-user:
                    permissions: [{ any: true }]
                    principals: [{ header: { name: x-user, string_match: { exact: blocked } } }]
${ROUTER}
  - name: tcp
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.rbac
        typed_config:
          "@type": ${NETWORK_RBAC}
          stat_prefix: tcp_rbac
          rules:
            policies:
              allow-sa-a:
                permissions: [{ destination_port_range: { start: 1, end: 65536 } }]
                principals: [{ authenticated: { principal_name: { exact: "${SA_A}" } } }]
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: echo
          cluster: echo
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${tcpLog}
              log_format: { text_format_source: { inline_string: "%CONNECTION_TERMINATION_DETAILS% %UPSTREAM_HOST%\\n" } }
${serverTls(server, pki)}
  clusters:
${staticCluster('app', [app.port])}
${staticCluster('echo', [echo.port])}
`);
  });

  after(async () => {
    await px?.close();
    await app?.close();
    await echo?.close();
    pki?.cleanup();
    tmp.cleanup();
  });

  it('mTLS: sa/a is allowed; sa/b gets 403 "RBAC: access denied" with Envoy\'s details and x-weft-error', async () => {
    const port = px.port('mtls');
    const before = app.requests.length;
    const a = await httpsGet(port, '/a', clientA, pki);
    assert.equal(a.status, 200);
    assert.equal(app.requests.length, before + 1);
    const b = await httpsGet(port, '/b', clientB, pki);
    assert.equal(b.status, 403);
    assert.equal(b.body, 'RBAC: access denied');
    assert.match(String(b.headers['x-weft-error']), /^WEFT_RBAC_DENIED /);
    assert.match(String(b.headers['x-weft-error']), /http_filter=envoy\.filters\.http\.rbac/);
    assert.equal(app.requests.length, before + 1, 'a denied request never reaches the upstream');
    assert.equal(await stat(px, 'http.mtls_http.rbac.allowed'), 1);
    assert.equal(await stat(px, 'http.mtls_http.rbac.denied'), 1);
    // Access log: Envoy sets no response flag for RBAC; the details name the (missing) policy.
    const lineA = await waitUntil(() => fileLines(accessLog).find((l) => l.startsWith('/a ')), 'access log /a');
    assert.equal(lineA, `/a 200 - via_upstream ${SA_A} allowed -`);
    const lineB = await waitUntil(() => fileLines(accessLog).find((l) => l.startsWith('/b ')), 'access log /b');
    assert.equal(lineB, `/b 403 - rbac_access_denied_matched_policy[none] ${SA_B} allowed -`);
  });

  it('shadow rules are counted and put in dynamic metadata, never enforced', async () => {
    const port = px.port('mtls');
    const shadowDenied = await stat(px, 'http.mtls_http.rbac.shadow_denied');
    const r = await httpsGet(port, '/post', clientA, pki, 'POST');
    assert.equal(r.status, 200);
    assert.equal(await stat(px, 'http.mtls_http.rbac.shadow_denied'), shadowDenied + 1);
    assert.ok(await stat(px, 'http.mtls_http.rbac.shadow_allowed') >= 2);
    const line = await waitUntil(() => fileLines(accessLog).find((l) => l.startsWith('/post ')), 'access log /post');
    assert.equal(line, `/post 200 - via_upstream ${SA_A} denied shadow-no-post`);
  });

  it('RBACPerRoute without rbac turns the filter off on its route; with rbac it replaces the rules there', async () => {
    const port = px.port('mtls');
    const denied = await stat(px, 'http.mtls_http.rbac.denied');
    assert.equal((await httpsGet(port, '/open', clientB, pki)).status, 200);
    assert.equal((await httpsGet(port, '/only-b', clientB, pki)).status, 200);
    const a = await httpsGet(port, '/only-b', clientA, pki);
    assert.equal(a.status, 403);
    assert.match(String(a.headers['x-weft-error']), /route=/);
    assert.equal(await stat(px, 'http.mtls_http.rbac.denied'), denied + 1, 'per-route rules count in the listener filter\'s stats');
  });

  it('DENY on header and path: the matched policy is named (whitespace replaced in the details); rules_stat_prefix in the stat names', async () => {
    const port = px.port('plain');
    assert.equal((await request({ port, path: '/ok' })).status, 200);
    const admin = await request({ port, path: '/admin/users?x=1' });
    assert.equal(admin.status, 403);
    assert.equal(admin.body.toString(), 'RBAC: access denied');
    assert.match(String(admin.headers['x-weft-error']), /^WEFT_RBAC_DENIED .*"deny admin paths"/);
    const user = await request({ port, path: '/ok', headers: { 'x-user': 'blocked' } });
    assert.equal(user.status, 403);
    assert.match(String(user.headers['x-weft-error']), /"deny-blocked-user"/);
    assert.equal((await request({ port, path: '/administrator-not', headers: { 'x-user': 'ok' } })).status, 403, 'prefix /admin matches /administrator-not');
    const line = await waitUntil(() => fileLines(plainLog).find((l) => l.startsWith('/admin/users')), 'access log /admin/users');
    assert.equal(line, '/admin/users?x=1 403 - rbac_access_denied_matched_policy[deny_admin_paths]');
    assert.equal(await stat(px, 'http.plain_http.rbac.hdr.allowed'), 1);
    assert.equal(await stat(px, 'http.plain_http.rbac.hdr.denied'), 3);
  });

  it('HTTP/2 and gRPC callers are denied the same way (gRPC: PERMISSION_DENIED)', async () => {
    const port = px.port('plain');
    const denied = await stat(px, 'http.plain_http.rbac.hdr.denied');
    const h2 = await request2({ port, path: '/admin' });
    assert.equal(h2.status, 403);
    assert.equal(h2.body.toString(), 'RBAC: access denied');
    assert.match(String(h2.headers['x-weft-error']), /^WEFT_RBAC_DENIED /);
    const grpc = await request2({ port, path: '/admin.Service/Method', method: 'POST', headers: { 'content-type': 'application/grpc', te: 'trailers' }, body: Buffer.alloc(5) });
    assert.equal(grpc.status, 200);
    assert.equal(String(grpc.headers['grpc-status'] ?? grpc.trailers['grpc-status']), '7');
    assert.equal(await stat(px, 'http.plain_http.rbac.hdr.denied'), denied + 2);
  });

  it('network RBAC: sa/a\'s TLS connection reaches the echo upstream; sa/b\'s is closed before any upstream connection', async () => {
    const port = px.port('tcp');
    const upstreamBefore = echo.connections.length;
    assert.equal(await tlsExchange(port, 'hello', clientA, pki), 'hello');
    assert.equal(await tlsExchange(port, 'hello', clientB, pki), '');
    assert.equal(echo.connections.length, upstreamBefore + 1, 'the denied connection never reached the upstream');
    // As Envoy, the tcp_proxy's access log records the refused connection with its termination details.
    const lines = await waitUntil(() => { const l = fileLines(tcpLog); return l.length >= 2 && l; }, 'two tcp access log lines');
    assert.deepEqual([...lines].sort(), [`- 127.0.0.1:${echo.port}`, 'rbac_access_denied_matched_policy[none] -']);
    assert.equal(await stat(px, 'tcp_rbac.rbac.allowed'), 1);
    assert.equal(await stat(px, 'tcp_rbac.rbac.denied'), 1);
  });
});

describe('RBAC config errors', () => {
  it('are all reported with their paths; CONTINUOUS and header matchers in the network filter are refused by name', () => {
    const errs = bootstrapErrors(`
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.rbac
        typed_config:
          "@type": ${NETWORK_RBAC}
          enforcement_type: CONTINUOUS
          rules:
            policies:
              p:
                permissions: [{ header: { name: x, present_match: true } }]
                principals: [{ any: true }]
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: h
          route_config: { virtual_hosts: [{ name: v, domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 200 } }] }] }
          http_filters:
          - name: envoy.filters.http.rbac
            typed_config:
              "@type": ${RBAC}
              matcher: {}
              track_per_rule_stats: true
              shadow_rules: { policies: { s: { permissions: [{ any: true }] } } }
${ROUTER}
`);
    const f = 'static_resources.listeners[0].filter_chains[0].filters';
    assert.deepEqual(errs.map((e) => e.path), [
      `${f}[0].typed_config.stat_prefix`,
      `${f}[0].typed_config.enforcement_type`,
      `${f}[0].typed_config.rules.policies["p"].permissions[0].header`,
      `${f}[1].typed_config.http_filters[0].typed_config.matcher`,
      `${f}[1].typed_config.http_filters[0].typed_config.track_per_rule_stats`,
      `${f}[1].typed_config.http_filters[0].typed_config.shadow_rules.policies["s"].principals`,
    ]);
  });

  it('a bad RBACPerRoute refuses the route configuration with its path', () => {
    const errs = bootstrapErrors(`
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: h
          route_config:
            virtual_hosts:
            - name: v
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                direct_response: { status: 200 }
                typed_per_filter_config:
                  envoy.filters.http.rbac: { "@type": ${RBAC_PER_ROUTE}, rbac: { rules: { action: AUDIT } } }
          http_filters:
${ROUTER}
`);
    assert.deepEqual(errs.map((e) => e.path), [
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.rbac"].rbac.rules.action',
    ]);
  });
});
