// Downstream TLS termination with real peers that are not weft: curl,
// openssl s_client and node:tls against listeners with
// envoy.transport_sockets.tls (DownstreamTlsContext): mutual TLS with SAN
// checks, PERMISSIVE (TLS and plaintext on one port via tls_inspector and
// transport_protocol), ALPN (h2 / http/1.1), TLS versions, session
// resumption, require_sni, TLS into tcp_proxy, certificate rotation through
// the secret store, the ssl.* stats and the access log TLS operators.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startProxy, startUpstream, staticCluster, request, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { H2_UPSTREAM_OPTIONS, stat } from '../helpers/http-test-kit.js';
import * as grpc from '@grpc/grpc-js';
import { startTcpUpstream, tempDir, waitUntil, fileLines, type TcpUpstream } from '../helpers/net-harness.js';
import path from 'node:path';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { makeTestPki, OPENSSL_MISSING, type TestCert, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import type { SdsRef } from '../../src/proxy/tls/tls-config.js';

const CURL_MISSING = (() => {
  try {
    return fs.existsSync('/usr/bin/curl') || fs.existsSync('/usr/local/bin/curl') ? undefined : 'curl is not installed';
  } catch {
    return 'curl is not installed';
  }
})();

/** Runs a command without blocking the event loop (the proxy runs in this process). */
function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin?.end(input ?? '');
  });
}

const TLS_INSPECTOR = `    listener_filters:
    - name: envoy.filters.listener.tls_inspector
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }`;

function hcm(statPrefix: string, accessLog = ''): string {
  return `      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ${statPrefix}
${accessLog}          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: app }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;
}

function downstreamTls(body: string): string {
  return `      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
${body}`;
}

const SERVER_SECRET: SdsRef = { name: 'server_cert', source: { kind: 'static' } };

describe('downstream TLS termination', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let server: TestCert;
  let client: TestCert;
  let wrongSan: TestCert;
  let foreign: TestCert;
  let foreignPki: TestPki;
  let app: Upstream;
  let echo: TcpUpstream;
  let px: RunningProxy;
  const tmp = tempDir();
  const accessLog = tmp.file('access.log');

  before(async () => {
    pki = makeTestPki();
    foreignPki = makeTestPki('weft-tls-foreign-');
    server = pki.issue('server', { dns: ['localhost', 'api.example.com'], ips: ['127.0.0.1'] });
    client = pki.issue('client', { uris: ['spiffe://cluster.local/ns/default/sa/client'] });
    wrongSan = pki.issue('wrong', { uris: ['spiffe://cluster.local/ns/other/sa/intruder'] });
    foreign = foreignPki.issue('foreign', { uris: ['spiffe://cluster.local/ns/default/sa/client'] });
    app = await startUpstream('app', (req, _body, res) => {
      res.setHeader('x-seen-proto', String(req.headers['x-forwarded-proto']));
      res.end(`app ${req.httpVersion}`);
    });
    echo = await startTcpUpstream('echo');
    const log = `          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${accessLog}
              log_format:
                text_format_source:
                  inline_string: "%DOWNSTREAM_PEER_URI_SAN%|%DOWNSTREAM_PEER_SUBJECT%|%DOWNSTREAM_LOCAL_SUBJECT%|%DOWNSTREAM_LOCAL_URI_SAN%|%DOWNSTREAM_TLS_VERSION%|%DOWNSTREAM_TLS_CIPHER%|%DOWNSTREAM_PEER_FINGERPRINT_256%|%DOWNSTREAM_PEER_SERIAL%|%REQUESTED_SERVER_NAME%|%REQ(:PATH)%\\n"
`;
    px = await startProxy(`
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  secrets:
  - name: server_cert
    tls_certificate:
      certificate_chain: { filename: ${server.certPath} }
      private_key: { filename: ${server.keyPath} }
  listeners:
  - name: mtls
    stat_prefix: mtls
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
${TLS_INSPECTOR}
    filter_chains:
    - filter_chain_match: { transport_protocol: tls }
${downstreamTls(`            common_tls_context:
              alpn_protocols: [h2, http/1.1]
              tls_certificates:
              - certificate_chain: { filename: ${server.certPath} }
                private_key: { filename: ${server.keyPath} }
              validation_context:
                trusted_ca: { filename: ${pki.root.certPath} }
                match_typed_subject_alt_names:
                - san_type: URI
                  matcher: { prefix: "spiffe://cluster.local/ns/default/" }
            require_client_certificate: true
`)}
${hcm('mtls_http', log)}
    - filter_chain_match: { transport_protocol: raw_buffer }
${hcm('plain_http', log)}
  - name: simple
    stat_prefix: simple
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    -
${downstreamTls(`            common_tls_context:
              alpn_protocols: [h2, http/1.1]
              tls_certificate_sds_secret_configs: [{ name: server_cert }]
`)}
${hcm('simple_http')}
  - name: tcp
    stat_prefix: tcp_tls
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    -
${downstreamTls(`            common_tls_context:
              tls_certificates:
              - certificate_chain: { inline_string: ${JSON.stringify(server.certPem)} }
                private_key: { inline_string: ${JSON.stringify(server.keyPem)} }
              tls_params: { tls_maximum_protocol_version: TLSv1_2 }
            require_sni: true
            disable_stateless_session_resumption: true
`)}
      filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: echo, cluster: echo }
  clusters:
