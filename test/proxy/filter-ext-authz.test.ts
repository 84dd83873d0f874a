// envoy.filters.http.ext_authz through a real weft proxy, against real
// authorizers written here: a gRPC envoy.service.auth.v3.Authorization server
// on @grpc/grpc-js (decoding weft's CheckRequest with the project's
// descriptor-driven codec, independently of the filter's hand-written
// encoder) and a plain node:http authorizer. Covers allow with header
// mutation, deny with the authorizer's status/body/headers, an authorizer
// that is down (failure_mode_allow on and off), one that is too slow
// (timeout → status_on_error), with_request_body, per-route disable and
// context_extensions, and the stats.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { decodeBinary, encodeBinary } from '../../src/xds/codec.js';
import { closedPort, request, request2, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { bootstrapErrors } from '../helpers/proxy-harness.js';
import { jsonCluster, stat, type Json } from '../helpers/http-test-kit.js';
import { makeTestPki, OPENSSL_MISSING, type TestCert, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';

const EXT_AUTHZ = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
const PER_ROUTE = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';
const H2 = {
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: {} },
    },
  },
};

interface CheckRequest {
  attributes?: {
    tls_session?: { sni?: string };
    source?: { address?: { socket_address?: { address?: string; port_value?: number } }; principal?: string };
    destination?: { address?: { socket_address?: { address?: string; port_value?: number } } };
    request?: { http?: { id?: string; method?: string; path?: string; host?: string; scheme?: string; protocol?: string; headers?: Record<string, string>; body?: string; size?: number | string } };
    context_extensions?: Record<string, string>;
  };
}

interface GrpcAuthorizer {
  port: number;
  checks: CheckRequest[];
  close(): Promise<void>;
}

const bytes = (b: Buffer) => b;

