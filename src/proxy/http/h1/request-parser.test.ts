import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H1Error, type H1ErrorCode } from './errors.js';
import { H1RequestParser, type H1RequestHead } from './request-parser.js';
import { RequestRecorder, parseRequests, type RequestOutcome } from './test-recorder.js';
import { DEFAULT_MAX_HEADER_BYTES } from './defaults.js';
import { REGISTERED_METHODS } from './methods.js';
import { METHODS } from 'node:http';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Everything observable about an outcome, for comparing splits. */
function summary(o: RequestOutcome): string {
  return JSON.stringify({
    error: o.error?.code,
    tunnel: o.tunnel?.toString('latin1'),
    messages: o.recorder.messages.map((m) => ({
      method: m.head.method,
      target: m.head.target,
      version: m.head.version,
      names: m.head.headers.names,
      values: m.head.headers.values,
      headBytes: m.head.headBytes,
      framing: m.head.framing,
      contentLength: m.head.contentLength,
      keepAlive: m.head.keepAlive,
      upgrade: m.head.upgrade,
      expectContinue: m.head.expectContinue,
      body: m.body.toString('latin1'),
      trailers: m.trailers === undefined ? null : [m.trailers.names, m.trailers.values],
      complete: m.complete,
    })),
  });
}

function one(raw: string): H1RequestHead {
  const o = parseRequests(b(raw));
  assert.equal(o.error, undefined, `unexpected ${o.error?.message}`);
  assert.equal(o.recorder.messages.length, 1);
  return o.recorder.messages[0]!.head;
}

function rejects(raw: string | Buffer, code: H1ErrorCode, status: number): void {
  const o = parseRequests(typeof raw === 'string' ? b(raw) : raw);
  assert.ok(o.error instanceof H1Error, `expected ${code}, got success for ${JSON.stringify(String(raw).slice(0, 80))}`);
  assert.equal(o.error.code, code, `for ${JSON.stringify(String(raw).slice(0, 80))}: ${o.error.message}`);
  assert.equal(o.error.status, status);
  assert.equal(o.error.side, 'request');
}

test('parses a GET head: method, target, version, lower-cased names, trimmed values', () => {
  const raw = 'GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-Long:  v1 v2 \t\r\nACCEPT: */*\r\nEmpty:\r\n\r\n';
  const h = one(raw);
  assert.equal(h.method, 'GET');
  assert.equal(h.target, '/a/b?c=d');
  assert.equal(h.version, '1.1');
  assert.deepEqual(h.headers.names, ['host', 'x-long', 'accept', 'empty']);
  assert.deepEqual(h.headers.values, ['example.com', 'v1 v2', '*/*', '']);
  assert.equal(h.headBytes, raw.length);
  assert.equal(h.framing, 'none');
  assert.equal(h.contentLength, -1);
  assert.equal(h.keepAlive, true);
  assert.equal(h.upgrade, false);
  assert.equal(h.expectContinue, false);
});