${staticCluster('app', [app.port])}
${staticCluster('echo', [echo.port])}
`);
    px.proxy.secrets.set(SERVER_SECRET, { kind: 'tls_certificate', certificate: { certChainPem: server.certPem, privateKeyPem: server.keyPem, origin: 'test' } });
  });

  after(async () => {
    await px?.close();
    await app?.close();
    await echo?.close();
    pki?.cleanup();
    foreignPki?.cleanup();
    tmp.cleanup();
  });

  const curl = (port: number, args: string[], path = '/') => run('curl', ['-sS', ...(process.env.WEFT_TLS_DEBUG ? ['-v'] : []), '--max-time', '5', '-w', '\\n%{http_code} %{http_version}', '--cacert', pki.root.certPath, ...args, `https://localhost:${port}${path}`]);

  it('mutual TLS with curl: the client certificate is verified, h2 and http/1.1 by ALPN, https to the application', { skip: CURL_MISSING }, async () => {
    const port = px.port('mtls');
    const h1 = await curl(port, ['--http1.1', '--cert', client.certPath, '--key', client.keyPath], '/h1');
    assert.equal(h1.code, 0, h1.stderr);
    assert.match(h1.stdout, /^app 1\.1\n200 1\.1$/);
    const h2 = await curl(port, ['--http2', '--cert', client.certPath, '--key', client.keyPath, '-D', '-'], '/h2');
    assert.equal(h2.code, 0, h2.stderr);
    assert.match(h2.stdout, /x-seen-proto: https/);
    assert.match(h2.stdout, /200 2$/);
    assert.equal(app.requests.at(-1)!.headers['x-forwarded-proto'], 'https');
    assert.ok(await stat(px, 'listener.mtls.ssl.handshake') >= 2);
    assert.ok(await stat(px, 'listener.mtls.ssl.versions.TLSv1.3') >= 2);
    assert.ok(await stat(px, 'listener.mtls.ssl.ciphers.TLS_AES_256_GCM_SHA384') + await stat(px, 'listener.mtls.ssl.ciphers.TLS_AES_128_GCM_SHA256') >= 2);
    const line = await waitUntil(() => fileLines(accessLog).find((l) => l.endsWith('|/h2')), 'access log line');
    const [peerSan, peerSubject, localSubject, localUriSan, version, cipher, fp, serial, sni] = line.split('|');
    assert.equal(peerSan, 'spiffe://cluster.local/ns/default/sa/client');
    assert.equal(peerSubject, 'CN=client,O=weft test');
    assert.equal(localSubject, 'CN=server,O=weft test');
    assert.equal(localUriSan, '-');
    assert.equal(version, 'TLSv1.3');
    assert.match(cipher!, /^TLS_AES_/);
    const cc = new X509Certificate(client.certPem);
    assert.equal(fp, cc.fingerprint256.replace(/:/g, '').toLowerCase());
    assert.equal(serial, cc.serialNumber.toLowerCase());
    assert.equal(sni, 'localhost');
  });

  it('PERMISSIVE: plaintext on the same port takes the raw_buffer chain and logs "-" for TLS operators', async () => {
    const r = await request({ port: px.port('mtls'), path: '/plain' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-seen-proto'], 'http');
    const line = await waitUntil(() => fileLines(accessLog).find((l) => l.endsWith('|/plain')), 'access log line');
    assert.equal(line, '-|-|-|-|-|-|-|-|-|/plain');
  });

  it('refuses a client without a certificate, with a wrong SAN, or from another CA, and counts each', { skip: CURL_MISSING }, async () => {
    const port = px.port('mtls');
    const before = {
      noCert: await stat(px, 'listener.mtls.ssl.fail_verify_no_cert'),
      san: await stat(px, 'listener.mtls.ssl.fail_verify_san'),
      error: await stat(px, 'listener.mtls.ssl.fail_verify_error'),
    };
    const served = app.requests.length;
    const none = await curl(port, ['--http1.1']);
    assert.notEqual(none.code, 0);
    const san = await curl(port, ['--http1.1', '--cert', wrongSan.certPath, '--key', wrongSan.keyPath]);
    assert.notEqual(san.code, 0);
    const other = await curl(port, ['--http1.1', '--cert', foreign.certPath, '--key', foreign.keyPath]);
    assert.notEqual(other.code, 0);
    assert.equal(app.requests.length, served, 'no request reached the application');
    assert.equal(await stat(px, 'listener.mtls.ssl.fail_verify_no_cert'), before.noCert + 1);
    assert.equal(await stat(px, 'listener.mtls.ssl.fail_verify_san'), before.san + 1);
    assert.equal(await stat(px, 'listener.mtls.ssl.fail_verify_error'), before.error + 1);
  });

  it('openssl s_client: ALPN, TLS 1.2 and 1.3, SNI', async () => {
    const port = String(px.port('simple'));
    const h2 = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'h2', '-tls1_3', '-servername', 'api.example.com', '-CAfile', pki.root.certPath, '-verify_return_error'], 'Q\n');
    assert.match(h2.stdout, /ALPN protocol: h2/);
    assert.match(h2.stdout, /TLSv1\.3/);
    assert.match(h2.stdout, /Verify return code: 0 \(ok\)/);
    const t12 = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', 'http/1.1', '-tls1_2', '-CAfile', pki.root.certPath], 'Q\n');
    assert.match(t12.stdout, /ALPN protocol: http\/1\.1/);
    assert.match(t12.stdout, /Protocol\s*: TLSv1\.2/);
    assert.match(t12.stdout, /Cipher\s*: ECDHE-ECDSA-AES128-GCM-SHA256/, 'Envoy\'s default cipher preference');
    assert.ok(await stat(px, 'listener.simple.ssl.versions.TLSv1.2') >= 1);
    // TLS 1.1 is below Envoy's default minimum for servers.
    const t11 = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_1', '-CAfile', pki.root.certPath], 'Q\n');
    assert.match(t11.stdout, /Cipher is \(NONE\)/, 'no TLS 1.1 session');
    assert.ok(await stat(px, 'listener.simple.ssl.connection_error') >= 1);
  });

  it('node:tls: a rotated certificate (secret store) is served from the next connection on; sessions resume', async () => {
    const port = px.port('simple');
    const peerSerial = () => new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ALPNProtocols: ['http/1.1'] }, () => {
        resolve(s.getPeerX509Certificate()!.serialNumber);
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(await peerSerial(), new X509Certificate(server.certPem).serialNumber);
    const rotated = pki.issue('server2', { dns: ['localhost'] });
    px.proxy.secrets.set(SERVER_SECRET, { kind: 'tls_certificate', certificate: { certChainPem: rotated.certPem, privateKeyPem: rotated.keyPem, origin: 'test' } });
    assert.equal(await peerSerial(), new X509Certificate(rotated.certPem).serialNumber);

    // Session resumption (TLS 1.2 session ticket) against the same context.
    const connect = (session?: Buffer) => new Promise<{ reused: boolean; session: Buffer }>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, maxVersion: 'TLSv1.2', ...(session ? { session } : {}) }, () => {
        const reused = s.isSessionReused();
        const got = s.getSession()!;
        s.end();
        resolve({ reused, session: got });
      });
      s.on('error', reject);
    });
    const first = await connect();
    const before = await stat(px, 'listener.simple.ssl.session_reused');
    const second = await connect(first.session);
    assert.equal(second.reused, true);
    assert.equal(await stat(px, 'listener.simple.ssl.session_reused'), before + 1);
  });

  it('mutual TLS: a client that resumes its session (TLS 1.2 and 1.3) is served, with its certificate still known', async () => {
    // A server TLSSocket built by hand has no session ID context unless the
    // context sets one; OpenSSL then answers a resumed session on a
    // client-certificate listener with a fatal internal_error alert.
    const port = px.port('mtls');
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const connect = (session?: Buffer) => new Promise<{ reused: boolean; session: Buffer | undefined; body: string }>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, cert: client.certPem, key: client.keyPem, maxVersion, ALPNProtocols: ['http/1.1'], ...(session ? { session } : {}) });
        let got: Buffer | undefined;
        s.on('session', (b: Buffer) => { got = b; });
        let body = '';
        s.on('data', (d: Buffer) => { body += d.toString(); });
        s.on('end', () => resolve({ reused: s.isSessionReused(), session: got ?? s.getSession(), body }));
        s.on('error', reject);
        s.once('secureConnect', () => s.write(`GET /resume-${maxVersion} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`));
      });
      const first = await connect();
      assert.match(first.body, /^HTTP\/1\.1 200 /, maxVersion);
      assert.ok(first.session, `a session to resume (${maxVersion})`);
      const before = await stat(px, 'listener.mtls.ssl.session_reused');
      const second = await connect(first.session);
      assert.equal(second.reused, true, maxVersion);
      assert.match(second.body, /^HTTP\/1\.1 200 /, maxVersion);
      assert.equal(await stat(px, 'listener.mtls.ssl.session_reused'), before + 1);
      const lines = await waitUntil(() => { const ls = fileLines(accessLog).filter((l) => l.endsWith(`|/resume-${maxVersion}`)); return ls.length === 2 && ls; }, 'both access log lines');
      for (const l of lines) assert.equal(l.split('|')[0], 'spiffe://cluster.local/ns/default/sa/client', 'the resumed session still carries the peer certificate');
    }
  });

  it('TLS into tcp_proxy; require_sni refuses a client without SNI', async () => {
    const port = px.port('tcp');
    const echoed = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem }, () => s.write('ping'));
      s.on('data', (d: Buffer) => {
        resolve(d.toString());
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(echoed, 'ping');
    const errors = await stat(px, 'listener.tcp_tls.ssl.connection_error');
    await new Promise<void>((resolve) => {
      // No servername: node sends no SNI for an IP address.
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      s.on('error', () => undefined);
      s.on('close', () => resolve());
    });
    await waitUntil(async () => (await stat(px, 'listener.tcp_tls.ssl.connection_error')) === errors + 1, 'connection_error counted');
  });

  it('closed TLS connections leave no active connection behind', async () => {
    await waitUntil(async () => (await stat(px, 'listener.mtls.downstream_cx_active')) === 0 && (await stat(px, 'listener.simple.downstream_cx_active')) === 0, 'no active connections', 5000);
  });

  it('a plain TCP client that sends garbage to a TLS chain is closed and counted', async () => {
    const port = px.port('simple');
    const before = await stat(px, 'listener.simple.ssl.connection_error');
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('error', () => undefined);
      s.on('close', () => resolve());
      s.resume();
    });
    assert.equal(await stat(px, 'listener.simple.ssl.connection_error'), before + 1);
  });
});

