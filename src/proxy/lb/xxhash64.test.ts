import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xxHash64, xxHash64BytesInto, xxHash64Into } from './xxhash64.js';

// Published XXH64 vectors ("", "a", "abc" with seed 0) plus values computed
// with the reference C implementation (through xxhash-wasm) for longer inputs,
// seed 1 (Maglev's second hash) and non-ASCII UTF-8.
const VECTORS: [string, bigint, bigint][] = [
  ['', 0xef46db3751d8e999n, 0xd5afba1336a3be4bn],
  ['a', 0xd24ec4f1a98c6e5bn, 0xdec2bc81c3cd46c6n],
  ['abc', 0x44bc2cf5ad770999n, 0xbea9ca8199328908n],
  ['message digest', 0x066ed728fceeb3ben, 0xcba434b6417dd0fdn],
  ['abcdefghijklmnopqrstuvwxyz', 0xcfe1f278fa89835cn, 0x58058c6ec112e95en],
  ['10.0.0.1:8080', 0xcb972177068eb685n, 0x0dfce9efd349b428n],
  ['10.0.0.1:8080_0', 0x23a29ae775dfd4a3n, 0x129719cb86ba9503n],
  ['The quick brown fox jumps over the lazy dog', 0x0b242d361fda71bcn, 0xdf5091b6dad2c6dbn],
  ['héllo', 0x3bd06310388ebbe4n, 0xff2fcbb0b1dc10afn],
];

test('xxHash64 matches known vectors for seeds 0 and 1', () => {
  for (const [input, seed0, seed1] of VECTORS) {
    assert.equal(xxHash64(input), seed0, `seed 0: ${JSON.stringify(input)}`);
    assert.equal(xxHash64(input, 1n), seed1, `seed 1: ${JSON.stringify(input)}`);
  }
});

test('string input hashes its UTF-8 bytes; Into variants agree with the bigint result', () => {
  const out = new Uint32Array(2);
  for (const [input] of VECTORS) {
    const bytes = new TextEncoder().encode(input);
    assert.equal(xxHash64(bytes), xxHash64(input));
    xxHash64Into(input, out, 1);
    assert.equal((BigInt(out[0]!) << 32n) | BigInt(out[1]!), xxHash64(input, 1n));
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes);
    xxHash64BytesInto(padded, bytes.length, out);
    assert.equal((BigInt(out[0]!) << 32n) | BigInt(out[1]!), xxHash64(input));
  }
});

test('xxHash64 agrees with the reference implementation across lengths, seeds and long strings', async () => {
  const { default: init } = await import('xxhash-wasm');
  const { h64Raw } = await init();
  const seeds = [0n, 1n, 0xffffffffffffffffn, 0x123456789abcdefn];
  for (let len = 0; len <= 130; len++) {
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = (i * 131 + len * 7 + 3) & 0xff;
    for (const seed of seeds) assert.equal(xxHash64(b, seed), h64Raw(b, seed), `len ${len} seed ${seed}`);
  }
  // Longer than the internal scratch buffer, and a non-ASCII one that needs TextEncoder.
  for (const s of ['x'.repeat(1000), 'ü'.repeat(300) + 'end']) {
    assert.equal(xxHash64(s), h64Raw(new TextEncoder().encode(s), 0n));
  }
});

test('negative seeds are taken modulo 2^64', () => {
  assert.equal(xxHash64('abc', -1n), xxHash64('abc', 0xffffffffffffffffn));
});
