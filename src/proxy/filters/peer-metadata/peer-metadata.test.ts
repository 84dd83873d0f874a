import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeBinary } from '../../../xds/codec.js';
import { decodeIstioStatsConfig } from '../istio-stats/decode.js';
import { decodePeerMetadataConfig } from './decode.js';
import { PEER_CACHE_SIZE, PEER_METADATA_TYPE_URL } from './defaults.js';
import { localPeerHeaders, PeerHeaderDecoder } from './peer-header.js';

const TS = 'type.googleapis.com/xds.type.v3.TypedStruct';
const ts = (type_url: string, value: object) => ({ '@type': TS, type_url, value });

test('peer_metadata config: Istio\'s sidecar inbound and outbound forms decode', () => {
  const errs = new ConfigErrors();
  assert.deepEqual(decodePeerMetadataConfig(ts(PEER_METADATA_TYPE_URL, { downstream_discovery: [{ istio_headers: {} }], downstream_propagation: [{ istio_headers: {} }] }), 'p', errs),
    { downstreamDiscovery: true, upstreamDiscovery: false, downstreamPropagation: true, upstreamPropagation: false });
  assert.deepEqual(decodePeerMetadataConfig(ts(PEER_METADATA_TYPE_URL, { upstream_discovery: [{ istio_headers: {} }], upstream_propagation: [{ istio_headers: {} }] }), 'p', errs),
    { downstreamDiscovery: false, upstreamDiscovery: true, downstreamPropagation: false, upstreamPropagation: true });
  assert.equal(errs.errors.length, 0);
});

test('peer_metadata config: every unsupported part is refused with its path, all at once', () => {
  const errs = new ConfigErrors();
  const out = decodePeerMetadataConfig(ts(PEER_METADATA_TYPE_URL, {
    downstream_discovery: [{ workload_discovery: {} }, { istio_headers: {}, baggage: {} }],
    upstream_propagation: [{ istio_headers: { skip_external_clusters: true } }],
    shared_with_upstream: true,
    typo: 1,
  }), 'f', errs);
  assert.equal(out, undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_VALUE, 'f.value.downstream_discovery[0].workload_discovery'],
    [CFG.CONFLICT, 'f.value.downstream_discovery[1]'],
    [CFG.UNSUPPORTED_FIELD, 'f.value.upstream_propagation[0].istio_headers.skip_external_clusters'],
    [CFG.UNSUPPORTED_FIELD, 'f.value.shared_with_upstream'],
    [CFG.UNKNOWN_FIELD, 'f.value.typo'],
  ]);
  const bare = new ConfigErrors();
  assert.equal(decodePeerMetadataConfig({ '@type': PEER_METADATA_TYPE_URL }, 'g', bare), undefined);
  assert.deepEqual(bare.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_VALUE, 'g']]);
});

test('stats.PluginConfig: disable_host_header_fallback and metrics read; Istio fields weft lacks refused by name', () => {
  const url = 'type.googleapis.com/stats.PluginConfig';
  const ok = new ConfigErrors();
  assert.deepEqual(decodeIstioStatsConfig(ts(url, { disable_host_header_fallback: true }), 'p', ok), { disableHostHeaderFallback: true, metrics: [] });
  assert.deepEqual(decodeIstioStatsConfig(ts(url, {}), 'p', ok), { disableHostHeaderFallback: false, metrics: [] });
  assert.equal(ok.errors.length, 0);
  const errs = new ConfigErrors();
  assert.equal(decodeIstioStatsConfig(ts(url, { metrics: [{ name: 'requests_total', drop: true }, { name: 'custom_metric' }, { dimensions: { m: 'request.size' }, match: 'x' }], reporter: 'SERVER_GATEWAY', disable_host_header_fallback: 'yes', tcp_reporting_duration: '5s' }), 'p', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_VALUE, 'p.value.metrics[1].name'],
    [CFG.UNSUPPORTED_VALUE, 'p.value.metrics[2].dimensions.m'],
    [CFG.UNSUPPORTED_FIELD, 'p.value.metrics[2].match'],
    [CFG.UNSUPPORTED_VALUE, 'p.value.reporter'],
    [CFG.WRONG_TYPE, 'p.value.disable_host_header_fallback'],
    [CFG.UNSUPPORTED_FIELD, 'p.value.tcp_reporting_duration'],
  ]);
});

test('peer header: this node\'s metadata as a base64 Struct of Istio\'s exchanged fields, decoded back', () => {
  const node = { id: 'sidecar~1.2.3.4~pp-1.default~default.svc.cluster.local', cluster: 'pp.default', metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'pp-v1', CLUSTER_ID: 'Kubernetes', SERVICE_ACCOUNT: 'sa', INSTANCE_IPS: '1.2.3.4', LABELS: { app: 'pp', version: 'v1' } } };
  const h = localPeerHeaders(node);
  assert.equal(h.id, node.id);
  assert.equal(localPeerHeaders(node), h, 'encoded once per node');
  const struct = decodeBinary('google.protobuf.Struct', Buffer.from(h.metadata, 'base64'));
  assert.deepEqual(struct, {
    NAMESPACE: 'default', WORKLOAD_NAME: 'pp-v1', CLUSTER_ID: 'Kubernetes',
    LABELS: { app: 'pp', version: 'v1', 'service.istio.io/canonical-name': 'pp', 'service.istio.io/canonical-revision': 'v1' },
  }, 'only the exchanged fields: no IPs, no service account');
  const d = new PeerHeaderDecoder();
  const p = d.decode(h.metadata, h.id)!;
  assert.deepEqual([p.meta.workloadName, p.meta.namespace, p.meta.canonicalService, p.meta.cluster, p.meta.id], ['pp-v1', 'default', 'pp', 'Kubernetes', node.id]);
  assert.equal(d.decode(h.metadata, h.id), p, 'cached: same record, same metric key');
});

test('peer header: garbage, oversize and endless distinct values never throw and stay bounded', () => {
  const d = new PeerHeaderDecoder();
  assert.equal(d.decode('!!!not base64 struct!!!', 'x'), undefined);
  assert.equal(d.decode(Buffer.from([0xff, 0xff, 0xff]).toString('base64'), undefined), undefined);
  assert.equal(d.decode('A'.repeat(100_000), undefined), undefined);
  assert.equal(d.decode(undefined, 'id-only'), undefined);
  for (let i = 0; i < PEER_CACHE_SIZE * 3; i++) d.decode(localPeerHeaders({ id: `n${i}`, cluster: '', metadata: { WORKLOAD_NAME: `w${i}` } }).metadata, `n${i}`);
  assert.ok((d as unknown as { cache: Map<string, unknown> }).cache.size <= PEER_CACHE_SIZE);
});
