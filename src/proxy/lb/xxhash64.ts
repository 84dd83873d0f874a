// XXH64 (xxHash, 64-bit variant), the hash Envoy uses for ring hash, Maglev
// and the route hash_policy. Written with 32-bit halves instead of BigInt so
// that hashing a header value on the request path costs no allocations
// (xxHash64Into) or one (xxHash64, for the bigint result).
//
// Every 64-bit value is a pair (hi, lo) of unsigned 32-bit numbers; helpers
// leave their result in the module-level registers `rHi`/`rLo`, which is safe
// because JavaScript runs this synchronously on one thread.

let rHi = 0;
let rLo = 0;

const P1_HI = 0x9e3779b1, P1_LO = 0x85ebca87;
const P2_HI = 0xc2b2ae3d, P2_LO = 0x27d4eb4f;
const P3_HI = 0x165667b1, P3_LO = 0x9e3779f9;
const P4_HI = 0x85ebca77, P4_LO = 0xc2b2ae63;
const P5_HI = 0x27d4eb2f, P5_LO = 0x165667c5;
/** 2^64 - P1, so `seed - P1` is an addition. */
const NEG_P1_HI = 0x61c8864e, NEG_P1_LO = 0x7a143579;

/** (a * b) mod 2^64, by 16-bit limbs so every partial sum stays exact in a double. */
function mul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, a2 = aHi & 0xffff, a3 = aHi >>> 16;
  const b0 = bLo & 0xffff, b1 = bLo >>> 16, b2 = bHi & 0xffff, b3 = bHi >>> 16;
  const c0 = a0 * b0;
  let c1 = (c0 >>> 16) + a1 * b0 + a0 * b1;
  const r1 = c1 & 0xffff;
  c1 = (c1 - r1) / 65536;
  let c2 = c1 + a2 * b0 + a1 * b1 + a0 * b2;
  const r2 = c2 & 0xffff;
  c2 = (c2 - r2) / 65536;
  const c3 = c2 + a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3;
  rLo = ((r1 << 16) | (c0 & 0xffff)) >>> 0;
  rHi = (((c3 & 0xffff) << 16) | r2) >>> 0;
}

