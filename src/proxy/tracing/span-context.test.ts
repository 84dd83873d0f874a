// B3 (multi and single header) and W3C trace context: what is read, what is
// written, and malformed input read as no context.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeaderMap } from '../http/headers.js';
import { b3SamplingOnly, extractB3, extractW3c, injectB3, injectW3c } from './span-context.js';

function headers(o: Record<string, string>): HeaderMap {
  const h = new HeaderMap();
  for (const [k, v] of Object.entries(o)) h.set(k, v);
  return h;
}

const T64 = '463ac35c9f6413ad';
const T128 = '463ac35c9f6413ad48485a3953bb6124';
const S = 'a2fb4a1d1a96d312';
const P = '0020000000000001';

test('B3 multi headers: ids, parent and sampled (x-b3-flags: 1 is debug, so sampled)', () => {
  assert.deepEqual(extractB3(headers({ 'x-b3-traceid': T128, 'x-b3-spanid': S, 'x-b3-parentspanid': P, 'x-b3-sampled': '1' })), { traceId: T128, spanId: S, parentId: P, sampled: true });
  assert.deepEqual(extractB3(headers({ 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-sampled': 'false' })), { traceId: T64, spanId: S, sampled: false });
  assert.equal(extractB3(headers({ 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-flags': '1' }))?.sampled, true);
  assert.equal(extractB3(headers({ 'x-b3-traceid': T64, 'x-b3-spanid': S }))?.sampled, undefined);
});

test('B3 single header, and the sampling-only forms', () => {
  assert.deepEqual(extractB3(headers({ b3: `${T128}-${S}-1-${P}` })), { traceId: T128, spanId: S, parentId: P, sampled: true, b3Single: true });
  assert.deepEqual(extractB3(headers({ b3: `${T64}-${S}` })), { traceId: T64, spanId: S, sampled: undefined, b3Single: true });
  assert.equal(extractB3(headers({ b3: '0' })), undefined);
  assert.equal(b3SamplingOnly(headers({ b3: '0' })), false);
  assert.equal(b3SamplingOnly(headers({ 'x-b3-sampled': '1' })), true);
  assert.equal(b3SamplingOnly(headers({})), undefined);
});

test('malformed B3 is no context', () => {
  for (const h of <Record<string, string>[]>[
    { 'x-b3-traceid': 'xyz', 'x-b3-spanid': S },
    { 'x-b3-traceid': T64, 'x-b3-spanid': '0000000000000000' },
    { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-parentspanid': '12' },
    { b3: `${T64}-${S}-x` },
    { b3: `${T64}` },
    { b3: `${T64}-${S}-1-${P}-extra` },
  ]) assert.equal(extractB3(headers(h)), undefined, JSON.stringify(h));
});

test('B3 injection replaces what came in, in the form it came', () => {
  const h = headers({ 'x-b3-parentspanid': 'ffffffffffffffff', 'x-b3-flags': '1', b3: 'stale' });
  injectB3(h, { traceId: T64, spanId: S, sampled: false });
  assert.equal(h.get('x-b3-traceid'), T64);
  assert.equal(h.get('x-b3-spanid'), S);
  assert.equal(h.get('x-b3-sampled'), '0');
  assert.equal(h.has('x-b3-parentspanid'), false);
  assert.equal(h.has('x-b3-flags'), false);
  assert.equal(h.has('b3'), false);
  injectB3(h, { traceId: T128, spanId: S, parentId: P, sampled: true, b3Single: true });
  assert.equal(h.get('b3'), `${T128}-${S}-1-${P}`);
  assert.equal(h.get('x-b3-parentspanid'), P);
});

test('W3C traceparent and tracestate', () => {
  const ctx = extractW3c(headers({ traceparent: `00-${T128}-${S}-01`, tracestate: 'congo=t61rcWkgMzE' }));
  assert.deepEqual(ctx, { traceId: T128, spanId: S, sampled: true, tracestate: 'congo=t61rcWkgMzE' });
  assert.equal(extractW3c(headers({ traceparent: `00-${T128}-${S}-00` }))?.sampled, false);
  // A later version is read by its first four fields; version 00 with more, or ff, is invalid.
  assert.equal(extractW3c(headers({ traceparent: `01-${T128}-${S}-01-future` }))?.traceId, T128);
  assert.equal(extractW3c(headers({ traceparent: `00-${T128}-${S}-01-x` })), undefined);
  assert.equal(extractW3c(headers({ traceparent: `ff-${T128}-${S}-01` })), undefined);
  assert.equal(extractW3c(headers({ traceparent: `00-${'0'.repeat(32)}-${S}-01` })), undefined);
  const h = new HeaderMap();
  injectW3c(h, { traceId: T64, spanId: S, sampled: true, tracestate: 'a=b' });
  assert.equal(h.get('traceparent'), `00-0000000000000000${T64}-${S}-01`);
  assert.equal(h.get('tracestate'), 'a=b');
});
