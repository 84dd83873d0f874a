// Two sidecars joined by mTLS, built from the control plane's own translation
// (the reviews-v1 server sidecar's inbound listener and cluster; a client
// sidecar's outbound reviews cluster), each given its workload certificate
// in process as the node agent would. Shared by the mTLS and authorization
// integration tests.
import { TLS_MODE_LABEL } from '../../src/api/networking.js';
import { ISTIO_TLS } from '../../src/control/translate/istio-tls.js';
import { BOOKINFO_ENDPOINTS, host, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import type { TestPushContext } from '../../src/control/translate/test-push-context.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import type { TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { sdsGrpcCluster } from '../../src/up/sidecar-bootstrap.js';
import { toJson } from '../../src/xds/json-encode.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_endpoint_v3_ClusterLoadAssignment, envoy_config_listener_v3_Listener } from '../../src/xds/gen/types.js';
import { jsonBootstrap, type Json } from './http-test-kit.js';
import { startProxy, type RunningProxy } from './proxy-harness.js';

export const REVIEWS = host('reviews');
export const OUT_CLUSTER = `outbound|9080||${REVIEWS}`;
export const TRUST = 'spiffe://cluster.local/ns/default/sa';

// Only reviews-v1 serves reviews here, so every request reaches the one server sidecar.
export const ENDPOINTS = BOOKINFO_ENDPOINTS.filter((e) => e.hostname !== REVIEWS || e.workload === 'reviews-v1');
export const SERVER_PROXY = sidecarProxy({
  id: 'sidecar~10.0.0.3~reviews-v1.default~default.svc.cluster.local', ips: ['10.0.0.3'], workloadName: 'reviews-v1', serviceAccount: 'bookinfo-reviews',
  labels: { app: 'reviews', version: 'v1', [TLS_MODE_LABEL]: 'istio' },
  // Local mode: the inbound listener gets its own port (replaced by 0 below) in front of the app's.
  metadata: { WEFT_INBOUND_PORTS: '{"9080":16001}', WEFT_APP_PORTS: '{"9080":19080}' },
});

/** Starts a proxy whose `sds-grpc` secrets are set in process before it starts (as the node agent does). */
export function startSidecar(bootstrap: Json, pki: TestPki, certName: string): Promise<RunningProxy> {
  const cert = pki.issue(certName, { uris: [`${TRUST}/${certName}`] });
  return startProxy(JSON.stringify(bootstrap), { drainTimeMs: 100 }, (proxy) => {
    const claim = proxy.sds.claimApiCluster(ISTIO_TLS.sdsCluster);
    claim.set(ISTIO_TLS.workloadCertSecret, { kind: 'tls_certificate', certificate: { certChainPem: cert.certPem, privateKeyPem: cert.keyPem, origin: `sds:${ISTIO_TLS.workloadCertSecret}` } });
    claim.set(ISTIO_TLS.rootCaSecret, { kind: 'validation_context', validation: { trustedCaPem: pki.root.certPem, sanMatchers: [], spkiPins: [], hashPins: [], allowExpiredCertificate: false, acceptUntrusted: false, origin: `sds:${ISTIO_TLS.rootCaSecret}` } });
  });
}

// The translation's canonical proto shape, written as the proto3 JSON a bootstrap file holds.
export const LISTENER = 'envoy.config.listener.v3.Listener';
export const CLUSTER = 'envoy.config.cluster.v3.Cluster';
export const ADMIN = { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };

/** The server sidecar: its translated inbound listener (on port 0) and inbound cluster (to the app). */
export function serverBootstrap(p: TestPushContext, appPort: number): Json {
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
export function clientBootstrap(p: TestPushContext, serverPort: number): { bootstrap: Json; marked: boolean; cluster: envoy_config_cluster_v3_Cluster } {
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
