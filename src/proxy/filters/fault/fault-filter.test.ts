import { decodeRouteConfiguration } from '../../route/decode-route-config.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyMessage, envoy_config_route_v3_Route } from '../../../xds/gen/types.js';
import { DI, FI } from '../../access-log/response-flags.js';
import { FAULT_TYPE_URL } from './defaults.js';
import { ConfigErrors } from '../../../common/errors.js';
import { decodeHttpFaultPerRoute } from './fault-filter.js';
import { faultRegistration } from './registration.js';
import { FilterHarness, seededRandom } from './test-stream.js';
import { createRuntimeEntry, RuntimeSnapshot } from '../../runtime/runtime-snapshot.js';

const NAME = 'envoy.filters.http.fault';
const P = 'http.ingress_http.fault.';

function fault(fields: Record<string, unknown>): AnyMessage {
  return { '@type': FAULT_TYPE_URL, ...fields };
}

function harness(cfg: Record<string, unknown>, routes?: envoy_config_route_v3_Route[]): FilterHarness {
  const h = new FilterHarness();
  h.addFilter(faultRegistration, NAME, fault(cfg));
  h.setRoutes({ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: routes ?? [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'backend' } }] }] });
  return h;
}

const ABORT_ALL = { abort: { http_status: 503, percentage: { numerator: 100 } } };
const DELAY_1S = { delay: { fixed_delay: { seconds: 1 }, percentage: { numerator: 100 } } };

describe('fault filter: abort', () => {
  it('aborts with the status, Envoy\'s body and details, flag FI and x-weft-error', () => {
    const h = harness(ABORT_ALL);
    const { stream, sink } = h.send();
    assert.equal(sink.status, 503);
    assert.equal(sink.body, 'fault filter abort');
    assert.equal(h.routed.length, 0);
    assert.ok(stream.info.hasResponseFlag(FI));
    assert.equal(stream.info.responseCodeDetails, 'fault_filter_abort');
    assert.match(sink.headers!.get('x-weft-error')!, /^WEFT_FAULT_ABORT .*; http_filter=envoy\.filters\.http\.fault$/);
    assert.equal(h.counter(`${P}aborts_injected`), 1);
    assert.equal(h.gauge(`${P}active_faults`), 0, 'released when the stream ends');
  });

  it('a 50% abort lands within statistical bounds over 1000 requests', () => {
    const h = harness({ abort: { http_status: 500, percentage: { numerator: 50 } } });
    h.random = seededRandom(42);
    let aborted = 0;
    for (let i = 0; i < 1000; i++) if (h.send().sink.status === 500) aborted++;
    assert.ok(aborted >= 430 && aborted <= 570, `aborted ${aborted}`);
    assert.equal(h.counter(`${P}aborts_injected`), aborted);
    assert.equal(h.routed.length, 1000 - aborted);
  });

  it('evaluates the percentage as Envoy does: floor(random × denominator) < numerator', () => {
    const h = harness({ abort: { http_status: 500, percentage: { numerator: 1, denominator: 'TEN_THOUSAND' } } });
    h.random = () => 0.00009; // 0.9 of 10000 → bucket 0 < 1
    assert.equal(h.send().sink.status, 500);
    h.random = () => 0.0001; // bucket 1, not < 1
    assert.equal(h.send().sink.status, 200);
  });

  it('never injects a fault whose percentage is unset (0%)', () => {
    const h = harness({ abort: { http_status: 500 } });
    for (let i = 0; i < 20; i++) assert.equal(h.send().sink.status, 200);
  });

  it('grpc_status: a gRPC caller gets HTTP 200 with that grpc-status; others get 200 and the body', () => {
    const h = harness({ abort: { grpc_status: 5, percentage: { numerator: 100 } } });
    const g = h.send({ grpc: true }).sink;
    assert.equal(g.status, 200);
    assert.equal(g.headers!.get('grpc-status'), '5');
    assert.equal(g.headers!.get('grpc-message'), 'fault filter abort');
    const plain = h.send().sink;
    assert.equal(plain.status, 200);
    assert.equal(plain.body, 'fault filter abort');
    assert.equal(plain.headers!.get('grpc-status'), undefined);
    assert.equal(h.routed.length, 0);
  });

  it('an HTTP abort to a gRPC caller maps the status (503 → UNAVAILABLE)', () => {
    const h = harness(ABORT_ALL);
    const s = h.send({ grpc: true }).sink;
    assert.equal(s.status, 200);
    assert.equal(s.headers!.get('grpc-status'), '14');
  });
});