function add(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = aLo + bLo;
  rLo = lo >>> 0;
  rHi = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Rotate left by 1..31 bits. */
function rotl(hi: number, lo: number, r: number): void {
  rHi = ((hi << r) | (lo >>> (32 - r))) >>> 0;
  rLo = ((lo << r) | (hi >>> (32 - r))) >>> 0;
}

/** XXH64 round: rotl(acc + input * P2, 31) * P1. */
function round(accHi: number, accLo: number, inHi: number, inLo: number): void {
  mul(inHi, inLo, P2_HI, P2_LO);
  add(accHi, accLo, rHi, rLo);
  rotl(rHi, rLo, 31);
  mul(rHi, rLo, P1_HI, P1_LO);
}

/** XXH64 merge of one accumulator into the converged hash. */
function mergeRound(hHi: number, hLo: number, vHi: number, vLo: number): void {
  round(0, 0, vHi, vLo);
  mul((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, P1_HI, P1_LO);
  add(rHi, rLo, P4_HI, P4_LO);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** Hashes `b[0..len)`; the result is left in rHi/rLo. */
function hashBytes(b: Uint8Array, len: number, seedHi: number, seedLo: number): void {
  let p = 0;
  let hHi: number, hLo: number;
  if (len >= 32) {
    add(seedHi, seedLo, P1_HI, P1_LO);
    add(rHi, rLo, P2_HI, P2_LO);
    let v1Hi = rHi, v1Lo = rLo;
    add(seedHi, seedLo, P2_HI, P2_LO);
    let v2Hi = rHi, v2Lo = rLo;
    let v3Hi = seedHi, v3Lo = seedLo;
    add(seedHi, seedLo, NEG_P1_HI, NEG_P1_LO);
    let v4Hi = rHi, v4Lo = rLo;
    const limit = len - 32;
    do {
      round(v1Hi, v1Lo, u32(b, p + 4), u32(b, p)); v1Hi = rHi; v1Lo = rLo;
      round(v2Hi, v2Lo, u32(b, p + 12), u32(b, p + 8)); v2Hi = rHi; v2Lo = rLo;
      round(v3Hi, v3Lo, u32(b, p + 20), u32(b, p + 16)); v3Hi = rHi; v3Lo = rLo;
      round(v4Hi, v4Lo, u32(b, p + 28), u32(b, p + 24)); v4Hi = rHi; v4Lo = rLo;
      p += 32;
    } while (p <= limit);
    rotl(v1Hi, v1Lo, 1); hHi = rHi; hLo = rLo;
    rotl(v2Hi, v2Lo, 7); add(hHi, hLo, rHi, rLo); hHi = rHi; hLo = rLo;
    rotl(v3Hi, v3Lo, 12); add(hHi, hLo, rHi, rLo); hHi = rHi; hLo = rLo;
    rotl(v4Hi, v4Lo, 18); add(hHi, hLo, rHi, rLo); hHi = rHi; hLo = rLo;
    mergeRound(hHi, hLo, v1Hi, v1Lo); hHi = rHi; hLo = rLo;
    mergeRound(hHi, hLo, v2Hi, v2Lo); hHi = rHi; hLo = rLo;
    mergeRound(hHi, hLo, v3Hi, v3Lo); hHi = rHi; hLo = rLo;
    mergeRound(hHi, hLo, v4Hi, v4Lo); hHi = rHi; hLo = rLo;
  } else {
    add(seedHi, seedLo, P5_HI, P5_LO);
    hHi = rHi; hLo = rLo;
  }
  // h += len (len < 2^53, so split it into halves)
  add(hHi, hLo, Math.floor(len / 4294967296) >>> 0, len >>> 0);
  hHi = rHi; hLo = rLo;

  while (p + 8 <= len) {
    round(0, 0, u32(b, p + 4), u32(b, p));
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 27);
    mul(rHi, rLo, P1_HI, P1_LO);
    add(rHi, rLo, P4_HI, P4_LO);
    hHi = rHi; hLo = rLo;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, u32(b, p), P1_HI, P1_LO);
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 23);
    mul(rHi, rLo, P2_HI, P2_LO);
    add(rHi, rLo, P3_HI, P3_LO);
    hHi = rHi; hLo = rLo;
    p += 4;
  }
  while (p < len) {
    mul(0, b[p]!, P5_HI, P5_LO);
    rotl((hHi ^ rHi) >>> 0, (hLo ^ rLo) >>> 0, 11);
    mul(rHi, rLo, P1_HI, P1_LO);
    hHi = rHi; hLo = rLo;
    p++;
  }
  // Avalanche.
  hLo = (hLo ^ (hHi >>> 1)) >>> 0; // h ^= h >> 33
  mul(hHi, hLo, P2_HI, P2_LO);
  hHi = rHi; hLo = rLo;
  hLo = (hLo ^ ((hLo >>> 29) | (hHi << 3))) >>> 0; // h ^= h >> 29
  hHi = (hHi ^ (hHi >>> 29)) >>> 0;
  mul(hHi, hLo, P3_HI, P3_LO);
  hHi = rHi; hLo = rLo;
  rLo = (hLo ^ hHi) >>> 0; // h ^= h >> 32
  rHi = hHi;
}

let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/** UTF-8 bytes of `s` in the shared scratch buffer; returns the length. */
function encodeToScratch(s: string): number {
  const n = s.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2));
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(s, scratch).written;
    scratch[i] = c;
  }
  return n;
}

function hashInput(input: string | Uint8Array, seedHi: number, seedLo: number): void {
  if (typeof input === 'string') {
    const len = encodeToScratch(input); // may replace `scratch`, so read it afterwards
    hashBytes(scratch, len, seedHi, seedLo);
  } else hashBytes(input, input.length, seedHi, seedLo);
}

/**
 * XXH64 of `input` (strings hashed as UTF-8, as Envoy hashes header bytes),
 * with Envoy's default seed 0. Returns an unsigned 64-bit bigint.
 */
export function xxHash64(input: string | Uint8Array, seed: bigint = 0n): bigint {
  const s = BigInt.asUintN(64, seed);
  hashInput(input, Number(s >> 32n), Number(s & 0xffffffffn));
  return (BigInt(rHi) << 32n) | BigInt(rLo);
}

/**
 * Allocation-free XXH64 for hot paths: writes the high and low 32 bits to
 * `out[0]` and `out[1]`. `seed` is a small non-negative integer (< 2^32).
 */
export function xxHash64Into(input: string | Uint8Array, out: Uint32Array, seed = 0): void {
  hashInput(input, 0, seed >>> 0);
  out[0] = rHi;
  out[1] = rLo;
}

/** XXH64 of the first `len` bytes of `buf`, into `out` as in xxHash64Into. */
export function xxHash64BytesInto(buf: Uint8Array, len: number, out: Uint32Array, seed = 0): void {
  hashBytes(buf, len, 0, seed >>> 0);
  out[0] = rHi;
  out[1] = rLo;
}