describe('bad TLS material over LDS: refused with its path, the last good listener keeps serving', { skip: OPENSSL_MISSING, timeout: 30_000 }, () => {
  let pki: TestPki;
  const tmp = tempDir();
  before(() => {
    pki = makeTestPki();
  });
  after(() => {
    pki.cleanup();
    tmp.cleanup();
  });

  const lds = (version: string, cert: TestCert, keyPath: string, caPath: string, body: string) => `version_info: "${version}"
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: tls_listener
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
  filter_chains:
  - transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
        common_tls_context:
          tls_certificates:
          - certificate_chain: { filename: ${cert.certPath} }
            private_key: { filename: ${keyPath} }
          validation_context: { trusted_ca: { filename: ${caPath} } }
    filters:
    - name: envoy.filters.network.direct_response
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config
        response: { inline_string: "${body}" }
`;

  const replace = (file: string, text: string) => {
    const t = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
    fs.writeFileSync(t, text);
    fs.renameSync(t, file);
  };

  const fetch = (port: number) => new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem }, () => undefined);
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });

  it('an expired certificate, a key of another certificate and a non-CA trusted_ca are refused; TLS keeps serving v1', async () => {
    const good = pki.issue('good', { dns: ['localhost'] });
    const other = pki.issue('other');
    const expired = pki.issue('expired', { dns: ['localhost'], startDate: '20200101000000Z', endDate: '20200102000000Z' });
    const ldsFile = tmp.file('lds.yaml', lds('v1', good, good.keyPath, pki.root.certPath, 'v1'));
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(`
node: { id: n, cluster: c }
dynamic_resources:
  lds_config: { resource_api_version: V3, path_config_source: { path: ${ldsFile} } }
`, errs);
    assert.ok(cfg, errs.format());
    const p = new ProxyServer(cfg, { logs: new LogRegistry('error'), drainTimeMs: 100 });
    await p.start();
    try {
      await waitUntil(() => p.listenerPort('tls_listener'), 'listener bound', 10_000);
      const port = p.listenerPort('tls_listener')!;
      assert.equal(await fetch(port), 'v1');
      replace(ldsFile, lds('v2', good, other.keyPath, good.certPath, 'v2'));
      await waitUntil(() => (p.ctx.stats.findCounter('listener_manager.lds.update_rejected')?.value ?? 0) >= 1, 'v2 rejected', 10_000);
      const nack = p.xds!.status().find((st) => st.type === 'LDS')!.lastNack ?? '';
      assert.match(nack, /filter_chains\[0\]\.transport_socket\.typed_config\.common_tls_context\.tls_certificates\[0\]\.private_key/);
      assert.match(nack, /does not match/);
      assert.match(nack, /validation_context\.trusted_ca/);
      assert.match(nack, /not a CA/);
      assert.equal(await fetch(port), 'v1');
      replace(ldsFile, lds('v3', expired, expired.keyPath, pki.root.certPath, 'v3'));
      await waitUntil(() => (p.ctx.stats.findCounter('listener_manager.lds.update_rejected')?.value ?? 0) >= 2, 'v3 rejected', 10_000);
      assert.match(p.xds!.status().find((st) => st.type === 'LDS')!.lastNack ?? '', /certificate_chain.*has expired/);
      assert.equal(await fetch(port), 'v1');
    } finally {
      await p.shutdown();
    }
  });
});