describe('fault filter: delay', () => {
  it('holds the request for fixed_delay on the injected clock, then continues; flag DI', () => {
    const h = harness(DELAY_1S);
    const { stream } = h.send();
    assert.equal(h.routed.length, 0);
    assert.ok(stream.info.hasResponseFlag(DI));
    assert.equal(h.counter(`${P}delays_injected`), 1);
    assert.equal(h.gauge(`${P}active_faults`), 1);
    h.clock.advance(999);
    assert.equal(h.routed.length, 0);
    h.clock.advance(1);
    assert.equal(h.routed.length, 1);
    assert.equal(h.gauge(`${P}active_faults`), 0);
  });

  it('a delay can be followed by an abort, drawn when the delay ends', () => {
    const h = harness({ ...DELAY_1S, ...ABORT_ALL });
    h.routerAnswers = false;
    const { stream, sink } = h.send();
    assert.equal(sink.status, 0);
    h.clock.advance(1000);
    assert.equal(sink.status, 503);
    assert.ok(stream.info.hasResponseFlag(DI) && stream.info.hasResponseFlag(FI));
    assert.equal(h.counter(`${P}delays_injected`), 1);
    assert.equal(h.counter(`${P}aborts_injected`), 1);
    assert.equal(h.gauge(`${P}active_faults`), 0);
  });

  it('a stream reset during the delay cancels the timer and releases the active fault', () => {
    const h = harness(DELAY_1S);
    const { stream } = h.send();
    stream.onDownstreamReset();
    assert.equal(h.gauge(`${P}active_faults`), 0);
    assert.equal(h.clock.pendingTimers, 0);
    h.clock.advance(2000);
    assert.equal(h.routed.length, 0);
  });
});

