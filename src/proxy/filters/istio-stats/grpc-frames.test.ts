import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrpcFrameCounter } from './grpc-frames.js';

function frame(len: number): Buffer {
  const b = Buffer.alloc(5 + len, 7);
  b[0] = 0;
  b.writeUInt32BE(len, 1);
  return b;
}

test('counts messages whatever the chunking, including empty messages and split prefixes', () => {
  const all = Buffer.concat([frame(3), frame(0), frame(300), frame(1)]);
  for (const size of [1, 2, 3, 5, 7, 64, all.length]) {
    const c = new GrpcFrameCounter();
    for (let i = 0; i < all.length; i += size) c.add(all.subarray(i, i + size));
    assert.equal(c.count, 4, `chunk size ${size}`);
  }
});

test('a message counts when its prefix is complete (Envoy\'s grpc_stats counts frames as they start)', () => {
  const c = new GrpcFrameCounter();
  c.add(frame(10).subarray(0, 4));
  assert.equal(c.count, 0);
  c.add(frame(10).subarray(4, 6));
  assert.equal(c.count, 1);
});
