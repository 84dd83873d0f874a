import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBinary } from '../../xds/codec.js';
import { decodeBinary } from '../../xds/codec.js';
import { decodeNames, decodeSotwRequest, encodeNames, MalformedRequestError } from './sotw-request.js';
import { NameSetInterner } from './name-set.js';

const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';

test('decodeSotwRequest reads what the generic codec reads, keeping resource_names as bytes', () => {
  const msg = {
    version_info: 'v7', node: { id: 'sidecar~1', cluster: 'grp', metadata: { ISTIO_VERSION: '1.22' } },
    resource_names: ['outbound|9080||a', 'b', 'ünïcode'], type_url: 'type.googleapis.com/x', response_nonce: 'n1',
    error_detail: { code: 3, message: 'no' },
  };
  const bytes = Buffer.from(encodeBinary(REQ, msg));
  const r = decodeSotwRequest(bytes);
  const generic = decodeBinary<Record<string, unknown>>(REQ, bytes);
  assert.equal(r.version_info, 'v7');
  assert.deepEqual(r.node, generic.node);
  assert.equal(r.type_url, msg.type_url);
  assert.equal(r.response_nonce, 'n1');
  assert.deepEqual(r.error_detail, generic.error_detail);
  assert.deepEqual(decodeNames(r.names), msg.resource_names);
  assert.ok(r.names.equals(encodeNames(msg.resource_names)));
});

test('names split by other fields are gathered; no names is an empty buffer', () => {
  const a = encodeNames(['a']);
  const b = encodeNames(['b', 'c']);
  const type = Buffer.from(encodeBinary(REQ, { type_url: 't' }));
  const r = decodeSotwRequest(Buffer.concat([a, type, b]));
  assert.deepEqual(decodeNames(r.names), ['a', 'b', 'c']);
  assert.equal(r.type_url, 't');
  assert.equal(decodeSotwRequest(type).names.length, 0);
});

test('malformed requests throw (grpc-js ends the call), never loop or read past the end', () => {
  assert.throws(() => decodeSotwRequest(Buffer.from([0x1a, 0x05, 0x61])), MalformedRequestError);
  assert.throws(() => decodeSotwRequest(Buffer.from([0x1a])), MalformedRequestError);
  assert.throws(() => decodeSotwRequest(Buffer.from([0x0b])), MalformedRequestError);
  assert.throws(() => decodeSotwRequest(Buffer.from([0x08, 0xff])), MalformedRequestError);
});

test('raw name lists are interned: one decoded set per distinct list, "*" noted apart', () => {
  const i = new NameSetInterner();
  const x = i.internRaw(encodeNames(['a', 'b']));
  const y = i.internRaw(Buffer.from(encodeNames(['a', 'b'])));
  assert.equal(x, y);
  const star = i.internRaw(encodeNames(['*', 'a', 'b']));
  assert.equal(star.star, true);
  assert.equal(star.set, x.set, 'same names apart from "*": same NameSet');
  assert.equal(star.count, 3);
  const long = Array.from({ length: 200 }, (_, k) => `outbound|80||svc-${k}.ns.svc.cluster.local`);
  assert.equal(i.internRaw(encodeNames(long)), i.internRaw(encodeNames(long)));
  assert.deepEqual([...i.internRaw(encodeNames(long)).set.names], long);
});
