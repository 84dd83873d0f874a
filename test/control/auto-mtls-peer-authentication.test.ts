// Auto mTLS against the server's PeerAuthentication, end to end through two
// weft proxies: the control plane's translation for a client sidecar
// (productpage-v1: its outbound cluster and endpoints for reviews) and for
// the server sidecar (reviews-v1 in local mode: its inbound listener and
// cluster in front of a real app), run as real proxies on real sockets. The
// workload certificates (SPIFFE identities from one test root) are set in
// each proxy's `sds-grpc` secrets, as the node agent sets them.
//   no policy (PERMISSIVE)      → the client originates Istio mTLS
//   reviews DISABLE (workload)  → the client sends plaintext, the server's
//                                  plaintext-only listener takes it
//   reviews portLevelMtls 9080 DISABLE under mesh STRICT → plaintext too
//   namespace DISABLE + DestinationRule ISTIO_MUTUAL → mTLS is sent and the
//                                  plaintext-only server refuses it (503 UF:
//                                  the conflict weft analyze reports, WEFT0334)
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TLS_MODE_LABEL, type DestinationRule } from '../../src/api/networking.js';
import type { PeerAuthentication, PeerAuthenticationSpec } from '../../src/api/security.js';
import { ISTIO_TLS } from '../../src/control/translate/istio-tls.js';
import { BOOKINFO_ENDPOINTS, BOOKINFO_SERVICES, destinationRule, host, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import { TestPushContext } from '../../src/control/translate/test-push-context.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import { makeTestPki, OPENSSL_MISSING, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { sdsGrpcCluster } from '../../src/up/sidecar-bootstrap.js';
import { toJson } from '../../src/xds/json-encode.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_endpoint_v3_ClusterLoadAssignment, envoy_config_listener_v3_Listener } from '../../src/xds/gen/types.js';
import { jsonBootstrap, type Json } from '../helpers/http-test-kit.js';
import { request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';

const REVIEWS = host('reviews');
const OUT_CLUSTER = `outbound|9080||${REVIEWS}`;
const TRUST = 'spiffe://cluster.local/ns/default/sa';

const pa = (name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const REVIEWS_SELECTOR = { selector: { matchLabels: { app: 'reviews' } } };

// Only reviews-v1 serves reviews here, so every request reaches the one server sidecar.
const ENDPOINTS = BOOKINFO_ENDPOINTS.filter((e) => e.hostname !== REVIEWS || e.workload === 'reviews-v1');
const SERVER_PROXY = sidecarProxy({
  id: 'sidecar~10.0.0.3~reviews-v1.default~default.svc.cluster.local', ips: ['10.0.0.3'], workloadName: 'reviews-v1', serviceAccount: 'bookinfo-reviews',
  labels: { app: 'reviews', version: 'v1', [TLS_MODE_LABEL]: 'istio' },
  // Local mode: the inbound listener gets its own port (replaced by 0 below) in front of the app's.
  metadata: { WEFT_INBOUND_PORTS: '{"9080":16001}', WEFT_APP_PORTS: '{"9080":19080}' },
});

function push(policies: PeerAuthentication[], destinationRules: DestinationRule[] = []) {
  return new TestPushContext({ services: BOOKINFO_SERVICES, endpoints: ENDPOINTS, peerAuthentications: policies, destinationRules, mesh: { workloadCertificates: true } });
}

/** Starts a proxy whose `sds-grpc` secrets are set in process before it starts (as the node agent does). */
function startSidecar(bootstrap: Json, pki: TestPki, certName: string): Promise<RunningProxy> {
  const cert = pki.issue(certName, { uris: [`${TRUST}/${certName}`] });
  return startProxy(JSON.stringify(bootstrap), { drainTimeMs: 100 }, (proxy) => {
    const claim = proxy.sds.claimApiCluster(ISTIO_TLS.sdsCluster);
    claim.set(ISTIO_TLS.workloadCertSecret, { kind: 'tls_certificate', certificate: { certChainPem: cert.certPem, privateKeyPem: cert.keyPem, origin: `sds:${ISTIO_TLS.workloadCertSecret}` } });
    claim.set(ISTIO_TLS.rootCaSecret, { kind: 'validation_context', validation: { trustedCaPem: pki.root.certPem, sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: `sds:${ISTIO_TLS.rootCaSecret}` } });
  });
}

// The translation's canonical proto shape, written as the proto3 JSON a bootstrap file holds.
const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ADMIN = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };

/** The server sidecar: its translated inbound listener (on port 0) and inbound cluster (to the app). */
function serverBootstrap(p: TestPushContext, appPort: number): Json {
  const r = translateProxy(SERVER_PROXY, p).resources;
  const listener = (r.listeners as envoy_config_listener_v3_Listener[]).find((l) => l.name === 'inbound_9080')!;
  listener.address = { socket_address: { address: '127.0.0.1', port_value: 0 } };
  const inbound = (r.clusters as envoy_config_cluster_v3_Cluster[]).find((c) => c.name === 'inbound|9080||')!;
  inbound.load_assignment!.endpoints![0]!.lb_endpoints![0]!.endpoint!.address!.socket_address!.port_value = appPort;
  return { node: { id: SERVER_PROXY.id, cluster: 'reviews.default' }, admin: ADMIN, static_resources: { listeners: [toJson(LISTENER, listener)], clusters: [toJson(CLUSTER, inbound), sdsGrpcCluster('/nonexistent/weft-test-sds.sock')] } };
}

/**
 * The client sidecar: its translated outbound cluster for reviews, with the
 * EDS assignment the control plane sends inlined (addresses pointed at the
 * server sidecar), behind a plain listener routing everything to it.
 */
function clientBootstrap(p: TestPushContext, serverPort: number): { bootstrap: Json; marked: boolean; cluster: envoy_config_cluster_v3_Cluster } {
  const r = translateProxy(sidecarProxy(), p).resources;
  const cluster = (r.clusters as envoy_config_cluster_v3_Cluster[]).find((c) => c.name === OUT_CLUSTER)!;
  const cla = (r.endpoints as envoy_config_endpoint_v3_ClusterLoadAssignment[]).find((c) => c.cluster_name === OUT_CLUSTER)!;
  const endpoints = cla.endpoints!.map((l) => ({ ...l, lb_endpoints: l.lb_endpoints!.map((e) => ({ ...e, endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: serverPort } } } })) }));
  const { eds_cluster_config: _eds, ...rest } = cluster;
  const marked = endpoints.some((l) => l.lb_endpoints.some((e) => e.metadata?.filter_metadata?.['envoy.transport_socket_match'] !== undefined));
  const staticCluster = { ...rest, type: 'STATIC', load_assignment: { cluster_name: OUT_CLUSTER, endpoints } };
  const boot = JSON.parse(jsonBootstrap({
    routeConfig: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: OUT_CLUSTER } }] }] },
    clusters: [toJson(CLUSTER, staticCluster) as Json, sdsGrpcCluster('/nonexistent/weft-test-sds.sock') as Json],
  })) as Json;
  return {
    bootstrap: { node: { id: sidecarProxy().id, cluster: 'productpage.default' }, ...boot },
    marked, cluster,
  };
}

