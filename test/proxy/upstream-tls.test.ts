// Upstream TLS origination end to end: weft in front of real TLS servers
// (node:https, node:http2 secure servers, node:tls, openssl s_server) with
// UpstreamTlsContext on clusters and transport_socket_matches. Certificates
// are made by openssl (tls-test-kit); the suite skips when openssl is absent.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { makeTestPki, OPENSSL_MISSING, type TestCert, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { bootstrapErrors, closedPort, request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { jsonBootstrap, jsonCluster, stat, toCluster, type Json } from '../helpers/http-test-kit.js';
import { tcpConnect, tempDir, tryConnect, waitUntil } from '../helpers/net-harness.js';

const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const RAW_BUFFER = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const HPO_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const HPO = 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

const SERVER_SPIFFE = 'spiffe://cluster.local/ns/default/sa/backend';
const CLIENT_SPIFFE = 'spiffe://cluster.local/ns/default/sa/frontend';

/** What a TLS upstream saw of the last request. */
interface Seen {
  servername: string | false | undefined;
  clientUriSan: string | undefined;
  alpn: string | false | undefined;
  httpVersion: string;
}

interface TlsUpstream {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

function clientSan(sock: tls.TLSSocket): string | undefined {
  const c = sock.getPeerX509Certificate();
  return c?.subjectAltName;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

/** node:https server: asks for (but does not require) a client certificate, answers `name`. */
async function startHttps(name: string, cert: TestCert, opts: { requireClientCert?: boolean; ca?: string; closeEach?: boolean } = {}): Promise<TlsUpstream> {
  const seen: Seen[] = [];
  const server = https.createServer({
    cert: cert.certPem, key: cert.keyPem,
    requestCert: true, rejectUnauthorized: opts.requireClientCert === true,
    ...(opts.ca ? { ca: opts.ca } : {}),
  }, (req, res) => {
    const s = req.socket as tls.TLSSocket;
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, clientUriSan: clientSan(s), alpn: s.alpnProtocol ?? undefined, httpVersion: req.httpVersion });
    res.setHeader('x-upstream', name);
    // closeEach: every request comes on a new connection (and so a new handshake).
    if (opts.closeEach) res.setHeader('connection', 'close');
    res.end(name);
  });
  const port = await listen(server);
  return { port, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** node:http2 secure server (h2 by ALPN; HTTP/1.1 too when allowHTTP1). */
async function startH2s(name: string, cert: TestCert, allowHTTP1: boolean): Promise<TlsUpstream> {
  const seen: Seen[] = [];
  const server = http2.createSecureServer({ cert: cert.certPem, key: cert.keyPem, allowHTTP1 }, (req, res) => {
    const s = req.socket as unknown as tls.TLSSocket;
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, clientUriSan: undefined, alpn: s.alpnProtocol ?? undefined, httpVersion: req.httpVersion });
    res.setHeader('x-upstream', name);
    res.end(name);
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const port = await listen(server);
  return { port, seen, close: () => new Promise((r) => { for (const s of sessions) s.destroy(); server.close(() => r()); }) };
}

function tlsSocket(o: { sni?: string; san?: string; client?: TestCert; ca: string; alpn?: string[]; sdsCert?: string; maxSessionKeys?: number; maxVersion?: string }): Json {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS,
      ...(o.sni ? { sni: o.sni } : {}),
      ...(o.maxSessionKeys !== undefined ? { max_session_keys: o.maxSessionKeys } : {}),
      common_tls_context: {
        ...(o.client ? { tls_certificates: [{ certificate_chain: { filename: o.client.certPath }, private_key: { filename: o.client.keyPath } }] } : {}),
        ...(o.sdsCert ? { tls_certificate_sds_secret_configs: [{ name: o.sdsCert, sds_config: SDS_TEST_SOURCE }] } : {}),
        validation_context: {
          trusted_ca: { filename: o.ca },
          ...(o.san ? { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: o.san } }] } : {}),
        },
        ...(o.alpn ? { alpn_protocols: o.alpn } : {}),
        ...(o.maxVersion ? { tls_params: { tls_maximum_protocol_version: o.maxVersion } } : {}),
      },
    },
  };
}

