// Outbound TLS as Istio generates it: auto mTLS, each DestinationRule tls
// mode, inheritance (subset, port level), endpoint tlsMode metadata, and
// what weft's proxy decoders make of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_cluster_v3_Cluster, envoy_config_endpoint_v3_ClusterLoadAssignment } from '../../xds/gen/types.js';
import type { NetworkingObject } from '../../api/networking.js';
import { translateProxy } from './translate-proxy.js';
import { bookinfoModel, bookinfoPush, destinationRule, grpcProxy, loadSample, SAMPLES_SKIP, sidecarProxy } from './test-bookinfo.js';
import { CA_FILES, outboundTlsObjects, withFiles, writeOutboundTlsFiles } from './test-outbound-tls.js';
import { decodeWithProxy, PROXY_UPSTREAM_TLS_SKIP } from './test-proxy-decode.js';
import { upstreamTlsSettings } from './apply-upstream-tls.js';

type Json = Record<string, any>;
/** A mesh whose sidecars hold workload certificates (a CA and node agents), as `weft up` runs it. */
const CERTS = { workloadCertificates: true };
const out = (proxy = sidecarProxy(), objects = outboundTlsObjects()) => translateProxy(proxy, bookinfoModel(objects, CERTS));
const clusters = (r = out()) => new Map((r.resources.clusters as envoy_config_cluster_v3_Cluster[]).map((c) => [c.name!, c]));
const tlsOf = (c: envoy_config_cluster_v3_Cluster | undefined): Json => {
  assert.equal(c?.transport_socket?.name, 'envoy.transport_sockets.tls', `${c?.name} has a TLS transport socket`);
  assert.equal(c!.transport_socket!.typed_config!['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
  return c!.transport_socket!.typed_config as Json;
};
const hpo = (c: envoy_config_cluster_v3_Cluster): Json | undefined =>
  c.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Json | undefined;
const SDS_AGENT = (name: string) => ({
  name,
  sds_config: {
    api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', set_node_on_first_message_only: true, grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] },
    initial_fetch_timeout: { seconds: 0, nanos: 0 },
    resource_api_version: 'V3',
  },
});
const TLS12_13 = { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' };
const R = 'reviews.default.svc.cluster.local';

function istioMutual(sans: string[], sni: string, alpn = ['istio-peer-exchange', 'istio']): Json {
  return {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: {
      tls_params: TLS12_13,
      alpn_protocols: alpn,
      tls_certificate_sds_secret_configs: [SDS_AGENT('default')],
      combined_validation_context: {
        default_validation_context: sans.length > 0 ? { match_subject_alt_names: sans.map((exact) => ({ exact })) } : {},
        validation_context_sds_secret_config: SDS_AGENT('ROOTCA'),
      },
    },
    sni,
  };
}

test('auto mTLS: no DestinationRule tls → tlsMode-istio (Istio mTLS) and tlsMode-disabled (plaintext) matches', () => {
  const c = clusters().get('outbound|9080||productpage.default.svc.cluster.local')!;
  assert.equal(c.transport_socket, undefined);
  assert.deepEqual(c.transport_socket_matches, [
    { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: istioMutual(['spiffe://cluster.local/ns/default/sa/bookinfo-productpage'], 'outbound_.9080_._.productpage.default.svc.cluster.local') } },
    { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } },
  ]);
});

test('auto mTLS over mixed endpoints: only the endpoint with a sidecar is marked; SANs are every service account; h2 in ALPN', () => {
  const r = out();
  const c = clusters(r).get('outbound|8080||mixed.default.svc.cluster.local')!;
  const mtls = c.transport_socket_matches![0]!.transport_socket!.typed_config as Json;
  assert.deepEqual(mtls.common_tls_context.alpn_protocols, ['istio-peer-exchange', 'istio', 'h2']);
  assert.deepEqual(mtls.common_tls_context.combined_validation_context.default_validation_context.match_subject_alt_names,
    [{ exact: 'spiffe://cluster.local/ns/default/sa/mixed-a' }, { exact: 'spiffe://cluster.local/ns/default/sa/mixed-b' }]);
  const cla = (r.resources.endpoints as envoy_config_endpoint_v3_ClusterLoadAssignment[]).find((e) => e.cluster_name === 'outbound|8080||mixed.default.svc.cluster.local')!;
  const eps = cla.endpoints!.flatMap((l) => l.lb_endpoints!).map((e) => [e.endpoint!.address!.socket_address!.address, e.metadata]);
  assert.deepEqual(eps, [
    ['10.0.1.1', { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } }],
    ['10.0.1.2', undefined],
  ]);
});

