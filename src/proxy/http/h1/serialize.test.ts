import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../headers.js';
import { serializeRequestHead, serializeResponseHead, reasonPhrase } from './serialize-head.js';
import { CHUNK_END, LAST_CHUNK, chunkHeader, encodeChunk, encodeLastChunk } from './chunk-encoding.js';
import { buildLocalReply } from './local-reply.js';
import { isValidFieldName, isValidFieldValue } from './chars.js';
import { parseRequests, parseResponses } from './test-recorder.js';

const hm = (pairs: Array<[string, string]>) => new HeaderMap(pairs.map((p) => p[0]), pairs.map((p) => p[1]));

test('a serialized request head parses back to the same fields', () => {
  const headers = hm([['host', 'svc.local'], ['x-b3-traceid', 'abc'], ['x-dup', '1'], ['x-dup', '2'], ['content-length', '3']]);
  const head = serializeRequestHead('POST', '/api?q=1', headers);
  assert.equal(head, 'POST /api?q=1 HTTP/1.1\r\nhost: svc.local\r\nx-b3-traceid: abc\r\nx-dup: 1\r\nx-dup: 2\r\ncontent-length: 3\r\n\r\n');
  const o = parseRequests(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from('abc')]));
  assert.equal(o.error, undefined);
  const m = o.recorder.messages[0]!;
  assert.deepEqual([m.head.method, m.head.target, m.head.headers.names, m.head.headers.values], ['POST', '/api?q=1', headers.names, headers.values]);
  assert.equal(m.body.toString(), 'abc');
});

test('a serialized response head uses the standard reason unless one is given', () => {
  const h = hm([['content-length', '0']]);
  assert.equal(serializeResponseHead(404, undefined, h), 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  assert.equal(serializeResponseHead(404, undefined, h), 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  assert.equal(serializeResponseHead(200, 'Fine', h), 'HTTP/1.1 200 Fine\r\ncontent-length: 0\r\n\r\n');
  assert.equal(serializeResponseHead(299, undefined, new HeaderMap()), 'HTTP/1.1 299 \r\n\r\n');
  assert.equal(reasonPhrase(503), 'Service Unavailable');
  const o = parseResponses(Buffer.from(serializeResponseHead(503, undefined, h), 'latin1'), ['GET']);
  assert.equal(o.recorder.messages[0]!.head.reason, 'Service Unavailable');
});

test('chunk encoding round-trips through the parser, trailers included', () => {
  assert.equal(chunkHeader(255), 'ff\r\n');
  assert.equal(encodeChunk('').length, 0, 'an empty chunk would end the body');
  const body = Buffer.concat([
    encodeChunk('hello '),
    encodeChunk(Buffer.from('wörld')),
    Buffer.from(chunkHeader(3) + 'abc' + CHUNK_END),
    encodeLastChunk(hm([['grpc-status', '0'], ['grpc-message', 'ok']])),
  ]);
  assert.equal(encodeChunk('hello ').toString(), '6\r\nhello \r\n');
  const head = serializeResponseHead(200, undefined, hm([['transfer-encoding', 'chunked']]));
  const o = parseResponses(Buffer.concat([Buffer.from(head, 'latin1'), body]), ['POST']);
  assert.equal(o.error, undefined, o.error?.message);
  assert.equal(o.recorder.messages[0]!.body.toString(), 'hello wörldabc');
  assert.deepEqual(o.recorder.messages[0]!.trailers?.values, ['0', 'ok']);
  assert.equal(encodeLastChunk(), LAST_CHUNK);
  assert.equal(LAST_CHUNK.toString(), '0\r\n\r\n');
});

test('a local reply is one well-formed response with correct framing', () => {
  const headers = hm([['x-weft-error', 'NR'], ['content-length', '999'], ['transfer-encoding', 'chunked']]);
  const reply = buildLocalReply({ status: 503, headers, body: 'no healthy upstream', close: true });
  const o = parseResponses(reply, ['GET']);
  assert.equal(o.error, undefined);
  const m = o.recorder.messages[0]!;
  assert.equal(m.head.status, 503);
  assert.equal(m.head.reason, 'Service Unavailable');
  assert.equal(m.head.headers.get('x-weft-error'), 'NR');
  assert.equal(m.head.headers.get('content-length'), '19');
  assert.equal(m.head.headers.has('transfer-encoding'), false);
  assert.equal(m.head.headers.get('content-type'), 'text/plain');
  assert.equal(m.head.headers.get('connection'), 'close');
  assert.equal(m.head.keepAlive, false);
  assert.equal(m.body.toString(), 'no healthy upstream');
  assert.equal(headers.get('content-length'), '999', 'the caller\'s map is not changed');
});

test('local replies to HEAD and bodiless statuses carry no body', () => {
  const head = buildLocalReply({ status: 200, body: 'abc', headRequest: true });
  assert.match(head.toString(), /content-length: 3\r\n\r\n$/);
  const r204 = buildLocalReply({ status: 204, body: 'ignored' });
  assert.equal(r204.toString(), 'HTTP/1.1 204 No Content\r\n\r\n');
  const empty = buildLocalReply({ status: 403 });
  assert.equal(empty.toString(), 'HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
});

test('field validators for config-supplied headers', () => {
  assert.equal(isValidFieldName('x-weft-error'), true);
  assert.equal(isValidFieldName(''), false);
  assert.equal(isValidFieldName('bad name'), false);
  assert.equal(isValidFieldName('x:y'), false);
  assert.equal(isValidFieldValue('a b\tc'), true);
  assert.equal(isValidFieldValue(''), true);
  assert.equal(isValidFieldValue('a\r\nx-injected: 1'), false);
  assert.equal(isValidFieldValue(' padded'), false);
  assert.equal(isValidFieldValue('snowman ☃'), false, 'not latin1');
  assert.equal(isValidFieldValue('caf\xe9'), true);
});
