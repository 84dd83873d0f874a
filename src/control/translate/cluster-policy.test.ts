import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionPoolSettings, LoadBalancerSettings, OutlierDetection } from '../../api/networking.js';
import { applyConnectionPool } from './apply-connection-pool.js';
import { applyLoadBalancer } from './apply-load-balancer.js';
import { applyOutlierDetection } from './apply-outlier-detection.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { finishDraft, newDraft } from './cluster-draft.js';
import { MessageCollector } from './messages.js';
import { newTranslateContext } from './translate-context.js';
import { bookinfoPush, sidecarProxy } from './test-bookinfo.js';

const MAX = { value: 4294967295 };
const ctx = () => newTranslateContext(sidecarProxy(), bookinfoPush());

function pool(p: ConnectionPoolSettings | undefined) {
  const d = newDraft({ name: 'c' });
  applyConnectionPool(d, p, ctx(), 'k', 'p');
  return finishDraft(d);
}

test('connectionPool: Istio\'s unlimited defaults when unset', () => {
  assert.deepEqual(pool(undefined), {
    name: 'c',
    circuit_breakers: { thresholds: [{ max_connections: MAX, max_pending_requests: MAX, max_requests: MAX, max_retries: MAX, track_remaining: true }] },
  });
});

test('connectionPool: one row per field', () => {
  const cases: [string, ConnectionPoolSettings, (c: ReturnType<typeof pool>) => unknown, unknown][] = [
    ['tcp.maxConnections → max_connections', { tcp: { maxConnections: 100 } }, (c) => c.circuit_breakers!.thresholds![0]!.max_connections, { value: 100 }],
    ['http.http1MaxPendingRequests → max_pending_requests', { http: { http1MaxPendingRequests: 1 } }, (c) => c.circuit_breakers!.thresholds![0]!.max_pending_requests, { value: 1 }],
    ['http.http2MaxRequests → max_requests', { http: { http2MaxRequests: 1024 } }, (c) => c.circuit_breakers!.thresholds![0]!.max_requests, { value: 1024 }],
    ['http.maxRetries → max_retries', { http: { maxRetries: 7 } }, (c) => c.circuit_breakers!.thresholds![0]!.max_retries, { value: 7 }],
    ['tcp.connectTimeout → connect_timeout', { tcp: { connectTimeout: '30ms' } }, (c) => c.connect_timeout, { seconds: 0, nanos: 30_000_000 }],
    ['zero means unset (Istio cannot tell them apart)', { tcp: { maxConnections: 0 } }, (c) => c.circuit_breakers!.thresholds![0]!.max_connections, MAX],
  ];
  for (const [name, p, get, want] of cases) assert.deepEqual(get(pool(p)), want, name);
});

test('connectionPool: maxRequestsPerConnection and idleTimeout go to HttpProtocolOptions with an explicit protocol', () => {
  const c = pool({ http: { maxRequestsPerConnection: 10, idleTimeout: '1h' }, tcp: { idleTimeout: '5m', maxConnectionDuration: '30s' } });
  assert.deepEqual(c.typed_extension_protocol_options, {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { max_requests_per_connection: { value: 10 }, idle_timeout: { seconds: 3600, nanos: 0 }, max_connection_duration: { seconds: 30, nanos: 0 } },
      explicit_http_config: { http_protocol_options: {} },
    },
  });
  const down = pool({ http: { useClientProtocol: true } });
  assert.ok((down.typed_extension_protocol_options!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Record<string, unknown>).use_downstream_protocol_config);
});

test('HTTP/2 upstream: explicit http2_protocol_options, with maxConcurrentStreams', () => {
  const d = newDraft({ name: 'c' });
  d.protocol = 'http2';
  applyConnectionPool(d, { http: { maxConcurrentStreams: 50 } }, ctx(), 'k', 'p');
  const opts = finishDraft(d).typed_extension_protocol_options!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Record<string, unknown>;
  assert.deepEqual(opts.explicit_http_config, { http2_protocol_options: { max_concurrent_streams: { value: 50 } } });
});