/** Sum of every stat line ending in `suffix` (e.g. every listener's ssl.handshake). */
async function statSum(px: RunningProxy, re: RegExp): Promise<number> {
  const body = (await px.admin('/stats')).body;
  let n = 0;
  for (const line of body.split('\n')) {
    const m = /^(\S+): (\d+)$/.exec(line);
    if (m && re.test(m[1]!)) n += Number(m[2]);
  }
  return n;
}

interface Outcome {
  status: number;
  body: string;
  /** The client's endpoint carried the mTLS mark. */
  marked: boolean;
  /** Upstream TLS handshakes of the client's reviews cluster. */
  clientHandshakes: number;
  /** TLS handshakes the server sidecar's listener completed. */
  serverHandshakes: number;
  /** What the app saw (the server sidecar forwards to it). */
  appHits: number;
}

describe('auto mTLS and the server\'s PeerAuthentication, through two weft proxies', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let app: http.Server;
  let appPort: number;
  let appHits = 0;
  before(async () => {
    pki = makeTestPki('weft-auto-mtls-pa-');
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

  async function run(policies: PeerAuthentication[], destinationRules: DestinationRule[] = []): Promise<Outcome> {
    const p = push(policies, destinationRules);
    const server = await startSidecar(serverBootstrap(p, appPort), pki, 'bookinfo-reviews');
    let client: RunningProxy | undefined;
    try {
      const c = clientBootstrap(p, server.port('inbound_9080'));
      client = await startSidecar(c.bootstrap, pki, 'bookinfo-productpage');
      const before = appHits;
      const res = await request({ port: client.port(), path: '/reviews/0', headers: { host: 'reviews:9080' }, agent: false });
      return {
        status: res.status, body: res.body.toString(), marked: c.marked,
        clientHandshakes: await statSum(client, new RegExp(`^cluster\\.${OUT_CLUSTER.replace(/[.|]/g, '\\$&')}\\.ssl\\.handshake$`)),
        serverHandshakes: await statSum(server, /^listener\..*\.ssl\.handshake$/),
        appHits: appHits - before,
      };
    } finally {
      await client?.close();
      await server.close();
    }
  }

  it('no policy (PERMISSIVE): the client originates Istio mTLS and the server terminates it', async () => {
    const o = await run([]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: true, clientHandshakes: 1, serverHandshakes: 1, appHits: 1 });
  });

  it('reviews DISABLE (workload selector): the client sends plaintext, with no DestinationRule', async () => {
    const o = await run([pa('reviews', 'default', { ...REVIEWS_SELECTOR, mtls: { mode: 'DISABLE' } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: false, clientHandshakes: 0, serverHandshakes: 0, appHits: 1 });
  });

  it('mesh STRICT, reviews portLevelMtls 9080 DISABLE: plaintext to that port', async () => {
    const o = await run([pa('default', 'istio-system', { mtls: { mode: 'STRICT' } }), pa('reviews', 'default', { ...REVIEWS_SELECTOR, portLevelMtls: { 9080: { mode: 'DISABLE' } } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: false, clientHandshakes: 0, serverHandshakes: 0, appHits: 1 });
  });

  it('mesh STRICT: mTLS again (the server takes nothing else)', async () => {
    const o = await run([pa('default', 'istio-system', { mtls: { mode: 'STRICT' } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: true, clientHandshakes: 1, serverHandshakes: 1, appHits: 1 });
  });

  it('an explicit DestinationRule ISTIO_MUTUAL wins over a DISABLE namespace: mTLS is sent and the plaintext-only server refuses it', async () => {
    const o = await run([pa('default', 'default', { mtls: { mode: 'DISABLE' } })], [destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })]);
    assert.equal(o.status, 503);
    assert.equal(o.appHits, 0);
    assert.equal(o.serverHandshakes, 0);
  });
});