/** A gRPC authorizer: the request path decides the answer. */
async function startGrpcAuthorizer(): Promise<GrpcAuthorizer> {
  const checks: CheckRequest[] = [];
  const held: (() => void)[] = [];
  const server = new grpc.Server();
  server.addService({
    Check: { path: '/envoy.service.auth.v3.Authorization/Check', requestStream: false, responseStream: false, requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes },
  }, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const req = decodeBinary<CheckRequest>('envoy.service.auth.v3.CheckRequest', call.request);
      checks.push(req);
      const path = req.attributes?.request?.http?.path ?? '';
      const reply = (o: Json) => cb(null, Buffer.from(encodeBinary('envoy.service.auth.v3.CheckResponse', o)));
      if (path.startsWith('/slow')) {
        held.push(() => reply({ status: { code: 0 } }));
        return;
      }
      if (path.startsWith('/grpc-error')) {
        cb({ code: grpc.status.INTERNAL, details: 'authorizer broke' });
        return;
      }
      if (path.startsWith('/deny-plain')) {
        reply({ status: { code: 16 } });
        return;
      }
      if (path.startsWith('/deny')) {
        reply({
          status: { code: 7 },
          denied_response: {
            status: { code: 'Unauthorized' },
            headers: [{ header: { key: 'x-deny-reason', value: 'no token' } }, { header: { key: 'content-type', value: 'application/json' } }],
            body: '{"error":"go away"}',
          },
        });
        return;
      }
      reply({
        status: { code: 0 },
        ok_response: {
          headers: [
            { header: { key: 'x-authz-user', value: 'alice' } },
            { header: { key: 'x-tag', value: 'from-authz' }, append: { value: true } },
          ],
          headers_to_remove: ['x-secret'],
          response_headers_to_add: [{ header: { key: 'x-authz-response', value: 'yes' } }],
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    port,
    checks,
    close: () => new Promise<void>((r) => {
      for (const h of held.splice(0)) h();
      server.tryShutdown(() => r());
    }),
  };
}

interface HttpAuthorizer {
  port: number;
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** An HTTP authorizer: `authorization: Bearer good` is allowed, anything else is 401; /authz/boom answers 503. */
async function startHttpAuthorizer(): Promise<HttpAuthorizer> {
  const seen: HttpAuthorizer['seen'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url?.startsWith('/authz/boom')) {
        res.writeHead(503);
        res.end('down');
        return;
      }
      if (req.headers.authorization === 'Bearer good') {
        res.writeHead(200, { 'x-user': 'bob', 'x-not-forwarded': 'secret', 'x-audit': 'ok', 'x-envoy-auth-headers-to-remove': 'x-drop-me' });
        res.end();
        return;
      }
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="weft"', 'x-internal': 'hidden', 'content-type': 'text/plain' });
      res.end('unauthorized');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function listener(name: string, filter: Json, routes: Json[]): Json {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: name,
          route_config: { name: `${name}_routes`, virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
          http_filters: [
            { name: 'envoy.filters.http.ext_authz', typed_config: { '@type': EXT_AUTHZ, ...filter } },
            { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
          ],
        },
      }],
    }],
  };
}

const toApp = (prefix: string, extra: Json = {}): Json => ({ match: { prefix }, route: { cluster: 'app' }, ...extra });
const grpcService = (cluster: string, timeout = '1s') => ({ grpc_service: { envoy_grpc: { cluster_name: cluster }, timeout } });

describe('ext_authz filter', { timeout: 60_000 }, () => {
  let authz: GrpcAuthorizer;
  let httpAuthz: HttpAuthorizer;
  let app: Upstream;
  let px: RunningProxy;

  before(async () => {
    authz = await startGrpcAuthorizer();
    httpAuthz = await startHttpAuthorizer();
    app = await startUpstream('app');
    const down = await closedPort();
    px = await startProxy(JSON.stringify({
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      static_resources: {
        listeners: [
          listener('grpc', { ...grpcService('authz'), with_request_body: { max_request_bytes: 1024, allow_partial_message: true } }, [
            toApp('/public', { typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, disabled: true } } }),
            toApp('/ctx', { typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, check_settings: { context_extensions: { tenant: 'blue' } } } } }),
            toApp('/'),
          ]),
          listener('slow', { ...grpcService('authz', '0.1s'), status_on_error: { code: 'GatewayTimeout' }, stat_prefix: 'slowauth' }, [toApp('/')]),
          listener('down_allow', { ...grpcService('authz_down'), failure_mode_allow: true, failure_mode_allow_header_add: true }, [toApp('/')]),
          listener('down_deny', { ...grpcService('authz_down') }, [toApp('/')]),
          listener('nocluster', { ...grpcService('nope') }, [toApp('/')]),
          listener('off', { ...grpcService('authz'), filter_enabled: { default_value: { numerator: 0 } } }, [toApp('/')]),
          listener('off_deny', { ...grpcService('authz'), filter_enabled: { default_value: { numerator: 0 } }, deny_at_disable: { default_value: true, runtime_key: 'ext_authz.deny_at_disable' } }, [toApp('/')]),
          listener('http', {
            http_service: {
              server_uri: { uri: `http://127.0.0.1:${0}/`, cluster: 'http_authz', timeout: '1s' },
              path_prefix: '/authz',
              authorization_request: { allowed_headers: { patterns: [{ exact: 'x-allowed' }] }, headers_to_add: [{ key: 'x-from-proxy', value: 'weft' }] },
              authorization_response: {
                allowed_upstream_headers: { patterns: [{ exact: 'x-user' }] },
                allowed_client_headers: { patterns: [{ exact: 'x-never' }] },
                allowed_client_headers_on_success: { patterns: [{ exact: 'x-audit' }] },
              },
            },
          }, [toApp('/')]),
        ],
        clusters: [
          jsonCluster('app', [app.port]),
          jsonCluster('authz', [authz.port], H2),
          jsonCluster('authz_down', [down], H2),
          jsonCluster('http_authz', [httpAuthz.port]),
        ],
      },
    }));
  });

  after(async () => {
    await px?.close();
    await authz?.close();
    await httpAuthz?.close();
    await app?.close();
  });

  it('gRPC: an allowed request reaches the upstream with the authorizer\'s header changes, and the CheckRequest carries the request', async () => {
    const before = app.requests.length;
    const r = await request({ port: px.port('grpc'), path: '/allow/x?q=1', headers: { 'x-secret': 's3cret', 'x-tag': 'from-client', 'x-authz-user': 'mallory', 'x-request-id': 'rid-1' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'app GET /allow/x?q=1');
    assert.equal(r.headers['x-authz-response'], 'yes');
    const up = app.requests[before]!;
    assert.equal(up.headers['x-authz-user'], 'alice', 'ok_response header without append overwrites');
    assert.equal(up.headers['x-tag'], 'from-client, from-authz', 'append: true appends');
    assert.equal(up.headers['x-secret'], undefined, 'headers_to_remove');
    const c = authz.checks.at(-1)!;
    const h = c.attributes!.request!.http!;
    assert.equal(h.method, 'GET');
    assert.equal(h.path, '/allow/x?q=1');
    assert.equal(h.host, `127.0.0.1:${px.port('grpc')}`);
    assert.equal(h.protocol, 'HTTP/1.1');
    assert.equal(h.id, 'rid-1');
    assert.equal(h.headers?.['x-secret'], 's3cret');
    assert.equal(h.headers?.[':method'], 'GET');
    assert.equal(c.attributes!.source!.address!.socket_address!.address, '127.0.0.1');
    assert.equal(c.attributes!.destination!.address!.socket_address!.port_value, px.port('grpc'));
    assert.equal(c.attributes!.context_extensions, undefined);
  });

  it('gRPC: a denial answers with the authorizer\'s status, body and headers, flag UAEX and x-weft-error', async () => {
    const before = app.requests.length;
    const r = await request({ port: px.port('grpc'), path: '/deny' });
    assert.equal(r.status, 401);
    assert.equal(r.body.toString(), '{"error":"go away"}');
    assert.equal(r.headers['x-deny-reason'], 'no token');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(String(r.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_DENIED /);
    assert.equal(app.requests.length, before, 'nothing reached the upstream');
    // A non-OK status without denied_response is a bare 403.
    const plain = await request({ port: px.port('grpc'), path: '/deny-plain' });
    assert.equal(plain.status, 403);
    assert.equal(plain.body.length, 0);
  });

  it('gRPC: a gRPC caller gets a denial as PERMISSION_DENIED', async () => {
    const r = await request2({ port: px.port('grpc'), path: '/deny-plain', method: 'POST', headers: { 'content-type': 'application/grpc' }, body: Buffer.alloc(5) });
    assert.equal(r.status, 200);
    assert.equal(r.headers['grpc-status'] ?? r.trailers['grpc-status'], '7');
  });

  it('gRPC: an error status from the authorizer is an error (status_on_error 403)', async () => {
    const r = await request({ port: px.port('grpc'), path: '/grpc-error' });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_ERROR .*grpc-status 13/);
  });

  it('with_request_body: the authorizer gets the body, the upstream still gets all of it', async () => {
    const before = app.requests.length;
    const body = 'hello authorizer';
    const r = await request({ port: px.port('grpc'), path: '/allow/post', method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 200);
    assert.equal(app.requests[before]!.body, body);
    const h = authz.checks.at(-1)!.attributes!.request!.http!;
    assert.equal(h.body, body);
    assert.equal(h.headers?.['x-envoy-auth-partial-body'], 'false');
    // Over max_request_bytes with allow_partial_message: the first 1024 bytes go to the authorizer.
    const big = 'x'.repeat(3000);
    const r2 = await request({ port: px.port('grpc'), path: '/allow/big', method: 'POST', body: big });
    assert.equal(r2.status, 200);
    assert.equal(app.requests.at(-1)!.body, big);
    const h2 = authz.checks.at(-1)!.attributes!.request!.http!;
    assert.equal(h2.body, 'x'.repeat(1024));
    assert.equal(h2.headers?.['x-envoy-auth-partial-body'], 'true');
  });

  it('per route: disabled skips the check; check_settings adds context_extensions', async () => {
    const checks = authz.checks.length;
    const r = await request({ port: px.port('grpc'), path: '/public/deny' });
    assert.equal(r.status, 200);
    assert.equal(authz.checks.length, checks, 'no check for a disabled route');
    const r2 = await request({ port: px.port('grpc'), path: '/ctx/a' });
    assert.equal(r2.status, 200);
    assert.deepEqual(authz.checks.at(-1)!.attributes!.context_extensions, { tenant: 'blue' });
  });

  it('a slow authorizer times out: status_on_error, counted under the filter stat_prefix', async () => {
    const r = await request({ port: px.port('slow'), path: '/slow' });
    assert.equal(r.status, 504);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_ERROR .*timeout/);
    assert.equal(await stat(px, 'http.slow.ext_authz.slowauth.error'), 1);
  });

  it('an authorizer that is down: failure_mode_allow lets the request through with the header; without it, 403', async () => {
    const before = app.requests.length;
    const r = await request({ port: px.port('down_allow'), path: '/a' });
    assert.equal(r.status, 200);
    assert.equal(app.requests[before]!.headers['x-envoy-auth-failure-mode-allowed'], 'true');
    assert.equal(await stat(px, 'http.down_allow.ext_authz.error'), 1);
    assert.equal(await stat(px, 'http.down_allow.ext_authz.failure_mode_allowed'), 1);
    const d = await request({ port: px.port('down_deny'), path: '/a' });
    assert.equal(d.status, 403);
    assert.equal(d.body.length, 0);
    assert.match(String(d.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_ERROR /);
    assert.equal(await stat(px, 'http.down_deny.ext_authz.error'), 1);
    assert.equal(await stat(px, 'http.down_deny.ext_authz.failure_mode_allowed'), 0);
  });

  it('an authorizer cluster that does not exist is an error, named in x-weft-error', async () => {
    const r = await request({ port: px.port('nocluster'), path: '/a' });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_ERROR .*cluster nope not found/);
    assert.equal(await stat(px, 'http.nocluster.ext_authz.error'), 1);
  });

  it('filter_enabled 0%: not checked and counted as disabled; with deny_at_disable, status_on_error', async () => {
    const checks = authz.checks.length;
    const r = await request({ port: px.port('off'), path: '/deny' });
    assert.equal(r.status, 200, 'the authorizer would have denied it');
    assert.equal(authz.checks.length, checks);
    assert.equal(await stat(px, 'http.off.ext_authz.disabled'), 1);
    const d = await request({ port: px.port('off_deny'), path: '/allow' });
    assert.equal(d.status, 403);
    assert.match(String(d.headers['x-weft-error']), /^WEFT_EXT_AUTHZ_ERROR .*deny_at_disable/);
    assert.equal(await stat(px, 'http.off_deny.ext_authz.disabled'), 1);
    assert.equal(authz.checks.length, checks);
  });

  it('HTTP authorizer: allowed headers go to it, 200 allows with allowed_upstream_headers, other statuses deny', async () => {
    const before = app.requests.length;
    const ok = await request({ port: px.port('http'), path: '/p?x=1', headers: { authorization: 'Bearer good', 'x-allowed': 'yes', 'x-other': 'no', 'x-drop-me': 'bye' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-audit'], 'ok', 'allowed_client_headers_on_success');
    const up = app.requests[before]!;
    assert.equal(up.headers['x-user'], 'bob');
    assert.equal(up.headers['x-not-forwarded'], undefined);
    assert.equal(up.headers['x-drop-me'], undefined, 'x-envoy-auth-headers-to-remove');
    const seen = httpAuthz.seen.at(-1)!;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/authz/p?x=1');
    assert.equal(seen.headers.authorization, 'Bearer good');
    assert.equal(seen.headers['x-allowed'], 'yes');
    assert.equal(seen.headers['x-other'], undefined, 'headers outside allowed_headers stay back');
    assert.equal(seen.headers['x-from-proxy'], 'weft');
    assert.equal(seen.headers['content-length'], '0');

    const denied = await request({ port: px.port('http'), path: '/p', headers: { authorization: 'Bearer bad' } });
    assert.equal(denied.status, 401);
    assert.equal(denied.body.toString(), 'unauthorized');
    assert.equal(denied.headers['www-authenticate'], 'Bearer realm="weft"', 'Envoy adds WWW-Authenticate to allowed_client_headers');
    assert.equal(denied.headers['x-internal'], undefined);
    assert.equal(app.requests.length, before + 1);

    const boom = await request({ port: px.port('http'), path: '/boom', headers: { authorization: 'Bearer good' } });
    assert.equal(boom.status, 403, 'a 5xx from the authorizer is an error');
    assert.equal(await stat(px, 'http.http.ext_authz.ok'), 1);
    assert.equal(await stat(px, 'http.http.ext_authz.denied'), 1);
    assert.equal(await stat(px, 'http.http.ext_authz.error'), 1);
  });

  it('counts ok, denied and error for the gRPC listener', async () => {
    assert.ok((await stat(px, 'http.grpc.ext_authz.ok')) >= 4);
    assert.ok((await stat(px, 'http.grpc.ext_authz.denied')) >= 3);
    assert.equal(await stat(px, 'http.grpc.ext_authz.error'), 1);
  });
});

describe('ext_authz config', () => {
  const base = (filter: Json) => JSON.stringify({
    static_resources: {
      listeners: [listener('l', filter, [toApp('/')])],
      clusters: [jsonCluster('app', [1]), jsonCluster('authz', [2], H2)],
    },
  });

  it('refuses what weft does not implement by name, every error at once', () => {
    const errs = bootstrapErrors(base({
      ...grpcService('authz'),
      clear_route_cache: true,
      metadata_context_namespaces: ['envoy.filters.http.jwt_authn'],
      filter_enabled_metadata: { filter: 'x', path: [{ key: 'y' }], value: { double_match: { exact: 1 } } },
      with_request_body: { max_request_bytes: 0 },
    }));
    const paths = errs.map((e) => e.path).join('\n');
    assert.match(paths, /clear_route_cache/);
    assert.match(paths, /metadata_context_namespaces/);
    assert.match(paths, /filter_enabled_metadata/);
    assert.match(paths, /with_request_body\.max_request_bytes/);
  });

  it('requires a service and refuses google_grpc', () => {
    assert.match(bootstrapErrors(base({})).map((e) => e.message).join('\n'), /one of grpc_service, http_service is required/);
    const g = bootstrapErrors(base({ grpc_service: { google_grpc: { target_uri: 'x', stat_prefix: 'y' } } }));
    assert.match(g.map((e) => `${e.path} ${e.message}`).join('\n'), /google_grpc/);
  });

  it('refuses a bad ExtAuthzPerRoute with the route config', () => {
    const errs = bootstrapErrors(JSON.stringify({
      static_resources: {
        listeners: [listener('l', grpcService('authz'), [toApp('/', { typed_per_filter_config: { 'envoy.filters.http.ext_authz': { '@type': PER_ROUTE, disabled: false } } })])],
        clusters: [jsonCluster('app', [1]), jsonCluster('authz', [2], H2)],
      },
    }));
    assert.match(errs.map((e) => `${e.path} ${e.message}`).join('\n'), /disabled.*must be true/);
  });
});

describe('ext_authz over mTLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  const SA_CLIENT = 'spiffe://cluster.local/ns/default/sa/client';
  const SA_SERVER = 'spiffe://cluster.local/ns/default/sa/server';
  let pki: TestPki;
  let client: TestCert;
  let authz: GrpcAuthorizer;
  let app: Upstream;
  let px: RunningProxy;

  before(async () => {
    pki = makeTestPki('weft-extauthz-');
    const server = pki.issue('server', { dns: ['localhost'], ips: ['127.0.0.1'], uris: [SA_SERVER] });
    client = pki.issue('client', { uris: [SA_CLIENT] });
    authz = await startGrpcAuthorizer();
    app = await startUpstream('app');
    const l = listener('mtls', { ...grpcService('authz'), include_peer_certificate: true, include_tls_session: true }, [toApp('/')]);
    (l.filter_chains as Json[])[0]!.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        require_client_certificate: true,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { filename: server.certPath }, private_key: { filename: server.keyPath } }],
          validation_context: { trusted_ca: { filename: pki.root.certPath } },
        },
      },
    };
    px = await startProxy(JSON.stringify({
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      static_resources: { listeners: [l], clusters: [jsonCluster('app', [app.port]), jsonCluster('authz', [authz.port], H2)] },
    }));
  });

  after(async () => {
    await px?.close();
    await authz?.close();
    await app?.close();
    pki?.cleanup();
  });

  it('sends the peer principal (URI SAN), the proxy\'s own principal, the client certificate and the SNI', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: px.port('mtls'), path: '/allow/tls', servername: 'localhost', ca: pki.root.certPem, cert: client.certPem, key: client.keyPem, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    const a = authz.checks.at(-1)!.attributes as Json & { source: { principal: string; certificate: string }; destination: { principal: string }; tls_session: { sni: string }; request: { http: { scheme: string } } };
    assert.equal(a.source.principal, SA_CLIENT);
    assert.equal(a.destination.principal, SA_SERVER);
    assert.equal(decodeURIComponent(a.source.certificate).trim(), client.certPem.trim());
    assert.equal(a.tls_session.sni, 'localhost');
    assert.equal(a.request.http.scheme, 'https');
  });
});
