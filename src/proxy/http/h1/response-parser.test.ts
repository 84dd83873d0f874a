import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H1ResponseParser } from './response-parser.js';
import { ResponseRecorder, parseResponses, type ResponseOutcome } from './test-recorder.js';
import type { H1ErrorCode } from './errors.js';

const b = (s: string) => Buffer.from(s, 'latin1');

function summary(o: ResponseOutcome): string {
  return JSON.stringify({
    error: o.error?.code,
    tunnel: o.tunnel?.toString('latin1'),
    interim: o.recorder.interim.map((h) => [h.status, h.headers.names]),
    messages: o.recorder.messages.map((m) => ({
      status: m.head.status,
      reason: m.head.reason,
      version: m.head.version,
      names: m.head.headers.names,
      values: m.head.headers.values,
      framing: m.head.framing,
      contentLength: m.head.contentLength,
      keepAlive: m.head.keepAlive,
      upgrade: m.head.upgrade,
      body: m.body.toString('latin1'),
      trailers: m.trailers === undefined ? null : [m.trailers.names, m.trailers.values],
      complete: m.complete,
    })),
  });
}

function rejects(raw: string, methods: string[], code: H1ErrorCode): void {
  const o = parseResponses(b(raw), methods);
  assert.equal(o.error?.code, code, `${JSON.stringify(raw.slice(0, 60))}: ${o.error?.message ?? 'accepted'}`);
  assert.equal(o.error?.status, 502, 'an upstream protocol error is answered with 502');
  assert.equal(o.error?.side, 'response');
}

test('parses status line, headers and a content-length body', () => {
  const o = parseResponses(b('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'), ['GET']);
  assert.equal(o.error, undefined);
  const m = o.recorder.messages[0]!;
  assert.equal(m.head.status, 200);
  assert.equal(m.head.reason, 'OK');
  assert.equal(m.head.version, '1.1');
  assert.equal(m.head.headers.get('content-type'), 'text/plain');
  assert.equal(m.head.framing, 'content-length');
  assert.equal(m.head.keepAlive, true);
  assert.equal(m.body.toString(), 'hello');
  assert.equal(m.complete, true);
});

test('reason phrase may be empty, with or without the space', () => {
  const o = parseResponses(b('HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 500\r\nContent-Length: 0\r\n\r\n'), ['GET', 'GET']);
  assert.equal(o.error, undefined);
  assert.deepEqual(o.recorder.messages.map((m) => [m.head.status, m.head.reason]), [[404, ''], [500, '']]);
});

test('chunked response with trailers', () => {
  const o = parseResponses(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwxyz\r\n0\r\ngrpc-status: 0\r\n\r\n'), ['POST']);
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.body.toString(), 'wxyz');
  assert.equal(o.recorder.messages[0]!.trailers?.get('grpc-status'), '0');
});

test('no length: close-delimited, ends at EOF, not reusable', () => {
  const rec = new ResponseRecorder();
  const p = new H1ResponseParser(rec);
  p.expectResponse('GET');
  p.execute(b('HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\npart one '));
  p.execute(b('part two'));
  assert.equal(rec.messages[0]!.complete, false);
  assert.equal(rec.messages[0]!.head.framing, 'close-delimited');
  assert.equal(rec.messages[0]!.head.keepAlive, false);
  p.finish();
  assert.equal(rec.messages[0]!.complete, true);
  assert.equal(rec.messages[0]!.body.toString(), 'part one part two');
});

test('HEAD, 204 and 304 responses have no body even with framing fields', () => {
  const o = parseResponses(
    b(
      'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ),
    ['HEAD', 'DELETE', 'GET', 'GET'],
  );
  assert.equal(o.error, undefined, o.error?.message);
  assert.deepEqual(
    o.recorder.messages.map((m) => [m.head.status, m.head.framing, m.head.contentLength, m.body.toString(), m.complete]),
    [
      [200, 'none', 1000, '', true],
      [204, 'none', -1, '', true],
      [304, 'none', 50, '', true],
      [200, 'content-length', 2, 'ok', true],
    ],
  );
});

test('1xx interim responses are reported separately and parsing continues', () => {
  const o = parseResponses(
    b('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'),
    ['PUT'],
  );
  assert.equal(o.error, undefined);
  assert.deepEqual(o.recorder.interim.map((h) => h.status), [100, 103]);
  assert.equal(o.recorder.interim[1]!.headers.get('link'), '</s.css>; rel=preload');
  assert.equal(o.recorder.messages.length, 1);
  assert.equal(o.recorder.messages[0]!.head.status, 201);
});

test('101 Switching Protocols turns the connection into a tunnel', () => {
  const o = parseResponses(b('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x02hi'), ['GET']);
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.head.upgrade, true);
  assert.equal(o.recorder.messages[0]!.complete, true);
  assert.equal(o.tunnel?.toString('latin1'), '\x81\x02hi');
});