// The SDS client certificate comes from an `api` SDS cluster that the test
// claims in process (as weft's node agent claims sds-grpc) and sets itself.
const SDS_TEST_CLUSTER = 'sds_test';
const SDS_TEST_SOURCE: Json = { resource_api_version: 'V3', api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: SDS_TEST_CLUSTER } }] } };

const hc = (check: Json): Json => ({ timeout: '1s', interval: '0.2s', unhealthy_threshold: 1, healthy_threshold: 1, ...check });

const protocolOptions = (cfg: Json): Json => ({ typed_extension_protocol_options: { [HPO_KEY]: { '@type': HPO, ...cfg } } });

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('upstream TLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let rogue: TestPki;
  let px: RunningProxy;
  let main: TlsUpstream;
  let mtlsOnly: TlsUpstream;
  let sdsUpstream: TlsUpstream;
  let resumeUpstream: TlsUpstream;
  let hcUpstream: TlsUpstream;
  let hcH2Upstream: TlsUpstream;
  let untrusted: TlsUpstream;
  let h2Only: TlsUpstream;
  let h2OrH1: TlsUpstream;
  let plain: http.Server;
  let plainPort: number;
  let plainHits = 0;
  let tlsEcho: tls.Server;
  let tlsEchoPort: number;
  const tmp = tempDir('weft-upstream-tls-');
  const log = tmp.file('access.log');
  const tcpLog = tmp.file('tcp.log');
  let client: TestCert;
  let client2: TestCert;

  before(async () => {
    pki = makeTestPki('weft-upstream-tls-');
    rogue = makeTestPki('weft-rogue-ca-');
    const serverCert = pki.issue('server', { dns: ['backend.example.com', '*.wild.example.com'], uris: [SERVER_SPIFFE] });
    client = pki.issue('client', { uris: [CLIENT_SPIFFE] });
    client2 = pki.issue('client2', { uris: [CLIENT_SPIFFE + '-rotated'] });
    main = await startHttps('main', serverCert);
    mtlsOnly = await startHttps('mtls', serverCert, { requireClientCert: true, ca: pki.root.certPem });
    sdsUpstream = await startHttps('sds', serverCert, { requireClientCert: true, ca: pki.root.certPem, closeEach: true });
    resumeUpstream = await startHttps('resume', serverCert, { requireClientCert: true, ca: pki.root.certPem, closeEach: true });
    hcUpstream = await startHttps('hc', serverCert);
    hcH2Upstream = await startH2s('hc-h2', serverCert, false);
    untrusted = await startHttps('untrusted', rogue.issue('rogue', { dns: ['backend.example.com'] }));
    h2Only = await startH2s('h2only', serverCert, false);
    h2OrH1 = await startH2s('h2orh1', serverCert, true);
    plain = http.createServer((_req, res) => {
      plainHits++;
      res.setHeader('x-upstream', 'plain');
      res.end('plain');
    });
    plainPort = await listen(plain);
    tlsEcho = tls.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (s) => s.pipe(s));
    tlsEchoPort = await listen(tlsEcho);

    const ca = pki.root.certPath;
    const ok = tlsSocket({ sni: 'backend.example.com', san: 'backend.example.com', client, ca });
    const boot = JSON.parse(jsonBootstrap({
      routeConfig: {
        virtual_hosts: [{
          name: 'all', domains: ['*'],
          routes: [
            toCluster({ prefix: '/ok' }, 'tls_ok'),
            toCluster({ prefix: '/mtls' }, 'tls_mtls'),
            toCluster({ prefix: '/nocert' }, 'tls_nocert'),
            toCluster({ prefix: '/untrusted' }, 'tls_untrusted'),
            toCluster({ prefix: '/wrongsan' }, 'tls_wrongsan'),
            toCluster({ prefix: '/retry' }, 'tls_untrusted', { retry_policy: { retry_on: 'connect-failure', num_retries: 2 } }),
            toCluster({ prefix: '/h2' }, 'tls_h2'),
            toCluster({ prefix: '/auto-h2' }, 'auto_h2'),
            toCluster({ prefix: '/auto-h1' }, 'auto_h1'),
            toCluster({ prefix: '/auto-bad' }, 'auto_bad'),
            toCluster({ prefix: '/match' }, 'matches'),
            toCluster({ prefix: '/sds' }, 'tls_sds'),
            toCluster({ prefix: '/resume12' }, 'tls_resume12'),
            toCluster({ prefix: '/resume13' }, 'tls_resume13'),
            toCluster({ prefix: '/autosni' }, 'auto_sni'),
          ],
        }],
      },
      hcm: {
        access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: log, log_format: { text_format_source: { inline_string: '%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_TRANSPORT_FAILURE_REASON% %UPSTREAM_PEER_URI_SAN% %UPSTREAM_TLS_VERSION% %UPSTREAM_PEER_SUBJECT%\n' } } } }],
      },
      clusters: [
        jsonCluster('tls_ok', [main.port], { transport_socket: ok }),
        jsonCluster('tls_mtls', [mtlsOnly.port], { transport_socket: ok }),
        jsonCluster('tls_nocert', [mtlsOnly.port], { transport_socket: tlsSocket({ ca }) }),
        jsonCluster('tls_untrusted', [untrusted.port], { transport_socket: ok }),
        jsonCluster('tls_wrongsan', [main.port], { transport_socket: tlsSocket({ san: 'other.example.com', ca }) }),
        jsonCluster('tls_h2', [h2Only.port], { transport_socket: tlsSocket({ ca }), ...protocolOptions({ explicit_http_config: { http2_protocol_options: {} } }) }),
        jsonCluster('auto_h2', [h2OrH1.port], { transport_socket: tlsSocket({ ca }), ...protocolOptions({ auto_config: {} }) }),
        jsonCluster('auto_h1', [main.port], { transport_socket: tlsSocket({ ca }), ...protocolOptions({ auto_config: {} }) }),
        jsonCluster('auto_bad', [untrusted.port], { transport_socket: tlsSocket({ ca }), ...protocolOptions({ auto_config: {} }) }),
        {
          ...jsonCluster('matches', []),
          load_assignment: {
            cluster_name: 'matches',
            endpoints: [{
              lb_endpoints: [
                { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: mtlsOnly.port } } }, metadata: { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } },
                { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: plainPort } } } },
              ],
            }],
          },
          transport_socket_matches: [
            { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: ok },
            { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': RAW_BUFFER } } },
          ],
        },
        jsonCluster('hc_http', [hcUpstream.port], { transport_socket: ok, health_checks: [hc({ http_health_check: { path: '/healthz' } })] }),
        jsonCluster('hc_h2', [hcH2Upstream.port], { transport_socket: tlsSocket({ ca }), health_checks: [hc({ http_health_check: { path: '/healthz', codec_client_type: 'HTTP2' } })] }),
        jsonCluster('hc_tcp_bad', [untrusted.port], { transport_socket: ok, health_checks: [hc({ tcp_health_check: {} })] }),
        jsonCluster('tls_resume12', [resumeUpstream.port], { transport_socket: tlsSocket({ sni: 'backend.example.com', san: 'backend.example.com', client, ca, maxVersion: 'TLSv1_2' }) }),
        // Envoy's client default is TLS 1.2 at most: 1.3 is asked for.
        jsonCluster('tls_resume13', [resumeUpstream.port], { transport_socket: tlsSocket({ sni: 'backend.example.com', san: 'backend.example.com', client, ca, maxVersion: 'TLSv1_3' }) }),
        jsonCluster('tls_sds', [sdsUpstream.port], { transport_socket: tlsSocket({ sdsCert: 'client-cert', ca }) }),
        // The SDS stream to it fails (the port speaks TLS) until the test claims the cluster, which stops the stream.
        jsonCluster(SDS_TEST_CLUSTER, [sdsUpstream.port], protocolOptions({ explicit_http_config: { http2_protocol_options: {} } })),
        jsonCluster('auto_sni', [main.port], {
          transport_socket: tlsSocket({ ca }),
          ...protocolOptions({ explicit_http_config: { http_protocol_options: {} }, upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true } }),
        }),
      ],
    }));
    boot.static_resources.listeners.push({
      name: 'tcp_tls',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: {
        '@type': TCP_PROXY, stat_prefix: 'tcp_tls', cluster: 'tcp_tls_echo',
        access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: tcpLog, log_format: { text_format_source: { inline_string: '%RESPONSE_FLAGS% %UPSTREAM_TRANSPORT_FAILURE_REASON%\n' } } } }],
      } }] }],
    });
    boot.static_resources.clusters.push(jsonCluster('tcp_tls_echo', [tlsEchoPort], { transport_socket: tlsSocket({ san: 'backend.example.com', ca }) }));
    px = await startProxy(JSON.stringify(boot));
  });

  after(async () => {
    await px?.close();
    for (const u of [main, mtlsOnly, sdsUpstream, resumeUpstream, hcUpstream, hcH2Upstream, untrusted, h2Only, h2OrH1]) await u?.close();
    plain?.close();
    tlsEcho?.close();
    pki?.cleanup();
    rogue?.cleanup();
    tmp.cleanup();
  });

  it('originates TLS: SNI sent, server checked against trusted_ca and the SAN matcher, client certificate presented', async () => {
    const r = await request({ port: px.port(), path: '/ok' });
    assert.equal(r.status, 200, String(r.headers['x-weft-error']));
    assert.equal(r.body.toString(), 'main');
    const s = main.seen.at(-1)!;
    assert.equal(s.servername, 'backend.example.com');
    assert.match(s.clientUriSan ?? '', new RegExp(CLIENT_SPIFFE));
    assert.ok((await stat(px, 'cluster.tls_ok.ssl.handshake')) >= 1);
    assert.ok((await stat(px, 'cluster.tls_ok.ssl.versions.TLSv1.2')) >= 1, 'Envoy\'s client default tops at TLS 1.2');
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/ok ')), 'the access log line');
    assert.equal(line, `/ok 200 - - ${SERVER_SPIFFE} TLSv1.2 CN=server,O=weft test`);
  });

  it('presents the client certificate to a server that requires one', async () => {
    const r = await request({ port: px.port(), path: '/mtls' });
    assert.equal(r.status, 200, String(r.headers['x-weft-error']));
    assert.equal(r.body.toString(), 'mtls');
    assert.match(mtlsOnly.seen.at(-1)!.clientUriSan ?? '', new RegExp(CLIENT_SPIFFE));
  });

  it('a server that requires a client certificate and gets none: the handshake fails, UF with OpenSSL\'s reason', async () => {
    const r = await request({ port: px.port(), path: '/nocert' });
    assert.equal(r.status, 503);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TLS_FAILURE /);
    assert.ok((await stat(px, 'cluster.tls_nocert.ssl.connection_error')) >= 1);
    assert.equal(await stat(px, 'cluster.tls_nocert.ssl.handshake'), 0);
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/nocert ')), 'the access log line');
    assert.match(line, /^\/nocert 503 UF TLS_error:\|\S+:.*:TLS_error_end - - -$/);
  });

  it('a server certificate from an untrusted CA fails the connect: 503 UF with the transport failure reason', async () => {
    const failBefore = await stat(px, 'cluster.tls_untrusted.upstream_cx_connect_fail');
    const r = await request({ port: px.port(), path: '/untrusted' });
    assert.equal(r.status, 503);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TLS_FAILURE /);
    assert.match(r.body.toString(), /reset reason: connection failure, transport failure reason: TLS_error:.*CERTIFICATE_VERIFY_FAILED/);
    assert.equal(untrusted.seen.length, 0, 'no request reached the untrusted server');
    assert.equal(await stat(px, 'cluster.tls_untrusted.ssl.fail_verify_error'), 1);
    assert.ok((await stat(px, 'cluster.tls_untrusted.ssl.connection_error')) >= 1);
    assert.equal(await stat(px, 'cluster.tls_untrusted.upstream_cx_connect_fail'), failBefore + 1);
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/untrusted ')), 'the access log line');
    assert.match(line, /^\/untrusted 503 UF TLS_error:\|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:/);
  });

  it('a TLS failure is retried as connect-failure', async () => {
    const before = await stat(px, 'cluster.tls_untrusted.upstream_rq_retry');
    const r = await request({ port: px.port(), path: '/retry' });
    assert.equal(r.status, 503);
    assert.equal(await stat(px, 'cluster.tls_untrusted.upstream_rq_retry'), before + 2);
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/retry ')), 'the access log line');
    assert.match(line, /^\/retry 503 UF,URX TLS_error:/);
  });

  it('a server whose SAN does not match fails with ssl.fail_verify_san', async () => {
    const r = await request({ port: px.port(), path: '/wrongsan' });
    assert.equal(r.status, 503);
    assert.match(String(r.headers['x-weft-error']), /SAN matcher/);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TLS_FAILURE /);
    assert.equal(await stat(px, 'cluster.tls_wrongsan.ssl.fail_verify_san'), 1);
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/wrongsan ')), 'the access log line');
    assert.match(line, /^\/wrongsan 503 UF TLS_error:.*SAN_matcher|^\/wrongsan 503 UF TLS_error:.*SAN matcher/);
  });

  it('HTTP/2 over TLS: ALPN h2 offered for an HTTP/2 cluster', async () => {
    const r = await request({ port: px.port(), path: '/h2' });
    assert.equal(r.status, 200, String(r.headers['x-weft-error']));
    assert.equal(r.body.toString(), 'h2only');
    assert.equal(h2Only.seen.at(-1)!.alpn, 'h2');
    assert.equal(h2Only.seen.at(-1)!.httpVersion, '2.0');
    assert.equal(await stat(px, 'cluster.tls_h2.upstream_cx_http2_total'), 1);
  });

  it('auto_config picks HTTP/2 when the server chooses h2 by ALPN, HTTP/1.1 otherwise', async () => {
    const [a, b] = await Promise.all([request({ port: px.port(), path: '/auto-h2' }), request({ port: px.port(), path: '/auto-h2' })]);
    assert.equal(a.status, 200, String(a.headers['x-weft-error']));
    assert.equal(b.status, 200, String(b.headers['x-weft-error']));
    assert.deepEqual(h2OrH1.seen.slice(-2).map((s) => s.httpVersion), ['2.0', '2.0']);
    assert.equal(await stat(px, 'cluster.auto_h2.upstream_cx_http2_total'), 1, 'both requests on the one h2 connection');
    const c = await request({ port: px.port(), path: '/auto-h1' });
    assert.equal(c.status, 200, String(c.headers['x-weft-error']));
    assert.equal(c.body.toString(), 'main');
    assert.equal(main.seen.at(-1)!.httpVersion, '1.1');
    assert.equal(await stat(px, 'cluster.auto_h1.upstream_cx_http1_total'), 1);
  });

  it('auto_config: requests waiting for the ALPN probe all fail with its TLS failure', async () => {
    const rs = await Promise.all([1, 2, 3].map(() => request({ port: px.port(), path: '/auto-bad' })));
    for (const r of rs) {
      assert.equal(r.status, 503);
      assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TLS_FAILURE /);
    }
    assert.ok((await stat(px, 'cluster.auto_bad.ssl.fail_verify_error')) >= 1);
    assert.equal(await stat(px, 'cluster.auto_bad.upstream_cx_connect_fail'), await stat(px, 'cluster.auto_bad.ssl.fail_verify_error'), 'one failed connection per probe');
  });

  it('transport_socket_matches: mTLS to the endpoint labelled tlsMode istio, plaintext to the other', async () => {
    const mtlsBefore = mtlsOnly.seen.length;
    const plainBefore = plainHits;
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await request({ port: px.port(), path: '/match' });
      assert.equal(r.status, 200, String(r.headers['x-weft-error']));
      bodies.add(r.body.toString());
    }
    assert.deepEqual([...bodies].sort(), ['mtls', 'plain']);
    assert.ok(mtlsOnly.seen.length > mtlsBefore && plainHits > plainBefore);
    assert.match(mtlsOnly.seen.at(-1)!.clientUriSan ?? '', new RegExp(CLIENT_SPIFFE));
    assert.ok((await stat(px, 'cluster.matches.tlsMode-istio.total_match_count')) >= 1);
    assert.ok((await stat(px, 'cluster.matches.tlsMode-disabled.total_match_count')) >= 1);
  });

  it('an SDS client certificate: UF until it arrives, then used; a rotated one is used from the next connection', async () => {
    const claim = px.proxy.sds.claimApiCluster(SDS_TEST_CLUSTER);
    assert.deepEqual(claim.requested(), ['client-cert']);
    const r0 = await request({ port: px.port(), path: '/sds' });
    assert.equal(r0.status, 503);
    assert.match(String(r0.headers['x-weft-error']), /^WEFT_UPSTREAM_TLS_FAILURE .*"client-cert"/);
    const line = await waitUntil(() => lines(log).find((l) => l.startsWith('/sds ')), 'the access log line');
    assert.match(line, /^\/sds 503 UF TLS_error:_Secret_is_not_supplied_by_SDS - - -$/);
    claim.set('client-cert', { kind: 'tls_certificate', certificate: { certChainPem: client.certPem, privateKeyPem: client.keyPem, origin: 'test' } });
    const r1 = await request({ port: px.port(), path: '/sds' });
    assert.equal(r1.status, 200, String(r1.headers['x-weft-error']));
    assert.match(sdsUpstream.seen.at(-1)!.clientUriSan ?? '', new RegExp(`${CLIENT_SPIFFE}$`));
    claim.set('client-cert', { kind: 'tls_certificate', certificate: { certChainPem: client2.certPem, privateKeyPem: client2.keyPem, origin: 'test' } });
    const r2 = await request({ port: px.port(), path: '/sds' });
    assert.equal(r2.status, 200, String(r2.headers['x-weft-error']));
    assert.match(sdsUpstream.seen.at(-1)!.clientUriSan ?? '', new RegExp(`${CLIENT_SPIFFE}-rotated$`));
  });

  it('resumes TLS 1.2 and 1.3 sessions to a server that closes every connection; the server is still checked and logged', async () => {
    // node's client has no peer certificate on a resumed session: the one the session was verified with is used.
    for (const v of ['12', '13']) {
      for (let i = 0; i < 3; i++) {
        const r = await request({ port: px.port(), path: `/resume${v}` });
        assert.equal(r.status, 200, String(r.headers['x-weft-error']));
      }
      assert.equal(await stat(px, `cluster.tls_resume${v}.ssl.handshake`), 3);
      assert.ok((await stat(px, `cluster.tls_resume${v}.ssl.session_reused`)) >= 1, `TLS 1.${v[1]} resumed`);
      const ls = await waitUntil(() => { const l = lines(log).filter((x) => x.startsWith(`/resume${v} `)); return l.length === 3 && l; }, 'three access log lines');
      for (const l of ls) assert.equal(l.split(' ').slice(0, 6).join(' '), `/resume${v} 200 - - ${SERVER_SPIFFE} TLSv1.${v[1]}`);
    }
    assert.equal(resumeUpstream.seen.length, 6);
  });

  it('auto_sni sends the request host as SNI and auto_san_validation checks the server against it', async () => {
    const ok = await request({ port: px.port(), path: '/autosni', headers: { host: 'api.wild.example.com:8443' } });
    assert.equal(ok.status, 200, String(ok.headers['x-weft-error']));
    assert.equal(main.seen.at(-1)!.servername, 'api.wild.example.com');
    const bad = await request({ port: px.port(), path: '/autosni', headers: { host: 'nothere.example.org' } });
    assert.equal(bad.status, 503);
    assert.equal(main.seen.at(-1)!.servername, 'api.wild.example.com', 'no request reached the server for the wrong name');
    assert.equal(await stat(px, 'cluster.auto_sni.ssl.fail_verify_san'), 1);
  });

  it('active health checks go over the host\'s TLS transport socket (HTTP/1.1, HTTP/2, TCP)', async () => {
    await waitUntil(async () => (await stat(px, 'cluster.hc_http.health_check.success')) >= 1, 'an HTTP health check over TLS to pass', 10_000);
    await waitUntil(async () => (await stat(px, 'cluster.hc_h2.health_check.success')) >= 1, 'an HTTP/2 health check over TLS to pass', 10_000);
    assert.equal(await stat(px, 'cluster.hc_http.membership_healthy'), 1);
    assert.equal(await stat(px, 'cluster.hc_h2.membership_healthy'), 1);
    assert.ok(hcUpstream.seen.some((x) => x.clientUriSan?.includes(CLIENT_SPIFFE)), 'the health check presented the client certificate');
    assert.equal(hcH2Upstream.seen.at(-1)!.alpn, 'h2');
    await waitUntil(async () => (await stat(px, 'cluster.hc_tcp_bad.health_check.failure')) >= 1, 'the TCP health check to an untrusted server to fail', 10_000);
    assert.equal(await stat(px, 'cluster.hc_tcp_bad.membership_healthy'), 0);
    assert.ok((await stat(px, 'cluster.hc_tcp_bad.ssl.fail_verify_error')) >= 1);
  });

  it('tcp_proxy over TLS', async () => {
    const c = await tcpConnect(px.port('tcp_tls'));
    c.socket.write('hello over tls');
    await c.waitFor('hello over tls');
    c.socket.destroy();
    assert.ok((await stat(px, 'cluster.tcp_tls_echo.ssl.handshake')) >= 1);
  });
});

