// The exchange frame (Istio's wire format), the incremental bounded reader,
// the per-config runtime's ALPN gate and counters, and the config decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeBinary, encodeBinary } from '../../../xds/codec.js';
import { StatsStore } from '../../../stats/stats-store.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import type { PeerRecord } from '../peer-metadata/peer-state.js';
import { loadBootstrapText } from '../../config/bootstrap.js';
import { decodeTcpMetadataExchangeConfig } from './decode.js';
import { MAX_MX_PAYLOAD_BYTES, MX_MAGIC, STRUCT_TYPE_URL, TCP_MX_TYPE_URL } from './defaults.js';
import { TcpMetadataExchange } from './exchange.js';
import { encodeExchangeFrame, frameOf, parseAny, PeerFrameReader, PeerPayloadDecoder, type FrameFailure } from './wire.js';

const NODE = {
  id: 'sidecar~10.0.0.1~ratings-v1-1.default~default.svc.cluster.local',
  cluster: 'ratings-v1.default',
  metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'ratings-v1', CLUSTER_ID: 'Kubernetes', NAME: 'ratings-v1-1', LABELS: { app: 'ratings', version: 'v1' } },
} as unknown as NodeIdentity;

function reader(): { r: PeerFrameReader; got: () => { peer: PeerRecord | undefined; failure: FrameFailure | undefined } | undefined } {
  let got: { peer: PeerRecord | undefined; failure: FrameFailure | undefined } | undefined;
  const r = new PeerFrameReader(new PeerPayloadDecoder(), (peer, failure) => {
    assert.equal(got, undefined, 'the outcome is reported once');
    got = { peer, failure };
  });
  return { r, got: () => got };
}

test('the frame is magic 0x3D230467, the big-endian length, then an Any of a Struct with the node fields and id', () => {
  const f = encodeExchangeFrame(NODE);
  assert.equal(f.readUInt32BE(0), 0x3d230467);
  assert.equal(f.readUInt32BE(4), f.length - 8);
  const any = parseAny(f.subarray(8))!;
  assert.equal(any.typeUrl, STRUCT_TYPE_URL);
  const s = decodeBinary('google.protobuf.Struct', any.value) as Record<string, Record<string, unknown>>;
  assert.equal(s['x-envoy-peer-metadata-id'] as unknown, NODE.id);
  const md = s['x-envoy-peer-metadata']!;
  assert.equal(md.WORKLOAD_NAME, 'ratings-v1');
  assert.equal(md.NAMESPACE, 'default');
  assert.deepEqual(md.LABELS, { app: 'ratings', version: 'v1', 'service.istio.io/canonical-name': 'ratings', 'service.istio.io/canonical-revision': 'v1' });
});

test('the reader takes a frame split at every byte, then hands back exactly what follows it', () => {
  const frame = encodeExchangeFrame(NODE);
  const wire = Buffer.concat([frame, Buffer.from('app bytes')]);
  for (let cut = 1; cut < frame.length; cut += 7) {
    const { r, got } = reader();
    assert.equal(r.feed(wire.subarray(0, cut)), null);
    assert.equal(got(), undefined);
    const rest = r.feed(wire.subarray(cut));
    assert.equal(rest!.toString(), 'app bytes');
    const o = got()!;
    assert.equal(o.failure, undefined);
    assert.equal(o.peer!.meta.workloadName, 'ratings-v1');
    assert.equal(o.peer!.meta.app, 'ratings');
    assert.equal(o.peer!.meta.id, NODE.id);
  }
});

test('the same payload decodes once: the same peer record (and metric key) on every connection', () => {
  const dec = new PeerPayloadDecoder();
  const payload = encodeExchangeFrame(NODE).subarray(8);
  const a = dec.decode(payload);
  const b = dec.decode(Buffer.from(payload));
  assert.ok(typeof a === 'object');
  assert.equal(a, b);
});

test('malformed frames: the failure Istio counts, and the bytes pass on', () => {
  const cases: [string, Buffer, FrameFailure, string][] = [
    ['wrong magic', Buffer.from('GET / HTTP/1.1\r\n'), 'initial_header_not_found', 'GET / HTTP/1.1\r\n'],
    ['payload not an Any', Buffer.concat([frameOf(Buffer.from([0x0a, 0x7f])), Buffer.from('z')]), 'header_not_found', '\x0a\x7fz'],
    ['Any of another type', Buffer.concat([frameOf(Buffer.from([0x0a, 0x01, 0x78])), Buffer.from('z')]), 'header_not_found', '\x0a\x01\x78z'],
  ];
  for (const [what, bytes, failure, rest] of cases) {
    const { r, got } = reader();
    assert.equal(r.feed(bytes)!.toString('latin1'), rest, what);
    assert.equal(got()!.failure, failure, what);
    assert.equal(got()!.peer, undefined, what);
  }
});

test('an announced length past the bound is refused at once (nothing is buffered for it)', () => {
  const { r, got } = reader();
  const h = Buffer.alloc(9);
  h.writeUInt32BE(MX_MAGIC, 0);
  h.writeUInt32BE(MAX_MX_PAYLOAD_BYTES + 1, 4);
  assert.equal(r.feed(h)!.length, 1);
  assert.equal(got()!.failure, 'header_not_found');
});

