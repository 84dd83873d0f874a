// AuthorizationPolicy end to end through two weft proxies with Istio mTLS:
// the control plane's translation for the server sidecar (reviews-v1 in
// local mode: its inbound listener with the RBAC filters, in front of a real
// app) and for client sidecars (productpage's outbound cluster for reviews,
// auto mTLS), run as real proxies on real sockets, each client presenting
// the SPIFFE identity of the service account it stands for. The cases are
// Istio's documented examples (concepts/security "Authorization policy",
// tasks/security/authorization): principals, namespaces, paths, methods,
// headers, hosts, not-forms, deny overrides allow, an empty ALLOW denies
// all, AUDIT allows. A denial is Envoy's 403 `RBAC: access denied` and the
// app never sees the request. On a TCP port of the same workload the network
// RBAC filter closes a denied connection (counted in tcp.rbac.denied), and
// HTTP-only fields are handled as Istio does (ALLOW rule dropped, DENY widened).
// CUSTOM: a real HTTP authorizer behind the server sidecar's ext_authz filter,
// asked only for the requests the CUSTOM rule matches.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AuthorizationPolicy, AuthorizationPolicySpec } from '../../src/api/security.js';
import { BOOKINFO_SERVICES, host, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import { TestPushContext } from '../../src/control/translate/test-push-context.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import { makeTestPki, OPENSSL_MISSING, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { sdsGrpcCluster } from '../../src/up/sidecar-bootstrap.js';
import { toJson } from '../../src/xds/json-encode.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_endpoint_v3_ClusterLoadAssignment, envoy_config_listener_v3_Listener } from '../../src/xds/gen/types.js';
import type { Json } from '../helpers/http-test-kit.js';
import { request, type RunningProxy } from '../helpers/proxy-harness.js';
import { ADMIN, CLUSTER, clientBootstrap, ENDPOINTS, LISTENER, REVIEWS, SERVER_PROXY, serverBootstrap, startSidecar } from '../helpers/mtls-sidecar-pair.js';


const ap = (name: string, spec: AuthorizationPolicySpec, namespace = 'default'): AuthorizationPolicy =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });
const REVIEWS_SEL = { selector: { matchLabels: { app: 'reviews' } } };

const push = (policies: AuthorizationPolicy[]) =>
  new TestPushContext({ services: BOOKINFO_SERVICES, endpoints: ENDPOINTS, authorizationPolicies: policies, mesh: { workloadCertificates: true } });





/** One request of a case: who sends it (service account), what, and the expected status. */
interface Req { sa?: string; method?: string; path?: string; headers?: Record<string, string>; host?: string; expect: 200 | 403 }
interface Case { name: string; policies: AuthorizationPolicy[]; requests: Req[] }

const PP = 'bookinfo-productpage';
const RATINGS = 'bookinfo-ratings';