test('2xx to CONNECT is a tunnel; an error answer to CONNECT is a normal response', () => {
  const ok = parseResponses(b('HTTP/1.1 200 Connection Established\r\n\r\nTLS...'), ['CONNECT']);
  assert.equal(ok.tunnel?.toString(), 'TLS...');
  const no = parseResponses(b('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno'), ['CONNECT']);
  assert.equal(no.tunnel, undefined);
  assert.equal(no.recorder.messages[0]!.body.toString(), 'no');
});

test('HTTP/1.0 responses are not reused unless keep-alive with a length', () => {
  const a = parseResponses(b('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), ['GET']);
  assert.equal(a.recorder.messages[0]!.head.keepAlive, false);
  const c = parseResponses(b('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'), ['GET']);
  assert.equal(c.recorder.messages[0]!.head.keepAlive, true);
  const d = parseResponses(b('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), ['GET']);
  assert.equal(d.recorder.messages[0]!.head.keepAlive, false);
});

test('awaitingResponse tracks the announced request', () => {
  const rec = new ResponseRecorder();
  const p = new H1ResponseParser(rec);
  assert.equal(p.awaitingResponse, false);
  p.expectResponse('GET');
  p.execute(b('HTTP/1.1 100 Continue\r\n\r\n'));
  assert.equal(p.awaitingResponse, true, 'still waiting for the final response');
  p.execute(b('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(p.awaitingResponse, false);
  assert.equal(p.isIdle, true);
  p.expectResponse('GET');
  assert.throws(() => p.expectResponse('GET'), /already outstanding/);
});

const RESPONSES = [
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz',
  'HTTP/1.1 200 OK\r\n\r\nuntil the end',
  'HTTP/1.1 200 OK\r\nX: 1\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab',
];

test('every split point of response streams gives the same outcome', () => {
  for (const r of RESPONSES) {
    const input = b(r);
    const methods = ['GET', 'GET', 'GET'];
    const whole = summary(parseResponses(input, methods));
    for (let cut = 1; cut < input.length; cut++) {
      assert.equal(summary(parseResponses(input, methods, [cut])), whole, `split at ${cut}`);
    }
  }
  assert.deepEqual(
    RESPONSES.map((r) => parseResponses(b(r), ['GET', 'GET']).error?.code),
    [undefined, undefined, 'H1_BARE_LF', 'H1_INCOMPLETE_MESSAGE'],
  );
});

const RULES: Array<[string, string, H1ErrorCode]> = [
  ['unsolicited bytes', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', 'H1_UNSOLICITED_RESPONSE'],
  ['HTTP/2 status line', 'HTTP/2 200 OK\r\n\r\n', 'H1_BAD_VERSION'],
  ['garbage', 'hello\r\n\r\n', 'H1_BAD_VERSION'],
  ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'H1_BAD_STATUS_LINE'],
  ['status 600', 'HTTP/1.1 600 Weird\r\n\r\n', 'H1_BAD_STATUS_LINE'],
  ['status followed by junk', 'HTTP/1.1 200x OK\r\n\r\n', 'H1_BAD_STATUS_LINE'],
  ['CTL in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'H1_BAD_STATUS_LINE'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', 'H1_OBS_FOLD'],
  ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'H1_CL_TE_CONFLICT'],
  ['bad CL', 'HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\n', 'H1_BAD_CONTENT_LENGTH'],
  ['TE gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'H1_UNSUPPORTED_TE'],
  ['TE in HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'H1_TE_IN_HTTP10'],
  ['bad chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n', 'H1_BAD_CHUNK'],
  ['data after close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', 'H1_DATA_AFTER_CLOSE'],
  ['EOF in head', 'HTTP/1.1 200 OK\r\nContent-Le', 'H1_INCOMPLETE_MESSAGE'],
];

for (const [name, raw, code] of RULES) {
  test(`rejects an upstream ${name} with ${code} (502)`, () => rejects(raw, name === 'data after close' ? ['GET', 'GET'] : ['GET'], code));
}

test('an oversized response head is refused', () => {
  const raw = 'HTTP/1.1 200 OK\r\nX: ' + 'v'.repeat(300) + '\r\nContent-Length: 0\r\n\r\n';
  assert.equal(parseResponses(b(raw), ['GET'], [], { maxHeaderBytes: 200 }).error?.code, 'H1_HEADERS_TOO_LARGE');
  assert.equal(parseResponses(b(raw), ['GET'], [], { maxHeaderBytes: 400 }).error, undefined);
});