function outlier(od: OutlierDetection) {
  const d = newDraft({ name: 'c' });
  applyOutlierDetection(d, od);
  return d.cluster;
}

test('outlierDetection: consecutive5xxErrors / consecutiveGatewayErrors enforced at 100%, success rate off', () => {
  const c = outlier({ consecutive5xxErrors: 3, consecutiveGatewayErrors: 2, interval: '5m', baseEjectionTime: '3m', maxEjectionPercent: 100 });
  assert.deepEqual(c.outlier_detection, {
    enforcing_success_rate: { value: 0 },
    consecutive_5xx: { value: 3 }, enforcing_consecutive_5xx: { value: 100 },
    consecutive_gateway_failure: { value: 2 }, enforcing_consecutive_gateway_failure: { value: 100 },
    interval: { seconds: 300, nanos: 0 }, base_ejection_time: { seconds: 180, nanos: 0 }, max_ejection_percent: { value: 100 },
  });
  assert.deepEqual(c.common_lb_config, { healthy_panic_threshold: {} }, 'panic threshold disabled (minHealthPercent 0)');
});

test('outlierDetection: deprecated consecutiveErrors counts gateway errors only (as Istio mapped it)', () => {
  const c = outlier({ consecutiveErrors: 7 });
  assert.deepEqual(c.outlier_detection, {
    enforcing_success_rate: { value: 0 },
    consecutive_gateway_failure: { value: 7 }, enforcing_consecutive_gateway_failure: { value: 100 }, enforcing_consecutive_5xx: { value: 0 },
  });
});

test('outlierDetection: explicit 0 disables a detector; minHealthPercent → healthy_panic_threshold; local origin split', () => {
  const c = outlier({ consecutive5xxErrors: 0, minHealthPercent: 50, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 4 });
  assert.deepEqual(c.outlier_detection?.enforcing_consecutive_5xx, { value: 0 });
  assert.deepEqual(c.common_lb_config, { healthy_panic_threshold: { value: 50 } });
  assert.equal(c.outlier_detection?.split_external_local_origin_errors, true);
  assert.deepEqual(c.outlier_detection?.consecutive_local_origin_failure, { value: 4 });
  assert.deepEqual(c.outlier_detection?.enforcing_local_origin_success_rate, { value: 0 });
});

function lb(settings: LoadBalancerSettings | undefined, grpc = false) {
  const d = newDraft({ name: 'c' });
  const m = new MessageCollector();
  applyLoadBalancer(d, settings, { messages: m }, { grpc, key: 'k', path: 'p' });
  return { c: d.cluster, m: m.list() };
}

test('loadBalancer: one row per setting', () => {
  const cases: [string, LoadBalancerSettings | undefined, object][] = [
    ['unset → LEAST_REQUEST (Istio\'s default)', undefined, { name: 'c', lb_policy: 'LEAST_REQUEST' }],
    ['ROUND_ROBIN is the zero value (left out)', { simple: 'ROUND_ROBIN' }, { name: 'c' }],
    ['LEAST_CONN → LEAST_REQUEST', { simple: 'LEAST_CONN' }, { name: 'c', lb_policy: 'LEAST_REQUEST' }],
    ['RANDOM', { simple: 'RANDOM' }, { name: 'c', lb_policy: 'RANDOM' }],
    ['consistentHash without ring settings → RING_HASH, min ring 1024', { consistentHash: { httpHeaderName: 'x-user' } }, { name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 1024 } } }],
    ['ringHash.minimumRingSize', { consistentHash: { useSourceIp: true, ringHash: { minimumRingSize: 2048 } } }, { name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 2048 } } }],
    ['deprecated minimumRingSize', { consistentHash: { useSourceIp: true, minimumRingSize: 512 } }, { name: 'c', lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: 512 } } }],
    ['maglev', { consistentHash: { httpCookie: { name: 's' }, maglev: { tableSize: 65537 } } }, { name: 'c', lb_policy: 'MAGLEV', maglev_lb_config: { table_size: { value: 65537 } } }],
  ];
  for (const [name, s, want] of cases) assert.deepEqual(lb(s).c, want, name);
});

