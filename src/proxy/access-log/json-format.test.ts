import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderMap } from '../http/headers.js';
import { FormatCompileError } from './formatter.js';
import { compileJsonFormat } from './json-format.js';
import { UH } from './response-flags.js';
import { StreamInfo } from './stream-info.js';

function info(): StreamInfo {
  const i = new StreamInfo();
  i.startTime = Date.UTC(2024, 0, 2, 3, 4, 5, 6);
  i.method = 'GET';
  i.path = '/x';
  i.protocol = 'HTTP/1.1';
  i.requestHeaders = new HeaderMap(['user-agent'], ['curl/8 "quoted"']);
  i.responseCode = 503;
  i.bytesReceived = 0;
  i.bytesSent = 19;
  i.duration = 12.7;
  i.setResponseFlag(UH);
  return i;
}

test('one JSON object per line; single operators keep their type; unset is null', () => {
  const f = compileJsonFormat({
    start_time: '%START_TIME%',
    method: '%REQ(:METHOD)%',
    code: '%RESPONSE_CODE%',
    bytes_sent: '%BYTES_SENT%',
    duration: '%DURATION%',
    flags: '%RESPONSE_FLAGS%',
    upstream: '%UPSTREAM_HOST%',
    ua: '%REQ(USER-AGENT)%',
    attempts: '%UPSTREAM_REQUEST_ATTEMPT_COUNT%',
  });
  const line = f.format(info());
  assert.ok(line.endsWith('}\n'));
  assert.equal(line.indexOf('\n'), line.length - 1);
  assert.equal(
    line,
    '{"start_time":"2024-01-02T03:04:05.006Z","method":"GET","code":503,"bytes_sent":19,"duration":12,"flags":"UH","upstream":null,"ua":"curl/8 \\"quoted\\"","attempts":0}\n',
  );
  assert.deepEqual(JSON.parse(line).ua, 'curl/8 "quoted"');
});

test('mixed text and operators is a string, with - for unset parts', () => {
  const f = compileJsonFormat({ line: '%REQ(:METHOD)% %REQ(:PATH)% -> %RESPONSE_CODE% via %UPSTREAM_HOST%', lit: 'weft', pct: '100%%' });
  assert.equal(f.format(info()), '{"line":"GET /x -> 503 via -","lit":"weft","pct":"100%"}\n');
});

test('nested objects, lists and non-string literals', () => {
  const f = compileJsonFormat({ req: { m: '%REQ(:METHOD)%', p: ['%REQ(:PATH)%', '%BYTES_SENT%'] }, n: 1, b: false, z: null });
  assert.deepEqual(JSON.parse(f.format(info())), { req: { m: 'GET', p: ['/x', 19] }, n: 1, b: false, z: null });
});

test('omit_empty_values drops unset keys and prints unset parts of strings as empty', () => {
  const f = compileJsonFormat({ a: '%UPSTREAM_HOST%', b: '%RESPONSE_CODE%', c: '[%UPSTREAM_HOST%]', d: ['%UPSTREAM_HOST%', '%BYTES_SENT%'] }, { omitEmptyValues: true });
  assert.equal(f.format(info()), '{"b":503,"c":"[]","d":[19]}\n');
  const g = compileJsonFormat({ a: '%UPSTREAM_HOST%' }, { omitEmptyValues: true });
  assert.equal(g.format(info()), '{}\n');
});

test('untyped (deprecated json_format) prints every value as a string and unset as -', () => {
  const f = compileJsonFormat({ code: '%RESPONSE_CODE%', up: '%UPSTREAM_HOST%' }, { typed: false });
  assert.equal(f.format(info()), '{"code":"503","up":"-"}\n');
});

test('sort_properties sorts keys; otherwise config order is kept', () => {
  const fmt = { b: '%RESPONSE_CODE%', a: '%REQ(:METHOD)%', c: { z: '1', y: '2' } };
  assert.equal(compileJsonFormat(fmt).format(info()), '{"b":503,"a":"GET","c":{"z":"1","y":"2"}}\n');
  assert.equal(compileJsonFormat(fmt, { sortProperties: true }).format(info()), '{"a":"GET","b":503,"c":{"y":"2","z":"1"}}\n');
});

test('truncation applies to strings but leaves numbers whole, as in Envoy', () => {
  const f = compileJsonFormat({ ua: '%REQ(USER-AGENT):4%', code: '%RESPONSE_CODE:1%' });
  assert.equal(f.format(info()), '{"ua":"curl","code":503}\n');
});

test('a bad format string names the key where it is', () => {
  assert.throws(
    () => compileJsonFormat({ ok: '%RESPONSE_CODE%', nested: { bad: '%NOPE%' } }),
    (e: unknown) => e instanceof FormatCompileError && e.field === 'nested.bad',
  );
});