test('a Struct without x-envoy-peer-metadata: no peer, not a failure (as Istio)', () => {
  const struct = Buffer.from(encodeBinary('google.protobuf.Struct', { other: 'x' }));
  const any = Buffer.concat([Buffer.from([0x0a, STRUCT_TYPE_URL.length]), Buffer.from(STRUCT_TYPE_URL), Buffer.from([0x12, struct.length]), struct]);
  const { r, got } = reader();
  assert.equal(r.feed(frameOf(any))!.length, 0);
  assert.deepEqual(got(), { peer: undefined, failure: undefined });
});

test('the stream ends inside the frame: held bytes come back and the peer is unknown', () => {
  const { r, got } = reader();
  const frame = encodeExchangeFrame(NODE);
  assert.equal(r.feed(frame.subarray(0, 20)), null);
  assert.equal(r.end().length, 20);
  assert.equal(got()!.failure, 'header_not_found');
});

test('the runtime writes its frame only when the negotiated ALPN is the configured protocol, and counts as Istio', () => {
  const stats = new StatsStore();
  const x = new TcpMetadataExchange({ protocol: 'istio-peer-exchange' }, stats, NODE);
  const written: Buffer[] = [];
  assert.equal(x.start(undefined, (b) => written.push(b), () => undefined), undefined);
  assert.equal(x.start('h2', (b) => written.push(b), () => undefined), undefined);
  assert.equal(written.length, 0);
  const r = x.start('istio-peer-exchange', (b) => written.push(b), () => undefined)!;
  assert.ok(r);
  assert.deepEqual(written, [encodeExchangeFrame(NODE)]);
  r.feed(Buffer.from('not a frame'));
  const c = (n: string) => stats.counter(`metadata_exchange.${n}`).value;
  assert.deepEqual([c('alpn_protocol_not_found'), c('alpn_protocol_found'), c('metadata_added'), c('initial_header_not_found'), c('header_not_found')], [2, 1, 1, 1, 0]);
});

test('config: Istio\'s TypedStruct decodes; every problem is reported with its path', () => {
  const ts = (value: unknown) => ({ '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: TCP_MX_TYPE_URL, value }) as never;
  let errs = new ConfigErrors();
  assert.deepEqual(decodeTcpMetadataExchangeConfig(ts({ protocol: 'istio-peer-exchange' }), 'f', errs), { protocol: 'istio-peer-exchange' });
  assert.equal(errs.errors.length, 0);
  errs = new ConfigErrors();
  assert.ok(decodeTcpMetadataExchangeConfig(ts({ protocol: 'istio-peer-exchange', enable_discovery: true }), 'f', errs));
  assert.deepEqual(errs.warnings.map((w) => w.path), ['f.value.enable_discovery']);
  errs = new ConfigErrors();
  assert.equal(decodeTcpMetadataExchangeConfig(ts({ enable_discovery: 'yes', additional_labels: ['a'], colour: 1 }), 'f', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => [e.path, e.code]).sort(), [
    ['f.value.additional_labels', CFG.UNSUPPORTED_VALUE],
    ['f.value.colour', CFG.UNKNOWN_FIELD],
    ['f.value.enable_discovery', CFG.WRONG_TYPE],
    ['f.value.protocol', CFG.REQUIRED],
  ]);
});

test('bootstrap: Cluster.filters takes the upstream exchange and refuses other types by path; the listener filter goes before tcp_proxy or an HCM, not direct_response', () => {
  const mx = { name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: TCP_MX_TYPE_URL, value: { protocol: 'istio-peer-exchange' } } };
  const hcm = { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 'in', route_config: {}, http_filters: [{ name: 'r', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }] };
  const yaml = (clusterFilters: unknown[]) => JSON.stringify({
    static_resources: {
      listeners: [{ name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [
        { filters: [mx, { name: 'hcm', typed_config: hcm }] },
        { filter_chain_match: { destination_port: 1 }, filters: [mx, { name: 'd', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config' } }] },
      ] }],
      clusters: [{ name: 'c', type: 'STATIC', connect_timeout: '1s', filters: clusterFilters, load_assignment: { cluster_name: 'c', endpoints: [] } }],
    },
  });
  const errs = new ConfigErrors();
  loadBootstrapText(yaml([mx, { name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy' } }, { name: 'y', config_discovery: {} }]), errs);
  assert.deepEqual(errs.errors.map((e) => [e.path, e.code]), [
    ['static_resources.listeners[0].filter_chains[1].filters[0]', CFG.CONFLICT],
    ['static_resources.clusters[0].filters[1].typed_config', CFG.UNSUPPORTED_EXTENSION],
    ['static_resources.clusters[0].filters[2].config_discovery', CFG.UNSUPPORTED_FIELD],
    ['static_resources.clusters[0].filters[2].typed_config', CFG.REQUIRED],
  ]);
});