describe('fault filter: header-controlled faults', () => {
  it('x-envoy-fault-delay-request sets the delay in ms when header_delay is configured', () => {
    const h = harness({ delay: { header_delay: {}, percentage: { numerator: 100 } } });
    h.send({ headers: [['x-envoy-fault-delay-request', '200']] });
    assert.equal(h.routed.length, 0);
    h.clock.advance(200);
    assert.equal(h.routed.length, 1);
    h.send();
    h.send({ headers: [['x-envoy-fault-delay-request', 'soon']] });
    assert.equal(h.routed.length, 3, 'no or malformed header: no delay');
    assert.equal(h.counter(`${P}delays_injected`), 1);
  });

  it('x-envoy-fault-abort-request aborts with a status in [200, 600)', () => {
    const h = harness({ abort: { header_abort: {}, percentage: { numerator: 100 } } });
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '418']] }).sink.status, 418);
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '600']] }).sink.status, 200);
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '199']] }).sink.status, 200);
    assert.equal(h.send().sink.status, 200);
    assert.equal(h.counter(`${P}aborts_injected`), 1);
  });

  it('x-envoy-fault-abort-grpc-request aborts a gRPC call with that grpc-status', () => {
    const h = harness({ abort: { header_abort: {}, percentage: { numerator: 100 } } });
    const s = h.send({ grpc: true, headers: [['x-envoy-fault-abort-grpc-request', '14']] }).sink;
    assert.equal(s.status, 200);
    assert.equal(s.headers!.get('grpc-status'), '14');
  });

  it('header faults are ignored when the config has fixed faults only', () => {
    const h = harness({ abort: { http_status: 500, percentage: { numerator: 0 } } });
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '418'], ['x-envoy-fault-abort-request-percentage', '100']] }).sink.status, 200);
  });

  it('x-envoy-fault-abort-request-percentage replaces the numerator but never exceeds the configured one', () => {
    const h = harness({ abort: { header_abort: {}, percentage: { numerator: 10 } } });
    h.random = seededRandom(7);
    let aborted = 0;
    for (let i = 0; i < 1000; i++) if (h.send({ headers: [['x-envoy-fault-abort-request', '500'], ['x-envoy-fault-abort-request-percentage', '100']] }).sink.status === 500) aborted++;
    assert.ok(aborted >= 70 && aborted <= 130, `capped at 10%: ${aborted}`);
    h.random = () => 0;
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '500'], ['x-envoy-fault-abort-request-percentage', '0']] }).sink.status, 200);
    assert.equal(h.send({ headers: [['x-envoy-fault-abort-request', '500'], ['x-envoy-fault-abort-request-percentage', 'x']] }).sink.status, 500, 'malformed: configured percentage');
  });

  it('x-envoy-fault-delay-request-percentage lowers the delay percentage', () => {
    const h = harness({ delay: { header_delay: {}, percentage: { numerator: 100 } } });
    h.random = () => 0.5;
    h.send({ headers: [['x-envoy-fault-delay-request', '100'], ['x-envoy-fault-delay-request-percentage', '50']] });
    assert.equal(h.routed.length, 1, '50 is not < 50');
    h.send({ headers: [['x-envoy-fault-delay-request', '100'], ['x-envoy-fault-delay-request-percentage', '51']] });
    assert.equal(h.routed.length, 1);
    assert.equal(h.counter(`${P}delays_injected`), 1);
  });
});

describe('fault filter: which requests', () => {
  it('upstream_cluster: only requests routed to that cluster', () => {
    const h = harness({ ...ABORT_ALL, upstream_cluster: 'reviews' }, [
      { match: { prefix: '/reviews' }, route: { cluster: 'reviews' } },
      { match: { prefix: '/' }, route: { cluster: 'ratings' } },
    ]);
    assert.equal(h.send({ path: '/reviews/1' }).sink.status, 503);
    assert.equal(h.send({ path: '/ratings/1' }).sink.status, 200);
  });

  it('headers: only requests whose headers all match', () => {
    const h = harness({ ...ABORT_ALL, headers: [{ name: 'end-user', exact_match: 'jason' }, { name: ':method', exact_match: 'GET' }] });
    assert.equal(h.send({ headers: [['end-user', 'jason']] }).sink.status, 503);
    assert.equal(h.send({ headers: [['end-user', 'jason']], method: 'POST' }).sink.status, 200);
    assert.equal(h.send({ headers: [['end-user', 'bob']] }).sink.status, 200);
    assert.equal(h.send().sink.status, 200);
  });

  it('downstream_nodes: only callers whose x-envoy-downstream-service-node is listed', () => {
    const h = harness({ ...ABORT_ALL, downstream_nodes: ['node-a'] });
    assert.equal(h.send({ headers: [['x-envoy-downstream-service-node', 'node-a']] }).sink.status, 503);
    assert.equal(h.send({ headers: [['x-envoy-downstream-service-node', 'node-b']] }).sink.status, 200);
    assert.equal(h.send().sink.status, 200);
  });

  it('counts faults per downstream cluster unless disable_downstream_cluster_stats', () => {
    const h = harness({ ...ABORT_ALL });
    h.send({ headers: [['x-envoy-downstream-service-cluster', 'productpage']] });
    assert.equal(h.counter(`${P}productpage.aborts_injected`), 1);
    const off = harness({ ...ABORT_ALL, disable_downstream_cluster_stats: true });
    off.send({ headers: [['x-envoy-downstream-service-cluster', 'productpage']] });
    assert.equal(off.store.findCounter(`${P}productpage.aborts_injected`), undefined);
    assert.equal(off.counter(`${P}aborts_injected`), 1);
  });
});

