import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http1ResponseReader } from './http1-response-reader.js';

const res = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('reads content-length responses split at every byte boundary', () => {
  const wire = Buffer.from(res(200, 'hello') + res(503, 'no'));
  for (let cut = 1; cut < wire.length; cut++) {
    const r = new Http1ResponseReader();
    const a = r.feed(wire.subarray(0, cut));
    const b = r.feed(wire.subarray(cut));
    assert.deepEqual([...a.statuses, ...b.statuses], [200, 503], `cut at ${cut}`);
    assert.equal(a.error ?? b.error, undefined);
  }
});

test('reads chunked responses with trailers and pipelined followers', () => {
  const r = new Http1ResponseReader();
  const wire =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' + res(404, '');
  assert.deepEqual(r.feed(Buffer.from(wire)).statuses, [200, 404]);
});

test('204 has no body even without content-length', () => {
  const r = new Http1ResponseReader();
  assert.deepEqual(r.feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n' + res(200, 'x'))).statuses, [204, 200]);
});

test('unframeable responses are errors', () => {
  assert.match(new Http1ResponseReader().feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')).error ?? '', /Content-Length/);
  assert.match(new Http1ResponseReader().feed(Buffer.from('SSH-2.0-x\r\n\r\n')).error ?? '', /status line/);
});