describe('upstream TLS: openssl s_server as the upstream', { skip: OPENSSL_MISSING, timeout: 30_000 }, () => {
  let pki: TestPki;
  let server: ChildProcess | undefined;
  let px: RunningProxy;

  before(async () => {
    pki = makeTestPki('weft-s-server-');
    const cert = pki.issue('s-server', { dns: ['s-server.example.com'] });
    const port = await closedPort();
    server = spawn('openssl', ['s_server', '-accept', String(port), '-cert', cert.certPath, '-key', cert.keyPath, '-www'], { stdio: 'ignore' });
    await waitUntil(async () => (await tryConnect(port)) === 'connected', 'openssl s_server to listen', 10_000);
    px = await startProxy(jsonBootstrap({
      routeConfig: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [toCluster({ prefix: '/' }, 's_server', { prefix_rewrite: '/' })] }] },
      clusters: [jsonCluster('s_server', [port], { transport_socket: tlsSocket({ sni: 's-server.example.com', san: 's-server.example.com', ca: pki.root.certPath }) })],
    }));
  });

  after(async () => {
    await px?.close();
    if (server?.pid) process.kill(server.pid);
    pki?.cleanup();
  });

  it('serves a request over TLS originated by weft', async () => {
    const r = await request({ port: px.port(), path: '/status' });
    assert.equal(r.status, 200, String(r.headers['x-weft-error']));
    assert.match(r.body.toString(), /Ciphers supported|New, TLSv1/);
    assert.equal(await stat(px, 'cluster.s_server.ssl.handshake'), 1);
  });
});

