import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framed, frameInPlace, FRAME_HEADROOM, GrpcMessageReader } from './grpc-frames.js';

const frame = (body: Buffer, flag = 0) => {
  const h = Buffer.alloc(5);
  h[0] = flag;
  h.writeUInt32BE(body.length, 1);
  return Buffer.concat([h, body]);
};

test('the reader returns every message whatever the chunk boundaries (one byte at a time, several per chunk, large ones)', () => {
  const bodies = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('last'), Buffer.alloc(300_000, 3)];
  const wire = Buffer.concat(bodies.map((b) => frame(b)));
  for (const size of [1, 3, 5, 4096, 16_384, wire.length]) {
    const got: string[] = [];
    const r = new GrpcMessageReader(1 << 20, (m) => got.push(m.toString('hex')), (why) => assert.fail(why));
    for (let i = 0; i < wire.length; i += size) r.push(wire.subarray(i, i + size));
    assert.deepEqual(got, bodies.map((b) => b.toString('hex')), `chunks of ${size}`);
  }
});

test('a compressed or too large message stops the reader with the reason', () => {
  const errors: string[] = [];
  const got: Buffer[] = [];
  const r = new GrpcMessageReader(10, (m) => got.push(m), (why, len) => errors.push(`${why}:${len}`));
  r.push(Buffer.concat([frame(Buffer.from('ok')), frame(Buffer.alloc(11))]));
  r.push(frame(Buffer.from('ignored')));
  assert.deepEqual(errors, ['too-large:11']);
  assert.equal(got.length, 1);
  const r2 = new GrpcMessageReader(10, () => assert.fail('no message'), (why) => errors.push(why));
  r2.push(frame(Buffer.from('x'), 1).subarray(0, 2));
  r2.push(frame(Buffer.from('x'), 1).subarray(2));
  assert.deepEqual(errors, ['too-large:11', 'compressed']);
});

test('a message built with headroom is framed in place: one buffer, no copy', () => {
  const backing = Buffer.alloc(FRAME_HEADROOM + 3);
  const msg = backing.subarray(FRAME_HEADROOM);
  msg.write('abc');
  frameInPlace(msg);
  const f = framed(msg)!;
  assert.equal(f.buffer, backing.buffer);
  assert.deepEqual([...f], [0, 0, 0, 0, 3, 97, 98, 99]);
  const other = Buffer.from('xy');
  assert.deepEqual([...framed(other)!], [0, 0, 0, 0, 2, 120, 121]);
  assert.equal(framed(other), framed(other), 'built once');
});
