// The stream's body hooks: request data through decodeData in chain order
// (held while the header path is stopped before a filter), response data
// through encodeData in reverse, inject*, trailers, watermarks, and the
// direct path when no filter has a hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeSink, FilterHarness, connection } from '../filters/fault/test-stream.js';
import { CONTINUE, STOP, type FilterStream, type HttpFilter } from './filter.js';
import { HeaderMap } from './headers.js';
import { HttpStream } from './stream.js';

/** A harness whose router takes the request body and records what reached it. */
function setup(filters: HttpFilter[]) {
  const h = new FilterHarness();
  for (const f of filters) h.factories.push({ name: 'f', create: () => f });
  const got: string[] = [];
  const router = {
    decodeHeaders(s: HttpStream) {
      got.push('headers');
      s.attachBodySink({ onData: (c, end) => got.push(`data:${c.toString()}${end ? ':end' : ''}`), onTrailers: (t) => got.push(`trailers:${t.get('x') ?? ''}`) });
    },
  };
  (h.hcm as { router: unknown }).router = router;
  const sink = new FakeSink();
  const s = new HttpStream(h.hcm, connection(), sink, 'POST', '/', 'example.com', 'http', new HeaderMap());
  return { h, s, sink, got };
}

test('no body hook: the stream keeps the direct path', () => {
  const { s, got } = setup([{ decodeHeaders: () => CONTINUE }]);
  s.start();
  assert.equal((s as unknown as { bodyHooks: boolean }).bodyHooks, false);
  s.onRequestData(Buffer.from('a'), true);
  assert.deepEqual(got, ['headers', 'data:a:end']);
});

test('decodeData transforms chunks on their way to the router', () => {
  const { s, got } = setup([{ decodeData: (_s, c) => Buffer.from(c.toString().toUpperCase()) }]);
  s.start();
  s.onRequestData(Buffer.from('ab'), false);
  s.onRequestData(Buffer.from('c'), true);
  assert.deepEqual(got, ['headers', 'data:AB', 'data:C:end']);
});

test('data waits for a filter whose headers have not run; a holding filter injects and continues', () => {
  const seen: string[] = [];
  let held: Buffer[] = [];
  let stream: FilterStream | undefined;
  const holder: HttpFilter = {
    decodeHeaders: (st) => {
      stream = st;
      return STOP;
    },
    decodeData: (_st, c, end) => {
      held.push(c);
      if (end) {
        const all = Buffer.concat(held);
        held = [];
        stream!.injectDecodedData(holder, all, true);
        stream!.continueDecoding();
      }
      return null;
    },
  };
  const after: HttpFilter = {
    decodeHeaders: () => {
      seen.push('after:headers');
      return CONTINUE;
    },
    decodeData: (_st, c) => {
      seen.push(`after:data:${c.toString()}`);
      return c;
    },
  };
  const { s, got } = setup([holder, after]);
  s.start();
  s.onRequestData(Buffer.from('x'), false);
  assert.deepEqual(got, []);
  assert.deepEqual(seen, []);
  s.onRequestData(Buffer.from('y'), true);
  assert.deepEqual(seen, ['after:headers', 'after:data:xy']);
  assert.deepEqual(got, ['headers', 'data:xy:end']);
});

test('request trailers: a STOP filter injects them after its data', () => {
  let stream: FilterStream | undefined;
  const f: HttpFilter = {
    decodeHeaders: (st) => {
      stream = st;
      return CONTINUE;
    },
    decodeData: () => null,
    decodeTrailers: (_st, t) => {
      stream!.injectDecodedData(f, Buffer.from('kept'), false);
      stream!.injectDecodedTrailers(f, t);
      return STOP;
    },
  };
  const { s, got } = setup([f]);
  s.start();
  s.onRequestData(Buffer.from('kept'), false);
  s.onRequestTrailers(new HeaderMap(['x'], ['1']));
  assert.deepEqual(got, ['headers', 'data:kept', 'trailers:1']);
});

test('encodeData runs in reverse chain order; a held response is injected later and ends the stream', () => {
  const order: string[] = [];
  let stream: FilterStream | undefined;
  const outer: HttpFilter = { encodeData: (_st, c) => (order.push(`outer:${c.toString()}`), c) };
  const inner: HttpFilter = {
    decodeHeaders: (st) => ((stream = st), CONTINUE),
    encodeData: (_st, c) => (order.push(`inner:${c.toString()}`), null),
  };
  const { s, sink } = setup([outer, inner]);
  s.start();
  s.encodeHeaders(200, new HeaderMap(), false);
  assert.equal(s.encodeData(Buffer.from('a'), true), true);
  assert.equal(sink.body, '');
  assert.equal(s.state, 'encoding');
  stream!.injectEncodedData(inner, Buffer.from('A!'), true);
  assert.deepEqual(order, ['inner:a', 'outer:A!']);
  assert.equal(sink.body, 'A!');
  assert.equal(s.state, 'done');
});

test('watermarks: a full downstream or a filter over its limit pauses the producer until both clear', () => {
  let stream: FilterStream | undefined;
  const f: HttpFilter = { decodeHeaders: (st) => ((stream = st), CONTINUE), encodeData: (_st, c) => c };
  const { s, sink } = setup([f]);
  let full = true;
  sink.writeData = (c: Buffer) => {
    sink.body += c.toString();
    return !full;
  };
  let drains = 0;
  s.start();
  s.onDownstreamDrain = () => drains++;
  s.encodeHeaders(200, new HeaderMap(), false);
  assert.equal(s.encodeData(Buffer.from('1'), false), false);
  stream!.setEncoderAboveWatermark(true);
  full = false;
  sink.onDrain!();
  assert.equal(drains, 0, 'the filter is still over its limit');
  stream!.setEncoderAboveWatermark(false);
  assert.equal(drains, 1);
  assert.equal(s.encodeData(Buffer.from('2'), true), true);
  assert.equal(sink.body, '12');
});

test('body that arrived while a filter held the headers reaches the router after its decodeHeaders returns (no hooks)', () => {
  let resume: (() => void) | undefined;
  const h = new FilterHarness();
  h.factories.push({ name: 'delay', create: () => ({ decodeHeaders: (st) => ((resume = () => st.continueDecoding()), STOP) }) });
  const got: string[] = [];
  (h.hcm as { router: unknown }).router = {
    decodeHeaders(s: HttpStream) {
      s.attachBodySink({ onData: (c, end) => got.push(`data:${c.toString()}${end ? ':end' : ''}`), onTrailers: () => got.push('trailers') });
      // The router starts its upstream attempt after attaching, as upstream-exchange does.
      got.push('attempt');
    },
  };
  const s = new HttpStream(h.hcm, connection(), new FakeSink(), 'POST', '/', 'example.com', 'http', new HeaderMap());
  s.start();
  s.onRequestData(Buffer.from('body'), true);
  assert.deepEqual(got, []);
  resume!();
  assert.deepEqual(got, ['attempt', 'data:body:end']);
});