test('loadBalancer: PASSTHROUGH and locality settings are reported; gRPC gets ROUND_ROBIN or RING_HASH only', () => {
  assert.deepEqual(lb({ simple: 'PASSTHROUGH' }).m.map((x) => x.code), ['WEFT_TR_PASSTHROUGH_LB_UNSUPPORTED']);
  assert.deepEqual(lb({ localityLbSetting: { enabled: true } }).m.map((x) => x.code), ['WEFT_TR_FIELD_IGNORED']);
  assert.deepEqual(lb({ simple: 'LEAST_REQUEST' }, true).c, { name: 'c' });
  assert.equal(lb({ consistentHash: { httpHeaderName: 'x', maglev: { tableSize: 7 } } }, true).c.lb_policy, 'RING_HASH');
});

test('loadBalancer.warmup → Envoy slow start on ROUND_ROBIN and LEAST_REQUEST, with Istio\'s defaults', () => {
  const full = { slow_start_window: { seconds: 60, nanos: 0 }, aggression: { default_value: 1, runtime_key: '(' }, min_weight_percent: { value: 10 } };
  const cases: [string, LoadBalancerSettings, object][] = [
    ['warmup on the default (LEAST_REQUEST)', { warmup: { duration: '60s' } }, { name: 'c', lb_policy: 'LEAST_REQUEST', least_request_lb_config: { slow_start_config: full } }],
    ['warmup on ROUND_ROBIN', { simple: 'ROUND_ROBIN', warmup: { duration: '1m' } }, { name: 'c', round_robin_lb_config: { slow_start_config: full } }],
    ['minimumPercent and aggression', { simple: 'LEAST_REQUEST', warmup: { duration: '60s', minimumPercent: 25, aggression: 2.5 } },
      { name: 'c', lb_policy: 'LEAST_REQUEST', least_request_lb_config: { slow_start_config: { ...full, aggression: { default_value: 2.5, runtime_key: '(' }, min_weight_percent: { value: 25 } } } }],
    ['deprecated warmupDurationSecs: the window alone', { simple: 'ROUND_ROBIN', warmupDurationSecs: '30s' }, { name: 'c', round_robin_lb_config: { slow_start_config: { slow_start_window: { seconds: 30, nanos: 0 } } } }],
  ];
  for (const [what, settings, want] of cases) {
    const r = lb(settings);
    assert.deepEqual(r.c, want, what);
    assert.deepEqual(r.m, [], what);
  }
  // No slow start where Envoy has none: reported, not dropped silently.
  for (const settings of [{ simple: 'RANDOM', warmup: { duration: '60s' } }, { consistentHash: { httpHeaderName: 'x' }, warmup: { duration: '60s' } }] as LoadBalancerSettings[]) {
    const r = lb(settings);
    assert.equal(r.c.round_robin_lb_config, undefined);
    assert.equal(r.c.least_request_lb_config, undefined);
    assert.deepEqual(r.m.map((x) => [x.code, x.path]), [['WEFT_TR_FIELD_IGNORED', 'p.warmup']]);
  }
});

test('connectionPool.tcp.tcpKeepalive → Envoy upstream_connection_options.tcp_keepalive (seconds), with a warning for weft\'s proxy', () => {
  const d = newDraft({ name: 'c' });
  const c = ctx();
  applyConnectionPool(d, { tcp: { tcpKeepalive: { probes: 3, time: '7200s', interval: '75s' } } }, c, 'k', 'p');
  assert.deepEqual(finishDraft(d).upstream_connection_options, { tcp_keepalive: { keepalive_probes: { value: 3 }, keepalive_time: { value: 7200 }, keepalive_interval: { value: 75 } } });
  assert.deepEqual(c.messages.list().map((m) => [m.code, m.path]), [['WEFT_TR_FIELD_IGNORED', 'p.tcp.tcpKeepalive']]);
});