const CASES: Case[] = [
  { name: 'no policy: allowed', policies: [], requests: [{ expect: 200 }, { sa: RATINGS, method: 'POST', expect: 200 }] },
  { name: 'allow-nothing (ALLOW without rules) denies all', policies: [ap('allow-nothing', {})], requests: [{ expect: 403 }, { sa: RATINGS, expect: 403 }] },
  { name: 'deny-all (DENY with an empty rule) denies all', policies: [ap('deny-all', { action: 'DENY', rules: [{}] })], requests: [{ expect: 403 }] },
  { name: 'allow-all (ALLOW with an empty rule)', policies: [ap('allow-all', { rules: [{}] })], requests: [{ expect: 200 }, { sa: RATINGS, expect: 200 }] },
  {
    name: 'principals: only productpage\'s service account',
    policies: [ap('reviews-viewer', { ...REVIEWS_SEL, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }] }] })],
    requests: [{ sa: PP, expect: 200 }, { sa: RATINGS, expect: 403 }],
  },
  {
    name: 'principals with a prefix pattern and notPrincipals',
    policies: [ap('p', { ...REVIEWS_SEL, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/*'], notPrincipals: ['cluster.local/ns/default/sa/bookinfo-ratings'] } }] }] })],
    requests: [{ sa: PP, expect: 200 }, { sa: RATINGS, expect: 403 }],
  },
  {
    name: 'namespaces: same namespace allowed, another refused',
    policies: [ap('ns', { rules: [{ from: [{ source: { namespaces: ['default'] } }] }] })],
    requests: [{ sa: RATINGS, expect: 200 }],
  },
  { name: 'namespaces: another namespace only', policies: [ap('ns', { rules: [{ from: [{ source: { namespaces: ['foo'] } }] }] })], requests: [{ expect: 403 }] },
  {
    name: 'methods and paths (GET /reviews/*)',
    policies: [ap('get-reviews', { rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/reviews/*'] } }] }] })],
    requests: [{ path: '/reviews/0', expect: 200 }, { method: 'POST', path: '/reviews/0', expect: 403 }, { path: '/ratings/0', expect: 403 }],
  },
  {
    name: 'notPaths and a suffix path',
    policies: [ap('p', { rules: [{ to: [{ operation: { paths: ['*/0'], notPaths: ['/admin/*'] } }] }] })],
    requests: [{ path: '/reviews/0', expect: 200 }, { path: '/admin/0', expect: 403 }, { path: '/reviews/1', expect: 403 }],
  },
  {
    name: 'when request.headers[x-token]',
    policies: [ap('token', { rules: [{ when: [{ key: 'request.headers[x-token]', values: ['admin', 'ops*'] }] }] })],
    requests: [{ headers: { 'x-token': 'admin' }, expect: 200 }, { headers: { 'x-token': 'opsteam' }, expect: 200 }, { headers: { 'x-token': 'guest' }, expect: 403 }, { expect: 403 }],
  },
  {
    name: 'hosts match case-insensitively',
    policies: [ap('host', { rules: [{ to: [{ operation: { hosts: ['REVIEWS:9080'] } }] }] })],
    requests: [{ host: 'reviews:9080', expect: 200 }, { host: 'other:9080', expect: 403 }],
  },
  {
    name: 'deny overrides allow',
    policies: [ap('allow-all', { rules: [{}] }), ap('deny-1', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/reviews/1'] } }] }] })],
    requests: [{ path: '/reviews/0', expect: 200 }, { path: '/reviews/1', expect: 403 }],
  },
  {
    name: 'DENY from ratings, mesh-wide from the root namespace',
    policies: [ap('deny-ratings', { action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-ratings'] } }] }] }, 'istio-system')],
    requests: [{ sa: PP, expect: 200 }, { sa: RATINGS, expect: 403 }],
  },
  {
    name: 'a policy selecting another workload does not apply',
    policies: [ap('ratings-only', { selector: { matchLabels: { app: 'ratings' } } })],
    requests: [{ expect: 200 }],
  },
  { name: 'AUDIT never denies', policies: [ap('audit', { action: 'AUDIT', rules: [{}] })], requests: [{ expect: 200 }] },
  {
    name: 'ports: destination port of the workload',
    policies: [ap('port', { rules: [{ to: [{ operation: { ports: ['9999'] } }] }] })],
    requests: [{ expect: 403 }],
  },
];

describe('AuthorizationPolicy matrix, through two weft proxies with mTLS', { skip: OPENSSL_MISSING, timeout: 120_000 }, () => {
  let pki: TestPki;
  let app: http.Server;
  let appPort: number;
  let appHits = 0;
  before(async () => {
    pki = makeTestPki('weft-authz-matrix-');
    app = http.createServer((_req, res) => {
      appHits++;
      res.end('reviews ok');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => app.close(() => r()));
    pki.cleanup();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const p = push(c.policies);
      const server = await startSidecar(serverBootstrap(p, appPort), pki, 'bookinfo-reviews');
      const clients = new Map<string, RunningProxy>();
      try {
        for (const r of c.requests) {
          const sa = r.sa ?? PP;
          let client = clients.get(sa);
          if (!client) {
            client = await startSidecar(clientBootstrap(p, server.port('inbound_9080')).bootstrap, pki, sa);
            clients.set(sa, client);
          }
          const before = appHits;
          const res = await request({ port: client.port(), method: r.method ?? 'GET', path: r.path ?? '/reviews/0', headers: { host: r.host ?? 'reviews:9080', ...r.headers }, agent: false });
          const what = `${sa} ${r.method ?? 'GET'} ${r.path ?? '/reviews/0'} ${JSON.stringify(r.headers ?? {})}`;
          assert.equal(res.status, r.expect, `${what}: ${res.body.toString()}`);
          if (r.expect === 403) {
            assert.equal(res.body.toString(), 'RBAC: access denied', what);
            assert.equal(appHits, before, `${what}: the app must not see a denied request`);
          } else {
            assert.equal(res.body.toString(), 'reviews ok', what);
            assert.equal(appHits, before + 1, what);
          }
        }
      } finally {
        for (const cl of clients.values()) await cl.close();
        await server.close();
      }
    });
  }
});

// ---- TCP: the network RBAC filter on a TCP port of the same workload ----

const MONGO = 'mongodb.default.svc.cluster.local';
const TCP_OUT = `outbound|27017||${MONGO}`;
const TCP_SERVICE = { ...BOOKINFO_SERVICES[0]!, hostname: MONGO, ports: [{ name: 'tcp', port: 27017, protocol: 'TCP' as const }], source: 'test mongodb' };
const TCP_SERVER = sidecarProxy({
  ...SERVER_PROXY,
  metadata: { WEFT_INBOUND_PORTS: '{"27017":16002}', WEFT_APP_PORTS: '{"27017":17017}' },
});
const tcpPush = (policies: AuthorizationPolicy[]) => new TestPushContext({
  services: [...BOOKINFO_SERVICES, TCP_SERVICE],
  endpoints: [...ENDPOINTS, { ...ENDPOINTS.find((e) => e.workload === 'reviews-v1')!, hostname: MONGO, servicePort: 27017, port: 27017 }],
  authorizationPolicies: policies, mesh: { workloadCertificates: true },
});

function tcpServerBootstrap(p: TestPushContext, appPort: number): Json {
  const r = translateProxy(TCP_SERVER, p).resources;
  const listener = (r.listeners as envoy_config_listener_v3_Listener[]).find((l) => l.name === 'inbound_27017')!;
  listener.address = { socket_address: { address: '127.0.0.1', port_value: 0 } };
  const inbound = (r.clusters as envoy_config_cluster_v3_Cluster[]).find((c) => c.name === 'inbound|27017||')!;
  inbound.load_assignment!.endpoints![0]!.lb_endpoints![0]!.endpoint!.address!.socket_address!.port_value = appPort;
  return { node: { id: TCP_SERVER.id, cluster: 'reviews.default' }, admin: ADMIN, static_resources: { listeners: [toJson(LISTENER, listener)], clusters: [toJson(CLUSTER, inbound), sdsGrpcCluster('/nonexistent/weft-test-sds.sock')] } };
}

/** The client sidecar's translated outbound TCP cluster (auto mTLS), behind a plain tcp_proxy listener. */
function tcpClientBootstrap(p: TestPushContext, serverPort: number): Json {
  const r = translateProxy(sidecarProxy(), p).resources;
  const cluster = (r.clusters as envoy_config_cluster_v3_Cluster[]).find((c) => c.name === TCP_OUT)!;
  const cla = (r.endpoints as envoy_config_endpoint_v3_ClusterLoadAssignment[]).find((c) => c.cluster_name === TCP_OUT)!;
  const endpoints = cla.endpoints!.map((l) => ({ ...l, lb_endpoints: l.lb_endpoints!.map((e) => ({ ...e, endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: serverPort } } } })) }));
  const { eds_cluster_config: _eds, ...rest } = cluster;
  return {
    node: { id: sidecarProxy().id, cluster: 'productpage.default' }, admin: ADMIN,
    static_resources: {
      listeners: [{ name: 'tcp_out', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'tcp_out', cluster: TCP_OUT } }] }] }],
      clusters: [toJson(CLUSTER, { ...rest, type: 'STATIC', load_assignment: { cluster_name: TCP_OUT, endpoints } }), sdsGrpcCluster('/nonexistent/weft-test-sds.sock')],
    },
  };
}

