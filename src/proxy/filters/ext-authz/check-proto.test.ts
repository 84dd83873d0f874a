// The hand-written CheckRequest encoder and CheckResponse decoder agree with
// the descriptor-driven codec (src/xds/codec.ts) on every field they use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBinary, encodeBinary } from '../../../xds/codec.js';
import { HeaderMap } from '../../http/headers.js';
import { applyHeaderOption, decodeCheckResponse, encodeCheckRequestFrame, type CheckRequestInput } from './check-proto.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const input: CheckRequestInput = {
  source: { address: '10.0.0.1', port: 40000, principal: 'spiffe://cluster.local/ns/a/sa/b', certificate: '-----BEGIN%20CERT' },
  destination: { address: '10.0.0.2', port: 8080, principal: '', certificate: '' },
  timeMs: 1_700_000_000_123.5,
  id: 'rid',
  method: 'POST',
  path: '/a/ü?x=1',
  host: 'example.com',
  scheme: 'https',
  protocol: 'HTTP/2',
  size: -1,
  headerNames: [':authority', 'x-long'],
  headerValues: ['example.com', 'v'.repeat(300)],
  body: Buffer.from('héllo'),
  packAsBytes: false,
  contextExtensions: { tenant: 'blue', zone: 'z1' },
  sni: 'example.com',
};

test('CheckRequest: the codec reads what the encoder writes', () => {
  const frame = encodeCheckRequestFrame(input);
  assert.equal(frame[0], 0);
  assert.equal(frame.readUInt32BE(1), frame.length - 5);
  const r = decodeBinary<Obj>('envoy.service.auth.v3.CheckRequest', frame.subarray(5));
  const a = r.attributes;
  assert.deepEqual(a.source, { address: { socket_address: { address: '10.0.0.1', port_value: 40000 } }, principal: 'spiffe://cluster.local/ns/a/sa/b', certificate: '-----BEGIN%20CERT' });
  assert.deepEqual(a.destination, { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } } });
  const h = a.request.http;
  assert.equal(h.id, 'rid');
  assert.equal(h.method, 'POST');
  assert.equal(h.path, '/a/ü?x=1');
  assert.equal(h.host, 'example.com');
  assert.equal(h.scheme, 'https');
  assert.equal(h.protocol, 'HTTP/2');
  assert.equal(Number(h.size), -1);
  assert.deepEqual(h.headers, { ':authority': 'example.com', 'x-long': 'v'.repeat(300) });
  assert.equal(h.body, 'héllo');
  assert.deepEqual(a.context_extensions, { tenant: 'blue', zone: 'z1' });
  assert.deepEqual(a.tls_session, { sni: 'example.com' });
  const t = a.request.time;
  assert.equal(Number(t.seconds), 1_700_000_000);
  assert.equal(t.nanos, 123_500_000);
  // pack_as_bytes puts the body in raw_body.
  const raw = decodeBinary<Obj>('envoy.service.auth.v3.CheckRequest', encodeCheckRequestFrame({ ...input, packAsBytes: true, body: Buffer.from([0, 255]) }).subarray(5));
  assert.deepEqual([...raw.attributes.request.http.raw_body], [0, 255]);
  assert.equal(raw.attributes.request.http.body, undefined);
});

test('CheckResponse: the decoder reads what the codec writes', () => {
  const ok = decodeCheckResponse(Buffer.from(encodeBinary('envoy.service.auth.v3.CheckResponse', {
    status: { code: 0, message: 'fine' },
    ok_response: {
      headers: [{ header: { key: 'X-A', value: '1' } }, { header: { key: 'x-b', value: '2' }, append: { value: true } }, { header: { key: 'x-c', value: '3' }, append_action: 'ADD_IF_ABSENT' }],
      headers_to_remove: ['X-Gone'],
      response_headers_to_add: [{ header: { key: 'x-r', value: 'r' } }],
      query_parameters_to_set: [{ key: 'k', value: 'v' }],
      query_parameters_to_remove: ['old'],
    },
    dynamic_metadata: { fields: { a: { string_value: 'b' } } },
  })));
  assert.equal(ok.code, 0);
  assert.deepEqual(ok.ok?.headers, [
    { key: 'x-a', value: '1', append: undefined, appendAction: 0 },
    { key: 'x-b', value: '2', append: true, appendAction: 0 },
    { key: 'x-c', value: '3', append: undefined, appendAction: 1 },
  ]);
  assert.deepEqual(ok.ok?.headersToRemove, ['x-gone']);
  assert.deepEqual(ok.ok?.responseHeadersToAdd.map((h) => h.key), ['x-r']);
  assert.deepEqual(ok.ok?.queryParametersToSet, [['k', 'v']]);
  assert.deepEqual(ok.ok?.queryParametersToRemove, ['old']);
  assert.equal(ok.dynamicMetadata, true);

  const denied = decodeCheckResponse(Buffer.from(encodeBinary('envoy.service.auth.v3.CheckResponse', {
    status: { code: 7 },
    denied_response: { status: { code: 'TooManyRequests' }, headers: [{ header: { key: 'retry-after', value: '5' } }], body: 'slow down' },
  })));
  assert.equal(denied.code, 7);
  assert.deepEqual(denied.denied, { status: 429, headers: [{ key: 'retry-after', value: '5', append: undefined, appendAction: 0 }], body: 'slow down' });
  assert.equal(denied.ok, undefined);
  assert.throws(() => decodeCheckResponse(Buffer.from([0x0a, 0x05, 0x08])), RangeError);
});

test('header options: append adds, no append overwrites, append_action when append is unset', () => {
  const h = new HeaderMap(['x', 'y'], ['1', '1']);
  applyHeaderOption(h, { key: 'x', value: '2', append: true, appendAction: 0 });
  applyHeaderOption(h, { key: 'y', value: '2', append: undefined, appendAction: 0 });
  applyHeaderOption(h, { key: 'y', value: '3', append: undefined, appendAction: 1 });
  applyHeaderOption(h, { key: 'z', value: '3', append: undefined, appendAction: 3 });
  applyHeaderOption(h, { key: 'w', value: '4', append: false, appendAction: 0 });
  assert.deepEqual(h.getAll('x'), ['1', '2']);
  assert.deepEqual(h.getAll('y'), ['2']);
  assert.equal(h.has('z'), false);
  assert.equal(h.get('w'), '4');
});