test('auto mTLS SANs include a ServiceEntry\'s subjectAltNames; the trust domain comes from the mesh config', () => {
  const push = bookinfoModel(outboundTlsObjects(), CERTS);
  const c = clusters().get('outbound|7000||vm.example.com')!;
  const sans = (c.transport_socket_matches![0]!.transport_socket!.typed_config as Json).common_tls_context.combined_validation_context.default_validation_context.match_subject_alt_names;
  assert.deepEqual(sans, [{ exact: 'spiffe://cluster.local/ns/default/sa/legacy-vm' }, { exact: 'spiffe://cluster.local/ns/default/sa/vm-sa' }]);
  assert.equal(push.mesh.trustDomain, 'cluster.local');
  const other = translateProxy(sidecarProxy(), bookinfoPush([], { mesh: { ...CERTS, trustDomain: 'example.org' } }));
  const pp = (other.resources.clusters as envoy_config_cluster_v3_Cluster[]).find((x) => x.name === 'outbound|9080||productpage.default.svc.cluster.local')!;
  assert.deepEqual((pp.transport_socket_matches![0]!.transport_socket!.typed_config as Json).common_tls_context.combined_validation_context.default_validation_context,
    { match_subject_alt_names: [{ exact: 'spiffe://example.org/ns/default/sa/bookinfo-productpage' }] });
});

