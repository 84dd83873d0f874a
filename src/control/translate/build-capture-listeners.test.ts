// Capture mode (node metadata INTERCEPTION_MODE REDIRECT): virtualOutbound,
// non-binding per-port listeners, PassthroughCluster and the allow_any route;
// without it, loopback mode's resources are unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyMessage, envoy_config_cluster_v3_Cluster, envoy_config_listener_v3_Listener, envoy_config_route_v3_RouteConfiguration } from '../../xds/gen/types.js';
import { translateProxy } from './translate-proxy.js';
import { bookinfoPush, sidecarProxy } from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';

type Res = { listeners: envoy_config_listener_v3_Listener[]; routes: envoy_config_route_v3_RouteConfiguration[]; clusters: envoy_config_cluster_v3_Cluster[] };
const CAPTURE = { INTERCEPTION_MODE: 'REDIRECT' };

function translate(metadata: Record<string, unknown>, mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY') {
  const r = translateProxy(sidecarProxy({ metadata }), bookinfoPush([], mode ? { mesh: { outboundTrafficPolicy: mode } } : {}));
  return { res: r.resources as unknown as Res, raw: r };
}

const tcpCluster = (c: { filters?: { typed_config?: AnyMessage }[] } | undefined) => (c?.filters?.[0]?.typed_config as Record<string, unknown> | undefined)?.cluster;

test('ALLOW_ANY: virtualOutbound on 15001 restores and hands off; its catch-all passes through, 15001 itself is black-holed', () => {
  const { res, raw } = translate(CAPTURE);
  const vo = res.listeners.find((l) => l.name === 'virtualOutbound')!;
  assert.deepEqual(vo.address, { socket_address: { address: '0.0.0.0', port_value: 15001 } });
  assert.deepEqual(vo.use_original_dst, { value: true });
  assert.deepEqual(vo.listener_filters?.map((f) => f.name), ['envoy.filters.listener.original_dst']);
  assert.equal(tcpCluster(vo.default_filter_chain), 'PassthroughCluster');
  assert.equal(vo.filter_chains?.[0]?.filter_chain_match?.destination_port?.value, 15001);
  assert.equal(tcpCluster(vo.filter_chains?.[0]), 'BlackHoleCluster');
  // Per-port outbound listeners bind nothing: virtualOutbound gives them their connections.
  const perPort = res.listeners.find((l) => l.name === '0.0.0.0_9080')!;
  assert.deepEqual(perPort.bind_to_port, { value: false });
  const pt = res.clusters.find((c) => c.name === 'PassthroughCluster')!;
  assert.equal(pt.type, 'ORIGINAL_DST');
  assert.equal(pt.lb_policy, 'CLUSTER_PROVIDED');
  // As Istio's passthroughHttpProtocolOptions: HTTP upstream in the downstream's protocol (h2c/gRPC stay HTTP/2).
  const hpo = pt.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Record<string, unknown> | undefined;
  assert.deepEqual(hpo?.use_downstream_protocol_config, { http_protocol_options: {}, http2_protocol_options: {} });
  const allowAny = res.routes.flatMap((r) => r.virtual_hosts ?? []).find((v) => v.name === 'allow_any')!;
  assert.equal(allowAny.routes?.[0]?.route?.cluster, 'PassthroughCluster');
  // virtualInbound restores the original port its chains match on.
  const vi = res.listeners.find((l) => l.name === 'virtualInbound')!;
  assert.equal(vi.listener_filters?.[0]?.name, 'envoy.filters.listener.original_dst');
  // weft's own proxy takes every resource.
  const decoded = decodeWithProxy(raw.resources);
  assert.deepEqual(decoded.errors, []);
  assert.equal(decoded.listeners.get('virtualOutbound')?.useOriginalDst, true);
  assert.equal(decoded.listeners.get('0.0.0.0_9080')?.bindToPort, false);
  assert.equal(decoded.clusters.get('PassthroughCluster')?.protocol, 'downstream');
});

test('REGISTRY_ONLY: the catch-all goes to BlackHoleCluster and unknown HTTP hosts get block_all 502', () => {
  const { res } = translate(CAPTURE, 'REGISTRY_ONLY');
  const vo = res.listeners.find((l) => l.name === 'virtualOutbound')!;
  assert.equal(tcpCluster(vo.default_filter_chain), 'BlackHoleCluster');
  const vhosts = res.routes.flatMap((r) => r.virtual_hosts ?? []);
  assert.equal(vhosts.find((v) => v.name === 'block_all')?.routes?.[0]?.direct_response?.status, 502);
  assert.equal(vhosts.find((v) => v.name === 'allow_any'), undefined);
});

test('without INTERCEPTION_MODE (or NONE) nothing changes: listeners bind, no virtualOutbound, no PassthroughCluster', () => {
  for (const md of [{}, { INTERCEPTION_MODE: 'NONE' }]) {
    const { res } = translate(md);
    assert.equal(res.listeners.find((l) => l.name === 'virtualOutbound'), undefined);
    assert.equal(res.listeners.find((l) => l.name === '0.0.0.0_9080')?.bind_to_port, undefined);
    assert.equal(res.clusters.find((c) => c.name === 'PassthroughCluster'), undefined);
  }
});

test('INTERCEPTION_MODE TPROXY is reported and treated as NONE', () => {
  const { res, raw } = translate({ INTERCEPTION_MODE: 'TPROXY' });
  assert.equal(res.listeners.find((l) => l.name === 'virtualOutbound'), undefined);
  assert.ok(raw.messages.some((m) => m.path === 'metadata.INTERCEPTION_MODE' && /TPROXY is not implemented/.test(m.message)), JSON.stringify(raw.messages));
});