describe('gRPC (@grpc/grpc-js) over mutual TLS through the proxy', { skip: OPENSSL_MISSING, timeout: 30_000 }, () => {
  let pki: TestPki;
  let server: TestCert;
  let client: TestCert;
  let intruder: TestCert;
  let upstream: grpc.Server;
  let px: RunningProxy;
  const pass = (b: Buffer) => b;
  const SERVICE = { Unary: { path: '/weft.test.Echo/Unary', requestStream: false, responseStream: false, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass } } satisfies grpc.ServiceDefinition;
  type Client = grpc.Client & { Unary(req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): grpc.ClientUnaryCall };
  const ClientCtor = grpc.makeGenericClientConstructor(SERVICE, 'Echo') as unknown as new (addr: string, creds: grpc.ChannelCredentials) => Client;

  before(async () => {
    pki = makeTestPki();
    server = pki.issue('server', { dns: ['localhost'] });
    client = pki.issue('client', { uris: ['spiffe://cluster.local/ns/default/sa/client'] });
    intruder = pki.issue('intruder', { uris: ['spiffe://cluster.local/ns/other/sa/intruder'] });
    upstream = new grpc.Server();
    upstream.addService(SERVICE, { Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from('echo:'), call.request])) } as grpc.UntypedServiceImplementation);
    const port = await new Promise<number>((res, rej) => upstream.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    px = await startProxy(`
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: grpc
    stat_prefix: grpc_tls
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    -
${downstreamTls(`            common_tls_context:
              alpn_protocols: [h2]
              tls_certificates:
              - certificate_chain: { filename: ${server.certPath} }
                private_key: { filename: ${server.keyPath} }
              validation_context:
                trusted_ca: { filename: ${pki.root.certPath} }
                match_typed_subject_alt_names: [{ san_type: URI, matcher: { exact: "spiffe://cluster.local/ns/default/sa/client" } }]
            require_client_certificate: true
`)}
${hcm('grpc_http').replace('cluster: app', 'cluster: echo')}
  clusters:
${staticCluster('echo', [port], H2_UPSTREAM_OPTIONS)}
`);
  });

  after(async () => {
    await px?.close();
    upstream?.forceShutdown();
    pki?.cleanup();
  });

  const call = (cert: TestCert) => new Promise<{ err: grpc.ServiceError | null; res?: Buffer }>((resolve) => {
    const c = new ClientCtor(`localhost:${px.port('grpc')}`, grpc.credentials.createSsl(Buffer.from(pki.root.certPem), Buffer.from(cert.keyPem), Buffer.from(cert.certPem)));
    c.Unary(Buffer.from('hi'), (err, res) => {
      c.close();
      resolve({ err, ...(res ? { res } : {}) });
    });
  });

  it('a unary call with the right client certificate goes through; a wrong SAN is refused', async () => {
    const ok = await call(client);
    assert.equal(ok.err, null);
    assert.equal(ok.res?.toString(), 'echo:hi');
    const bad = await call(intruder);
    assert.equal(bad.err?.code, grpc.status.UNAVAILABLE);
    assert.ok(await stat(px, 'listener.grpc_tls.ssl.fail_verify_san') >= 1);
  });
});
