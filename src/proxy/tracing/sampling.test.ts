// Envoy's tracing decision through x-request-id: the trace reason digit, the
// request id's random draw, x-client-trace-id, x-envoy-force-trace and
// overall_sampling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../http/headers.js';
import { decideTrace, isUuid, requestIdInteger, traceReasonOf, withTraceReason } from './sampling.js';
import { TRACING_DEFAULTS, type TracingConfig } from './tracing-config.js';

function cfg(o: Partial<TracingConfig> = {}): TracingConfig {
  return {
    providerName: 'envoy.tracers.zipkin',
    tracer: { kind: 'zipkin', collector: { cluster: 'zipkin', path: '/api/v2/spans', authority: 'zipkin', timeoutMs: 0, headers: [] }, traceId128: false, sharedSpanContext: true },
    clientSampling: TRACING_DEFAULTS.sampling,
    randomSampling: TRACING_DEFAULTS.sampling,
    overallSampling: TRACING_DEFAULTS.sampling,
    verbose: false,
    maxPathTagLength: 256,
    customTags: [],
    spawnUpstreamSpan: false,
    ...o,
  };
}

/** A UUID v4 whose first 8 hex digits are `n`: its draw is n % 10000. */
function rid(n: number): string {
  return `${n.toString(16).padStart(8, '0')}-1111-4222-8333-444444444444`;
}

function headers(o: Record<string, string>): HeaderMap {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(o)) h.set(k, v);
  return h;
}

const never = () => 0.99999;

test('the trace reason lives in the UUID\'s version digit', () => {
  const id = rid(1);
  assert.equal(traceReasonOf(id), 'none');
  assert.equal(withTraceReason(id, 'sampled')[14], 'a');
  assert.equal(withTraceReason(id, 'forced')[14], '9');
  assert.equal(withTraceReason(id, 'client')[14], 'b');
  assert.equal(traceReasonOf(withTraceReason(id, 'client')), 'client');
  assert.equal(withTraceReason('not-a-uuid', 'sampled'), 'not-a-uuid');
  assert.equal(requestIdInteger(rid(12345)), 12345);
  assert.equal(requestIdInteger('abc'), undefined);
});

test('random_sampling draws from the request id: the same id gives the same decision on every proxy', () => {
  const c = cfg({ randomSampling: 100 }); // 1%
  const h1 = headers({ 'x-request-id': rid(20_099) }); // 99 < 100
  assert.equal(decideTrace(h1, c, never), 'sampled');
  assert.equal(h1.get('x-request-id')![14], 'a');
  const h2 = headers({ 'x-request-id': rid(20_100) }); // 100: not below 1%
  assert.equal(decideTrace(h2, c, never), 'none');
  assert.equal(h2.get('x-request-id'), rid(20_100));
  // The next hop sees the 'a' and keeps it, whatever its own percentage.
  const next = headers({ 'x-request-id': h1.get('x-request-id')! });
  assert.equal(decideTrace(next, cfg({ randomSampling: 0 }), never), 'sampled');
});

test('x-client-trace-id forces a trace within client_sampling; x-envoy-force-trace forces one', () => {
  const c = cfg({ randomSampling: 0 });
  assert.equal(decideTrace(headers({ 'x-request-id': rid(5), 'x-client-trace-id': 'abc' }), c, never), 'client');
  assert.equal(decideTrace(headers({ 'x-request-id': rid(5), 'x-client-trace-id': 'abc' }), cfg({ randomSampling: 0, clientSampling: 0 }), () => 0), 'none');
  assert.equal(decideTrace(headers({ 'x-request-id': rid(5), 'x-envoy-force-trace': 'true' }), c, never), 'forced');
  assert.equal(decideTrace(headers({ 'x-request-id': rid(5) }), c, never), 'none');
});

test('overall_sampling turns tracing off after the other rules; a request id that is not a UUID is never traced here', () => {
  const h = headers({ 'x-request-id': withTraceReason(rid(7_000), 'forced') });
  assert.equal(decideTrace(h, cfg({ overallSampling: 5000 }), never), 'none'); // 7000 ≥ 50%
  assert.equal(h.get('x-request-id')![14], '4');
  assert.equal(decideTrace(headers({ 'x-request-id': withTraceReason(rid(7_000), 'forced') }), cfg({ overallSampling: 8000 }), never), 'forced');
  assert.equal(decideTrace(headers({ 'x-request-id': 'custom-id', 'x-envoy-force-trace': 'true' }), cfg(), never), 'none');
});

test('a request id is a UUID only with 8-4-4-4-12 hex digits; its draw reads the first 8 in either case', () => {
  assert.equal(isUuid('0123abcd-ABCD-4ef0-89af-0123456789AF'), true);
  for (const bad of [
    '0123abcd-ABCD-4ef0-89af-0123456789A', // 35 characters
    '0123abcd-ABCD-4ef0-89af-0123456789AFF', // 37
    '0123abcg-ABCD-4ef0-89af-0123456789AF', // g is not hex
    '0123abcd_ABCD-4ef0-89af-0123456789AF', // wrong separator
    '0123abcd-ABC-D4ef0-89af-0123456789AF', // separator misplaced
    '0123abc@-ABCD-4ef0-89af-0123456789AF', // '@' (0x40) sits just below 'A'
    '0123abc`-ABCD-4ef0-89af-0123456789AF', // '`' (0x60) sits just below 'a'
  ]) assert.equal(isUuid(bad), false, bad);
  assert.equal(requestIdInteger('FFFFFFFF-1111-4222-8333-444444444444'), 0xffffffff);
  assert.equal(requestIdInteger('00abCDef-1111-4222-8333-444444444444'), 0x00abcdef);
  assert.equal(requestIdInteger('not-a-uuid'), undefined);
  // Not a UUID: decideTrace leaves the id alone and does not trace.
  const h = headers({ 'x-request-id': '0123abcg-ABCD-4ef0-89af-0123456789AF' });
  assert.equal(decideTrace(h, cfg({ randomSampling: 10000 }), never), 'none');
  assert.equal(h.get('x-request-id'), '0123abcg-ABCD-4ef0-89af-0123456789AF');
});