describe('fault filter: max_active_faults', () => {
  it('overflows past the limit: no fault, faults_overflow counted, the request goes on', () => {
    const h = harness({ ...DELAY_1S, max_active_faults: { value: 1 } });
    h.send();
    assert.equal(h.gauge(`${P}active_faults`), 1);
    h.send();
    assert.equal(h.routed.length, 1, 'second request not delayed');
    assert.equal(h.counter(`${P}faults_overflow`), 1);
    assert.equal(h.counter(`${P}delays_injected`), 1);
    h.clock.advance(1000);
    assert.equal(h.gauge(`${P}active_faults`), 0);
    h.send();
    assert.equal(h.counter(`${P}delays_injected`), 2, 'room again once the first ended');
  });

  it('max_active_faults 0 never injects', () => {
    const h = harness({ ...ABORT_ALL, max_active_faults: { value: 0 } });
    assert.equal(h.send().sink.status, 200);
    assert.equal(h.counter(`${P}faults_overflow`), 1);
  });
});

describe('fault filter: per-route override (typed_per_filter_config)', () => {
  const routes = (override: Record<string, unknown>): envoy_config_route_v3_Route[] => [
    { name: 'ratings', match: { prefix: '/ratings' }, route: { cluster: 'ratings' }, typed_per_filter_config: { [NAME]: fault(override) } },
    { name: 'other', match: { prefix: '/' }, route: { cluster: 'other' } },
  ];

  it('the route\'s HTTPFault replaces the listener config for that route only', () => {
    const h = harness(ABORT_ALL, routes({ abort: { http_status: 418, percentage: { numerator: 100 } } }));
    const r = h.send({ path: '/ratings' }).sink;
    assert.equal(r.status, 418);
    assert.match(r.headers!.get('x-weft-error')!, /; http_filter=envoy\.filters\.http\.fault; route=ratings$/);
    assert.equal(h.send({ path: '/x' }).sink.status, 503);
    assert.equal(h.counter(`${P}aborts_injected`), 2, 'stats stay the listener filter\'s');
  });

  it('Istio\'s shape: an empty listener filter with the fault on the route', () => {
    const h = harness({}, routes({ delay: { fixed_delay: { seconds: 7 }, percentage: { numerator: 100 } } }));
    assert.equal(h.send({ path: '/x' }).sink.status, 200);
    h.send({ path: '/ratings' });
    assert.equal(h.routed.length, 1);
    h.clock.advance(7000);
    assert.equal(h.routed.length, 2);
  });

  it('a route override without faults turns the listener\'s faults off for that route', () => {
    const h = harness(ABORT_ALL, routes({}));
    assert.equal(h.send({ path: '/ratings' }).sink.status, 200);
  });

  it('an invalid route override is refused when the route config is decoded, with its field path', () => {
    const errs = new ConfigErrors();
    decodeRouteConfiguration({ name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.fault': fault({ abort: { http_status: 99, percentage: { numerator: 100 } } }) } }] }] }, 'rc', errs);
    assert.ok(errs.errors.some((e) => e.path === 'rc.virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.fault"].abort.http_status' && /must be in \[200, 600\)/.test(e.message)), errs.format());
  });

  it('decodeHttpFaultPerRoute validates an entry at route-config time, with its field path', () => {
    const path = 'rc.virtual_hosts[0].typed_per_filter_config["envoy.filters.http.fault"]';
    const errs = new ConfigErrors();
    assert.equal(decodeHttpFaultPerRoute(fault({ abort: { http_status: 700, percentage: { numerator: 1 } } }), path, errs), undefined);
    assert.deepEqual(errs.errors.map((e) => e.path), [`${path}.abort.http_status`]);
    const wrong = new ConfigErrors();
    decodeHttpFaultPerRoute({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' }, path, wrong);
    assert.deepEqual(wrong.errors.map((e) => e.path), [`${path}["@type"]`]);
    const ok = new ConfigErrors();
    assert.ok(decodeHttpFaultPerRoute(fault(ABORT_ALL), path, ok));
    assert.equal(ok.issues.length, 0);
  });
});

describe('fault filter: runtime overrides (layered_runtime)', () => {
  const rt = (values: Record<string, string>) => new RuntimeSnapshot(new Map(Object.entries(values).map(([k, v]) => [k, createRuntimeEntry(v)])));

  it('fault.http.abort.abort_percent replaces the configured percentage (0 turns a 100% abort off)', () => {
    const h = harness(ABORT_ALL);
    h.runtime = rt({ 'fault.http.abort.abort_percent': '0' });
    assert.equal(h.send().sink.status, 200);
    h.runtime = rt({ 'fault.http.abort.abort_percent': '100' });
    assert.equal(h.send().sink.status, 503);
  });

  it('a FractionalPercent value and an integer above 100 (always) as Envoy reads them', () => {
    const h = harness({ abort: { http_status: 500, percentage: { numerator: 0 } } });
    h.runtime = rt({ 'fault.http.abort.abort_percent': '{numerator: 1, denominator: TEN_THOUSAND}' });
    h.random = () => 0.00009;
    assert.equal(h.send().sink.status, 500);
    h.random = () => 0.0001;
    assert.equal(h.send().sink.status, 200);
    h.runtime = rt({ 'fault.http.abort.abort_percent': '150' });
    h.random = () => 0.99;
    assert.equal(h.send().sink.status, 500);
  });

  it('http_status, fixed_duration_ms and max_active_faults follow their keys', () => {
    const h = harness({ ...ABORT_ALL, ...DELAY_1S });
    h.runtime = rt({ 'fault.http.abort.http_status': '429', 'fault.http.delay.fixed_duration_ms': '10' });
    const { sink } = h.send();
    h.clock.advance(10);
    assert.equal(sink.status, 429);
    h.runtime = rt({ 'fault.http.max_active_faults': '0' });
    assert.equal(h.send().sink.status, 200);
    // the delay and then the abort each find the limit reached (Envoy counts both)
    assert.equal(h.counter(`${P}faults_overflow`), 2);
  });

  it('an http_status outside [200, 600) from runtime is ignored', () => {
    const h = harness(ABORT_ALL);
    h.runtime = rt({ 'fault.http.abort.http_status': '99' });
    assert.equal(h.send().sink.status, 503);
  });

  it('renamed keys (abort_percent_runtime) are read instead of the default names', () => {
    const h = harness({ ...ABORT_ALL, abort_percent_runtime: 'my.abort' });
    h.runtime = rt({ 'fault.http.abort.abort_percent': '100', 'my.abort': '0' });
    assert.equal(h.send().sink.status, 200);
  });

  it('with x-envoy-downstream-service-cluster the caller\'s keys replace the filter\'s', () => {
    const h = harness(ABORT_ALL);
    h.runtime = rt({ 'fault.http.abort.abort_percent': '100', 'fault.http.productpage.abort.abort_percent': '0' });
    assert.equal(h.send({ headers: [['x-envoy-downstream-service-cluster', 'productpage']] }).sink.status, 200);
    // another caller has no key of its own: the configured 100% applies (Envoy does not fall back to the filter's key)
    h.runtime = rt({ 'fault.http.abort.abort_percent': '0' });
    assert.equal(h.send({ headers: [['x-envoy-downstream-service-cluster', 'reviews']] }).sink.status, 503);
    assert.equal(h.send().sink.status, 200);
  });
});