test('keep-alive follows the version and Connection options', () => {
  assert.equal(one('GET / HTTP/1.0\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive, true);
  assert.equal(one('GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo ,CLOSE\r\n\r\n').keepAlive, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: a\r\nConnection: foo\r\n\r\n').keepAlive, true);
});

test('content-length body is delivered as views of the input, then completes', () => {
  const input = b('POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world');
  const rec = new RequestRecorder();
  const p = new H1RequestParser(rec);
  const seen: Buffer[] = [];
  rec.onBody = (c) => seen.push(c);
  assert.equal(p.execute(input), undefined);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.buffer, input.buffer, 'body is not copied');
  assert.equal(seen[0]!.toString(), 'hello world');
  assert.equal(rec.messages[0]!.head.framing, 'content-length');
  assert.equal(rec.messages[0]!.head.contentLength, 11);
  assert.equal(rec.messages[0]!.complete, true);
  assert.equal(p.isIdle, true);
});

test('chunked body: decodes data, validates and skips extensions, exposes trailers', () => {
  const raw =
    'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n' +
    '5;name=value;flag;q="a \\"quoted\\" \\\\ ext"\r\nhello\r\n' +
    'A\r\n0123456789\r\n' +
    '000;last\r\nX-Checksum: abc\r\nX-Other: 1 \r\n\r\n';
  const o = parseRequests(b(raw));
  assert.equal(o.error, undefined, o.error?.message);
  const m = o.recorder.messages[0]!;
  assert.equal(m.head.framing, 'chunked');
  assert.equal(m.body.toString(), 'hello0123456789');
  assert.deepEqual(m.trailers?.names, ['x-checksum', 'x-other']);
  assert.deepEqual(m.trailers?.values, ['abc', '1']);
  assert.equal(m.complete, true);
});

test('chunked body without trailers gives no trailer callback', () => {
  const o = parseRequests(b('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'));
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.trailers, undefined);
  assert.equal(o.recorder.messages[0]!.body.toString(), 'abc');
});

const PIPELINE =
  '\r\nGET /one HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n' +
  'POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde' +
  'PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n' +
  'GET /four HTTP/1.0\r\n\r\n';

test('pipelined requests in one chunk are all delivered in order', () => {
  const o = parseRequests(b(PIPELINE));
  assert.equal(o.error, undefined, o.error?.message);
  assert.deepEqual(
    o.recorder.messages.map((m) => [m.head.target, m.body.toString(), m.complete]),
    [
      ['/one', '', true],
      ['/two', 'abcde', true],
      ['/three', 'hi!', true],
      ['/four', '', true],
    ],
  );
  assert.equal(o.recorder.messages[2]!.trailers?.get('t'), 'v');
});

// Streams fed at every split point must give exactly the same outcome,
// including the error code for invalid ones.
const SPLIT_CASES: string[] = [
  PIPELINE,
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello\r\n\r\nGET',
  'CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\nraw bytes',
  'GET / HTTP/1.1\r\nHost: a\r\nX: 1\nY: 2\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n',
  'GET / HTTP/1.1\r\nHo\x00st: a\r\nX: 1\nY: 2\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e="unterminated\r\nabc\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\nU: 2\r\n\r\n',
  'GET / HTTP/1.0\r\n\r\n\r\nGET / HTTP/1.1\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nshort',
];

test('every split point (and byte-by-byte) gives the same outcome', () => {
  for (const c of SPLIT_CASES) {
    const input = b(c);
    const whole = summary(parseRequests(input));
    for (let cut = 1; cut < input.length; cut++) {
      assert.equal(summary(parseRequests(input, [cut])), whole, `split at ${cut} of ${JSON.stringify(c.slice(0, 60))}`);
    }
    const bytewise = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    assert.equal(summary(parseRequests(input, bytewise)), whole, `byte-by-byte ${JSON.stringify(c.slice(0, 60))}`);
  }
  // The invalid ones really are invalid, with the code of their first error.
  const codes = SPLIT_CASES.map((c) => parseRequests(b(c)).error?.code);
  assert.deepEqual(codes, [
    undefined,
    undefined,
    undefined,
    'H1_BARE_LF',
    'H1_BARE_CR',
    'H1_BAD_HEADER_NAME',
    'H1_OBS_FOLD',
    'H1_BAD_CHUNK',
    'H1_BAD_CHUNK',
    'H1_BARE_LF',
    'H1_DATA_AFTER_CLOSE',
    'H1_INCOMPLETE_MESSAGE',
  ]);
});

test('upgrade: the parser stops after the head and hands back the rest as tunnel bytes', () => {
  const rec = new RequestRecorder();
  const p = new H1RequestParser(rec);
  const rest = p.execute(b('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\nFRAME'));
  assert.equal(rest?.toString(), 'FRAME');
  assert.equal(rec.messages[0]!.head.upgrade, true);
  assert.equal(rec.messages[0]!.complete, true);
  assert.equal(p.isTunnel, true);
  const next = b('GET / HTTP/1.1 is now just data\n');
  assert.equal(p.execute(next), next);
  p.finish();
});

test('upgrade with nothing after the head returns an empty tunnel remainder', () => {
  const rec = new RequestRecorder();
  const p = new H1RequestParser(rec);
  const rest = p.execute(b('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'));
  assert.ok(rest !== undefined && rest.length === 0);
});

test('upgrade needs both Connection: upgrade and Upgrade, and HTTP/1.1', () => {
  assert.equal(one('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n').upgrade, false);
  assert.equal(one('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n').upgrade, false);
  assert.equal(one('GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n').upgrade, false);
});

test('an upgrade request with a body: the body is parsed, then the tunnel begins', () => {
  const o = parseRequests(b('POST /up HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabcTUNNEL'));
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.body.toString(), 'abc');
  assert.equal(o.tunnel?.toString(), 'TUNNEL');
});