/** Sends `ping` and collects what comes back until the connection closes (bounded). */
function tcpExchange(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('ping'));
    let got = '';
    s.setEncoding('utf8').on('data', (d: string) => {
      got += d;
      if (got === 'ping') s.end();
    });
    const timer = setTimeout(() => s.destroy(new Error('no answer and no close within 5 s')), 5000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
  });
}

describe('AuthorizationPolicy on a TCP port, through two weft proxies with mTLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let echo: net.Server;
  let echoPort: number;
  before(async () => {
    pki = makeTestPki('weft-authz-tcp-');
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => echo.close(() => r()));
    pki.cleanup();
  });

  async function exchange(policies: AuthorizationPolicy[], sa: string): Promise<{ answer: string; denied: number }> {
    const p = tcpPush(policies);
    const server = await startSidecar(tcpServerBootstrap(p, echoPort), pki, 'bookinfo-reviews');
    let client: RunningProxy | undefined;
    try {
      client = await startSidecar(tcpClientBootstrap(p, server.port('inbound_27017')), pki, sa);
      const answer = await tcpExchange(client.port('tcp_out'));
      const body = (await server.admin('/stats')).body;
      const line = body.split('\n').find((l) => l.startsWith('tcp.rbac.denied: '));
      return { answer, denied: line ? Number(line.split(': ')[1]) : 0 };
    } finally {
      await client?.close();
      await server.close();
    }
  }

  const byPrincipal = ap('mongo-from-productpage', { ...REVIEWS_SEL, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-productpage'] } }] }] });
  it('principals: the allowed identity gets its bytes echoed', async () => {
    assert.deepEqual(await exchange([byPrincipal], PP), { answer: 'ping', denied: 0 });
  });
  it('principals: another identity is closed, counted in tcp.rbac.denied', async () => {
    assert.deepEqual(await exchange([byPrincipal], RATINGS), { answer: '', denied: 1 });
  });
  it('an ALLOW rule with only HTTP fields is dropped on TCP: the port denies all (as Istio)', async () => {
    assert.deepEqual(await exchange([ap('paths', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })], PP), { answer: '', denied: 1 });
  });
  it('a DENY rule with HTTP fields loses them on TCP: it denies all', async () => {
    assert.deepEqual(await exchange([ap('deny-get', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })], PP), { answer: '', denied: 1 });
  });
});