test('no auto mTLS: MESH_EXTERNAL, resolution NONE, loadBalancer PASSTHROUGH, enableAutoMtls false, proxyless gRPC', () => {
  const c = clusters();
  for (const name of ['outbound|443||api.example.com', 'outbound|5432||db.example.com']) assert.equal(c.get(name)!.transport_socket_matches, undefined, name);
  const none = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'hl', namespace: 'default' }, spec: { hosts: ['hl.default.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'NONE', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] } } as NetworkingObject;
  assert.equal(clusters(out(sidecarProxy(), [none])).get('outbound|80||hl.default.svc.cluster.local')!.transport_socket_matches, undefined, 'passthrough');
  const pass = destinationRule('pp', { host: 'productpage', trafficPolicy: { loadBalancer: { simple: 'PASSTHROUGH' } } });
  const pc = (translateProxy(sidecarProxy(), bookinfoPush([pass], { mesh: CERTS })).resources.clusters as envoy_config_cluster_v3_Cluster[]).find((x) => x.name === 'outbound|9080||productpage.default.svc.cluster.local')!;
  assert.equal(pc.transport_socket_matches, undefined, 'DestinationRule PASSTHROUGH');
  const off = translateProxy(sidecarProxy(), bookinfoPush([], { mesh: { ...CERTS, enableAutoMtls: false } }));
  assert.ok((off.resources.clusters as envoy_config_cluster_v3_Cluster[]).every((x) => !x.transport_socket_matches && !x.transport_socket), 'enableAutoMtls: false');
  const g = translateProxy(grpcProxy(), bookinfoModel(outboundTlsObjects(), CERTS));
  assert.ok((g.resources.clusters as envoy_config_cluster_v3_Cluster[]).every((x) => !x.transport_socket_matches && !x.transport_socket), 'proxyless gRPC: none');
  assert.ok(g.messages.some((m) => m.code === 'WEFT_TR_GRPC_UNSUPPORTED' && m.key === 'DestinationRule ratings.default' && m.path === 'spec.trafficPolicy.tls.mode'), 'DestinationRule tls on a gRPC client is said, not dropped');
});

test('without workload certificates (no CA): no auto mTLS; ISTIO_MUTUAL is still built as written, with a warning (never plaintext)', () => {
  const r = translateProxy(sidecarProxy(), bookinfoModel(outboundTlsObjects()));
  const c = clusters(r);
  assert.equal(c.get('outbound|9080||productpage.default.svc.cluster.local')!.transport_socket_matches, undefined);
  assert.equal(tlsOf(c.get('outbound|9080||ratings.default.svc.cluster.local')).sni, 'ratings.custom.sni');
  assert.equal(tlsOf(c.get('outbound|443||api.example.com')).sni, 'api.example.com', 'SIMPLE needs no mesh certificate');
  assert.deepEqual(r.messages.filter((m) => m.code === 'WEFT_TR_MTLS_WITHOUT_CERTIFICATES').map((m) => `${m.key} ${m.path}`), [
    'DestinationRule multi.default spec.trafficPolicy.tls.mode',
    'DestinationRule ratings.default spec.trafficPolicy.tls.mode',
    'DestinationRule reviews.default spec.trafficPolicy.tls.mode',
  ]);
});

test('DISABLE: plaintext even to sidecars (auto mTLS off for the cluster)', () => {
  const c = clusters().get('outbound|9080||details.default.svc.cluster.local')!;
  assert.equal(c.transport_socket, undefined);
  assert.equal(c.transport_socket_matches, undefined);
  assert.equal(upstreamTlsSettings({ tls: {}, autoMtls: true, istioSni: 's', serviceAccounts: [], serviceEntry: false }), undefined, 'a tls block without mode is DISABLE');
});

test('ISTIO_MUTUAL: for every endpoint (transport_socket, no matches); the user\'s sni and subjectAltNames win', () => {
  const c = clusters().get('outbound|9080||ratings.default.svc.cluster.local')!;
  assert.equal(c.transport_socket_matches, undefined);
  assert.deepEqual(tlsOf(c), istioMutual(['spiffe://other.domain/ns/default/sa/ratings'], 'ratings.custom.sni'));
});

test('subsets and port-level settings override as Istio merges them', () => {
  const c = clusters();
  assert.deepEqual(tlsOf(c.get(`outbound|9080||${R}`)), istioMutual(['spiffe://cluster.local/ns/default/sa/bookinfo-reviews'], `outbound_.9080_._.${R}`));
  assert.deepEqual(tlsOf(c.get(`outbound|9080|v1|${R}`)), istioMutual(['spiffe://cluster.local/ns/default/sa/bookinfo-reviews'], `outbound_.9080_.v1_.${R}`), 'v1 inherits');
  const v2 = c.get(`outbound|9080|v2|${R}`)!;
  assert.equal(v2.transport_socket ?? v2.transport_socket_matches, undefined, 'v2: DISABLE');
  const v3 = c.get(`outbound|9080|v3|${R}`)!;
  assert.equal(v3.transport_socket, undefined, 'v3: port-level settings without tls replace the inherited tls');
  assert.equal(v3.transport_socket_matches?.[0]?.name, 'tlsMode-istio', 'v3: so auto mTLS applies');
  assert.equal(tlsOf(c.get('outbound|8080||multi.default.svc.cluster.local')).sni, 'outbound_.8080_._.multi.default.svc.cluster.local');
  const m9090 = c.get('outbound|9090||multi.default.svc.cluster.local')!;
  assert.equal(m9090.transport_socket ?? m9090.transport_socket_matches, undefined, 'port 9090: DISABLE');
});

test('SIMPLE: caCertificates, sni and subjectAltNames; no auto_sni when sni is set', () => {
  const c = clusters().get('outbound|443||api.example.com')!;
  assert.deepEqual(tlsOf(c), {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: { tls_params: TLS12_13, validation_context: { trusted_ca: { filename: '/etc/certs/api-ca.pem' }, match_subject_alt_names: [{ exact: 'api.example.com' }] } },
    sni: 'api.example.com',
  });
  assert.equal(hpo(c), undefined, 'nothing to add to the HTTP protocol options');
});

test('SIMPLE insecureSkipVerify: an empty validation context, auto_sni without auto_san_validation', () => {
  const c = clusters().get('outbound|8443||legacy.example.com')!;
  assert.deepEqual(tlsOf(c).common_tls_context, { tls_params: TLS12_13, validation_context: {} });
  assert.deepEqual(hpo(c)!.upstream_http_protocol_options, { auto_sni: true });
  assert.deepEqual(hpo(c)!.explicit_http_config, { http_protocol_options: {} }, 'HttpProtocolOptions always names a protocol');
});

test('MUTUAL with files: client certificate, CA bundle and CRL by file name', () => {
  const c = clusters().get('outbound|5432||db.example.com')!;
  assert.deepEqual(tlsOf(c).common_tls_context, {
    tls_params: TLS12_13,
    tls_certificates: [{ certificate_chain: { filename: CA_FILES.cert }, private_key: { filename: CA_FILES.key } }],
    validation_context: { trusted_ca: { filename: CA_FILES.ca }, crl: { filename: CA_FILES.crl } },
  });
  assert.equal(tlsOf(c).sni, 'db.example.com');
});

test('MUTUAL with credentialName: certificate and CA bundle over ADS (kubernetes://name, -cacert); h2 ALPN; auto SNI and SAN', () => {
  const c = clusters().get('outbound|9443||partner.example.com')!;
  const ads = { ads: {}, resource_api_version: 'V3' };
  assert.deepEqual(tlsOf(c).common_tls_context, {
    tls_params: TLS12_13,
    alpn_protocols: ['h2'],
    tls_certificate_sds_secret_configs: [{ name: 'kubernetes://partner-cred', sds_config: ads }],
    combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: { name: 'kubernetes://partner-cred-cacert', sds_config: ads } },
  });
  assert.deepEqual(hpo(c)!.upstream_http_protocol_options, { auto_sni: true, auto_san_validation: true });
  assert.deepEqual(hpo(c)!.explicit_http_config, { http2_protocol_options: {} });
});