test('CONNECT: authority-form target, tunnel after the head, no body allowed', () => {
  const o = parseRequests(b('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01'));
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.head.upgrade, true);
  assert.equal(o.tunnel?.toString('latin1'), '\x16\x03\x01');
  rejects('CONNECT example.com HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('CONNECT /x:1 HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('CONNECT a:1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab', 'H1_BODY_NOT_ALLOWED', 400);
});

test('target forms: origin, absolute, asterisk only for OPTIONS', () => {
  assert.equal(one('GET http://example.com:8080/x?y HTTP/1.1\r\nHost: example.com:8080\r\n\r\n').target, 'http://example.com:8080/x?y');
  assert.equal(one('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n').target, '*');
  rejects('GET * HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET example.com/x HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET http:/x HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  assert.equal(one('GET HTTPS://a.b HTTP/1.1\r\nHost: a.b\r\n\r\n').target, 'HTTPS://a.b');
  assert.equal(one('GET http://[::1]:80?x HTTP/1.1\r\nHost: [::1]:80\r\n\r\n').target, 'http://[::1]:80?x');
  rejects('GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET htt4://a/x HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET http://exam>le.com/ HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
  rejects('GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400);
});

test('Expect: 100-continue is reported for HTTP/1.1 only', () => {
  assert.equal(one('PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n').expectContinue, true);
  assert.equal(one('PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n').expectContinue, false);
  assert.equal(one('PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n').expectContinue, false);
});

test('leading empty lines before a request line are ignored', () => {
  const o = parseRequests(b('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n'));
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages.length, 1);
});

// [name, request, code, status]
const RULES: Array<[string, string, H1ErrorCode, number]> = [
  ['lower-case method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_METHOD', 400],
  ['unknown method', 'FETCH / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_METHOD', 400],
  ['non-token byte in method', 'GE(T / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_METHOD', 400],
  ['NUL in method', 'G\x00T / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_METHOD', 400],
  ['empty method', ' / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_REQUEST_LINE', 400],
  ['two spaces after method', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_REQUEST_LINE', 400],
  ['tab as separator', 'GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_METHOD', 400],
  ['HTTP/0.9 style line', 'GET /\r\nHost: a\r\n\r\n', 'H1_BAD_REQUEST_LINE', 400],
  ['control char in target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400],
  ['fragment in target', 'GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400],
  ['DEL in target', 'GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400],
  ['non-ASCII in target', 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_TARGET', 400],
  ['space in target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_VERSION', 400],
  ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 'H1_BAD_VERSION', 400],
  ['junk after version', 'GET / HTTP/1.1x\r\nHost: a\r\n\r\n', 'H1_BAD_VERSION', 400],
  ['space after version', 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', 'H1_BAD_REQUEST_LINE', 400],
  ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', 'H1_UNSUPPORTED_VERSION', 505],
  ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 'H1_UNSUPPORTED_VERSION', 505],
  ['bare LF after request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 'H1_BARE_LF', 400],
  ['bare LF line endings only', 'GET / HTTP/1.1\nHost: a\n\n', 'H1_BARE_LF', 400],
  ['bare LF after a field', 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n', 'H1_BARE_LF', 400],
  ['bare LF ending the head', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 'H1_BARE_LF', 400],
  ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n', 'H1_BARE_CR', 400],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n', 'H1_OBS_FOLD', 400],
  ['obs-fold with tab', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n', 'H1_OBS_FOLD', 400],
  ['whitespace before the first field', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 'H1_OBS_FOLD', 400],
  ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'H1_WHITESPACE_BEFORE_COLON', 400],
  ['tab before colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', 'H1_WHITESPACE_BEFORE_COLON', 400],
  ['empty field name', 'GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n', 'H1_BAD_HEADER_NAME', 400],
  ['field without colon', 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', 'H1_BAD_HEADER_NAME', 400],
  ['non-token in name', 'GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n', 'H1_BAD_HEADER_NAME', 400],
  ['non-ASCII in name', 'GET / HTTP/1.1\r\nHost: a\r\nX\xe9: v\r\n\r\n', 'H1_BAD_HEADER_NAME', 400],
  ['NUL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 'H1_BAD_HEADER_VALUE', 400],
  ['control char in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x1bb\r\n\r\n', 'H1_BAD_HEADER_VALUE', 400],
  ['DEL in value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n', 'H1_BAD_HEADER_VALUE', 400],
  ['CL and TE', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'H1_CL_TE_CONFLICT', 400],
  ['TE and CL', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', 'H1_CL_TE_CONFLICT', 400],
  ['differing CLs', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 'H1_BAD_CONTENT_LENGTH', 400],
  ['identical CLs (Node rejects them too)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 'H1_BAD_CONTENT_LENGTH', 400],
  ['CL list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc', 'H1_BAD_CONTENT_LENGTH', 400],
  ['negative CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 'H1_BAD_CONTENT_LENGTH', 400],
  ['signed CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na', 'H1_BAD_CONTENT_LENGTH', 400],
  ['hex CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\na', 'H1_BAD_CONTENT_LENGTH', 400],
  ['tab after CL (Node refuses it)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\t\r\n\r\na', 'H1_BAD_CONTENT_LENGTH', 400],
  ['empty CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n', 'H1_BAD_CONTENT_LENGTH', 400],
  ['overflowing CL', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n', 'H1_BAD_CONTENT_LENGTH', 400],
  ['CL above 2^53', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n', 'H1_BAD_CONTENT_LENGTH', 400],
  ['TE chunked, gzip', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n', 'H1_UNSUPPORTED_TE', 501],
  ['TE gzip, chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 'H1_UNSUPPORTED_TE', 501],
  ['TE identity', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n', 'H1_UNSUPPORTED_TE', 501],
  ['TE twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'H1_UNSUPPORTED_TE', 501],
  ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'H1_TE_IN_HTTP10', 400],
  ['missing Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 'H1_MISSING_HOST', 400],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'H1_BAD_HOST', 400],
  ['bad Host', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 'H1_BAD_HOST', 400],
  ['non-hex chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'H1_BAD_CHUNK', 400],
  ['negative chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 'H1_BAD_CHUNK', 400],
  ['empty chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['overflowing chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 'H1_BAD_CHUNK', 400],
  ['chunk size above 2^53', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n20000000000000\r\n', 'H1_BAD_CHUNK', 400],
  ['space after chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['bare LF after chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['chunk data too long', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['chunk data ends in bare LF', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['bad chunk extension name', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;@\r\na\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['empty chunk extension value', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\r\na\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['CTL in quoted chunk extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a="\x01"\r\na\r\n0\r\n\r\n', 'H1_BAD_CHUNK', 400],
  ['bad trailer', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: 1\r\n\r\n', 'H1_WHITESPACE_BEFORE_COLON', 400],
  ['data after Connection: close', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_DATA_AFTER_CLOSE', 400],
  ['bare LF between requests', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', 'H1_BARE_LF', 400],
  ['EOF inside a head', 'GET / HTTP/1.1\r\nHost: a\r\n', 'H1_INCOMPLETE_MESSAGE', 400],
  ['EOF inside a chunked body', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'H1_INCOMPLETE_MESSAGE', 400],
];

for (const [name, raw, code, status] of RULES) {
  test(`rejects ${name} with ${code} (${status})`, () => rejects(raw, code, status));
}

test('rejects a head over maxHeaderBytes with 431, whole or split', () => {
  const pre = 'GET / HTTP/1.1\r\nHost: a\r\nX: ';
  const exact = (total: number) => pre + 'v'.repeat(total - pre.length - 4) + '\r\n\r\n';
  const fits = b(exact(DEFAULT_MAX_HEADER_BYTES));
  assert.equal(parseRequests(fits).error, undefined);
  assert.equal(parseRequests(fits, [100, 30000]).error, undefined);
  const over = b(exact(DEFAULT_MAX_HEADER_BYTES + 1));
  for (const splits of [[], [100], [DEFAULT_MAX_HEADER_BYTES - 1], [DEFAULT_MAX_HEADER_BYTES]]) {
    const e = parseRequests(over, splits).error;
    assert.equal(e?.code, 'H1_HEADERS_TOO_LARGE');
    assert.equal(e?.status, 431);
  }
  // A head that never ends is refused as soon as the limit is passed, not at EOF.
  const endless = b(pre + 'v'.repeat(DEFAULT_MAX_HEADER_BYTES));
  assert.equal(parseRequests(endless, [10, 20], undefined, false).error?.code, 'H1_HEADERS_TOO_LARGE');
  // The limit is configurable.
  assert.equal(parseRequests(b(exact(200)), [], { maxHeaderBytes: 199 }).error?.code, 'H1_HEADERS_TOO_LARGE');
  assert.equal(parseRequests(b(exact(200)), [], { maxHeaderBytes: 200 }).error, undefined);
});

test('a head fed one byte at a time up to the limit parses correctly', () => {
  const raw = 'GET / HTTP/1.1\r\nHost: a\r\n' + 'X-Pad: ' + 'p'.repeat(20000) + '\r\n\r\n';
  const input = b(raw);
  const o = parseRequests(input, Array.from({ length: input.length - 1 }, (_, i) => i + 1));
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.head.headers.get('x-pad')?.length, 20000);
  assert.equal(o.recorder.messages[0]!.head.headBytes, input.length);
});

test('rejects more than maxHeaders field lines with 431 (also in trailers)', () => {
  const fields = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}\r\n`).join('');
  assert.equal(parseRequests(b(`GET / HTTP/1.1\r\nHost: a\r\n${fields(99)}\r\n`)).error, undefined);
  const e = parseRequests(b(`GET / HTTP/1.1\r\nHost: a\r\n${fields(100)}\r\n`)).error;
  assert.equal(e?.code, 'H1_TOO_MANY_HEADERS');
  assert.equal(e?.status, 431);
  assert.equal(parseRequests(b(`GET / HTTP/1.1\r\nHost: a\r\n${fields(5)}\r\n`), [], { maxHeaders: 5 }).error?.code, 'H1_TOO_MANY_HEADERS');
  const trailers = parseRequests(b(`POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${fields(101)}\r\n`));
  assert.equal(trailers.error?.code, 'H1_TOO_MANY_HEADERS');
});

test('chunk extensions are capped per message', () => {
  const ext = ';e=' + 'x'.repeat(1000);
  const chunk = `1${ext}\r\na\r\n`;
  const body = (n: number) => `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(n)}0\r\n\r\n`;
  assert.equal(parseRequests(b(body(16))).error, undefined);
  assert.equal(parseRequests(b(body(17))).error?.code, 'H1_BAD_CHUNK');
  assert.equal(parseRequests(b(body(2)), [], { maxChunkExtensionBytes: 1500 }).error?.code, 'H1_BAD_CHUNK');
});

test('a dead parser keeps throwing the same error', () => {
  const p = new H1RequestParser(new RequestRecorder());
  assert.throws(() => p.execute(b('GET / HTTP/1.1\r\nHost : a\r\n\r\n')), { code: 'H1_WHITESPACE_BEFORE_COLON' });
  assert.throws(() => p.execute(b('GET / HTTP/1.1\r\nHost: a\r\n\r\n')), { code: 'H1_WHITESPACE_BEFORE_COLON' });
  assert.throws(() => p.finish(), { code: 'H1_WHITESPACE_BEFORE_COLON' });
});

test('pause in onMessageComplete holds pipelined requests until resume', () => {
  const rec = new RequestRecorder();
  const p = new H1RequestParser(rec);
  const done = rec.onMessageComplete.bind(rec);
  rec.onMessageComplete = () => {
    done();
    p.pause();
  };
  p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\n'));
  assert.deepEqual(rec.messages.map((m) => m.head.target), ['/1']);
  assert.equal(p.isPaused, true);
  p.execute(b('Host: a\r\n\r\n'));
  p.finish(); // deferred while paused
  assert.deepEqual(rec.messages.map((m) => m.head.target), ['/1']);
  p.resume();
  assert.deepEqual(rec.messages.map((m) => m.head.target), ['/1', '/2']);
  p.resume();
  assert.deepEqual(rec.messages.map((m) => m.head.target), ['/1', '/2', '/3']);
  assert.equal(p.resume(), undefined);
  assert.equal(p.isIdle, true);
});

test('EOF in the middle of a message is reported when resumed input is incomplete', () => {
  const rec = new RequestRecorder();
  const p = new H1RequestParser(rec);
  rec.onMessageComplete = () => p.pause();
  rec.onRequestHead = () => {};
  p.execute(b('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n'));
  p.finish();
  assert.throws(() => p.resume(), { code: 'H1_INCOMPLETE_MESSAGE' });
});

test('allowCustomMethods accepts any token method', () => {
  const o = parseRequests(b('FETCH / HTTP/1.1\r\nHost: a\r\n\r\n'), [], { allowCustomMethods: true });
  assert.equal(o.error, undefined);
  assert.equal(o.recorder.messages[0]!.head.method, 'FETCH');
});

test('registered methods are all methods Node accepts', () => {
  for (const m of REGISTERED_METHODS) assert.ok(METHODS.includes(m), m);
  for (const m of REGISTERED_METHODS) {
    const target = m === 'CONNECT' ? 'a:1' : '/';
    assert.equal(parseRequests(b(`${m} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`)).error, undefined, m);
  }
});