// ---- CUSTOM: a real HTTP external authorizer behind the server sidecar's ext_authz filter ----

const AUTHZ_HOST = 'ext-authz.foo.svc.cluster.local';
const AUTHZ_OUT = `outbound|8000||${AUTHZ_HOST}`;
const AUTHZ_SERVICE = { ...BOOKINFO_SERVICES[0]!, hostname: AUTHZ_HOST, namespace: 'foo', ports: [{ name: 'http', port: 8000, protocol: 'HTTP' as const }], source: 'test ext-authz' };

describe('AuthorizationPolicy CUSTOM with a real HTTP authorizer, through two weft proxies with mTLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let app: http.Server;
  let authz: http.Server;
  let appPort: number;
  let authzPort: number;
  let checks: string[] = [];
  let appHits = 0;
  before(async () => {
    pki = makeTestPki('weft-authz-custom-');
    app = http.createServer((_req, res) => {
      appHits++;
      res.end('reviews ok');
    });
    authz = http.createServer((req, res) => {
      checks.push(req.url ?? '');
      res.statusCode = req.headers['x-allow'] === 'yes' ? 200 : 403;
      res.end(res.statusCode === 200 ? '' : 'denied by the authorizer');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => authz.listen(0, '127.0.0.1', r));
    appPort = (app.address() as net.AddressInfo).port;
    authzPort = (authz.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => app.close(() => r()));
    await new Promise<void>((r) => authz.close(() => r()));
    pki.cleanup();
  });

  it('only requests the CUSTOM rule matches are sent to the authorizer, and its answer decides', async () => {
    const p = new TestPushContext({
      services: [...BOOKINFO_SERVICES, AUTHZ_SERVICE], endpoints: ENDPOINTS, mesh: {
        workloadCertificates: true,
        extensionProviders: [{ name: 'authz-http', envoyExtAuthzHttp: { service: `foo/${AUTHZ_HOST}`, port: 8000, pathPrefix: '/check', includeRequestHeadersInCheck: ['x-allow'] } }],
      },
      authorizationPolicies: [ap('ext', { ...REVIEWS_SEL, action: 'CUSTOM', provider: { name: 'authz-http' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] })],
    });
    const boot = serverBootstrap(p, appPort) as { static_resources: { clusters: Json[] } };
    const r = translateProxy(SERVER_PROXY, p).resources;
    const c = (r.clusters as envoy_config_cluster_v3_Cluster[]).find((x) => x.name === AUTHZ_OUT)!;
    assert.ok(c, 'the sidecar has the authorizer\'s outbound cluster');
    const { eds_cluster_config: _eds, transport_socket_matches: _tsm, ...rest } = c;
    boot.static_resources.clusters.push(toJson(CLUSTER, { ...rest, type: 'STATIC', load_assignment: { cluster_name: AUTHZ_OUT, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: authzPort } } } }] }] } }) as Json);
    const server = await startSidecar(boot as unknown as Json, pki, 'bookinfo-reviews');
    const client = await startSidecar(clientBootstrap(p, server.port('inbound_9080')).bootstrap, pki, PP);
    try {
      checks = [];
      const send = async (path: string, headers: Record<string, string> = {}) => {
        const res = await request({ port: client.port(), path, headers: { host: 'reviews:9080', ...headers }, agent: false });
        return { status: res.status, body: res.body.toString() };
      };
      const hits = appHits;
      assert.deepEqual(await send('/reviews/0'), { status: 200, body: 'reviews ok' });
      assert.deepEqual(checks, [], 'a request the CUSTOM rule does not match is not checked');
      assert.equal((await send('/admin/x')).status, 403);
      assert.deepEqual(await send('/admin/x', { 'x-allow': 'yes' }), { status: 200, body: 'reviews ok' });
      assert.deepEqual(checks, ['/check/admin/x', '/check/admin/x']);
      assert.equal(appHits, hits + 2, 'the denied request never reached the app');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