test('translation of the TLS mesh has no warnings (nothing downgraded)', () => {
  assert.deepEqual(out().messages.filter((m) => m.severity === 'warning'), []);
});

test('weft\'s proxy decodes every cluster with its transport sockets (certificate files read and checked)', { skip: PROXY_UPSTREAM_TLS_SKIP }, async () => {
  const { files, cleanup } = await writeOutboundTlsFiles();
  let d;
  try {
    d = decodeWithProxy(withFiles(out().resources, files));
  } finally {
    cleanup();
  }
  assert.deepEqual(d.errors, []);
  const auto = d.clusters.get('outbound|9080||productpage.default.svc.cluster.local') as unknown as { transportSocketMatches: unknown[] };
  assert.equal(auto.transportSocketMatches.length, 2);
  const simple = d.clusters.get('outbound|443||api.example.com') as unknown as { transportSocket: { kind: string } };
  assert.equal(simple.transportSocket.kind, 'tls_upstream');
});

test('Istio\'s destination-rule-all-mtls.yaml: every Bookinfo cluster, default and subset, originates ISTIO_MUTUAL', { skip: SAMPLES_SKIP }, () => {
  const r = translateProxy(sidecarProxy(), bookinfoPush(loadSample('destination-rule-all-mtls.yaml'), { mesh: CERTS }));
  const outbound = (r.resources.clusters as envoy_config_cluster_v3_Cluster[]).filter((c) => c.name!.startsWith('outbound|'));
  assert.equal(outbound.length, 14);
  for (const c of outbound) {
    const t = tlsOf(c);
    const [, port, subset, host] = c.name!.split('|');
    assert.equal(t.sni, `outbound_.${port}_.${subset}_.${host}`, c.name);
    assert.deepEqual(t.common_tls_context.tls_certificate_sds_secret_configs, [SDS_AGENT('default')], c.name);
    assert.equal(t.common_tls_context.combined_validation_context.validation_context_sds_secret_config.name, 'ROOTCA', c.name);
    assert.equal(c.transport_socket_matches, undefined, `${c.name}: written ISTIO_MUTUAL applies to every endpoint`);
  }
  assert.deepEqual(r.messages.filter((m) => m.severity === 'warning'), []);
});