describe('upstream TLS config errors', () => {
  it('refuses a DownstreamTlsContext on a cluster, and bad transport_socket_matches, each with its path', () => {
    const errs = bootstrapErrors(jsonBootstrap({
      routeConfig: { virtual_hosts: [] },
      clusters: [
        jsonCluster('down', [1], { transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext' } } }),
        jsonCluster('m', [1], {
          transport_socket_matches: [
            { match: { a: 'b' }, transport_socket: { name: 'raw', typed_config: { '@type': RAW_BUFFER } } },
            { name: 'x', match: {} },
            { name: 'y', transport_socket: { name: 'raw', typed_config: { '@type': RAW_BUFFER } } },
            { name: 'y', transport_socket: { name: 'raw', typed_config: { '@type': RAW_BUFFER } } },
          ],
        }),
        jsonCluster('sni', [1], protocolOptions({ explicit_http_config: { http_protocol_options: {} }, upstream_http_protocol_options: { override_auto_sni_header: 'x-sni' } })),
      ],
    }));
    const paths = errs.map((e) => e.path);
    assert.ok(paths.includes('static_resources.clusters[0].transport_socket.typed_config'), paths.join('\n'));
    assert.ok(paths.includes('static_resources.clusters[1].transport_socket_matches[0].name'), paths.join('\n'));
    assert.ok(paths.includes('static_resources.clusters[1].transport_socket_matches[1].transport_socket'), paths.join('\n'));
    assert.ok(paths.includes('static_resources.clusters[1].transport_socket_matches[3].name'), paths.join('\n'));
    assert.ok(paths.some((p) => p.startsWith('static_resources.clusters[2].typed_extension_protocol_options') && p.endsWith('override_auto_sni_header')), paths.join('\n'));
  });
});
