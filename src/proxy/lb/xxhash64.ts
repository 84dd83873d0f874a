// XXH64 (xxHash, 64-bit variant), the hash Envoy uses for ring hash, Maglev
// and the route hash_policy. Written with 32-bit halves instead of BigInt so
// that hashing a header value on the request path costs no allocations
// (xxHash64Into) or one (xxHash64, for the bigint result).
//
// Every 64-bit value is a pair (hi, lo) of 32-bit halves held as signed
// int32 (`| 0`): V8 keeps int32 values unboxed in calls and variables, while
// an unsigned value above 2^31 would be boxed (a heap allocation) each time
// it crosses a call. Helpers leave their result in the module-level register
// pair R (R[0] high, R[1] low), which is safe because JavaScript runs this
// synchronously on one thread.
const R = new Int32Array(2);

const P1_HI = 0x9e3779b1 | 0, P1_LO = 0x85ebca87 | 0;
const P2_HI = 0xc2b2ae3d | 0, P2_LO = 0x27d4eb4f | 0;
const P3_HI = 0x165667b1 | 0, P3_LO = 0x9e3779f9 | 0;
const P4_HI = 0x85ebca77 | 0, P4_LO = 0xc2b2ae63 | 0;
const P5_HI = 0x27d4eb2f | 0, P5_LO = 0x165667c5 | 0;
/** 2^64 - P1, so `seed - P1` is an addition. */
const NEG_P1_HI = 0x61c8864e | 0, NEG_P1_LO = 0x7a143579 | 0;

/**
 * (a * b) mod 2^64: the low word and the cross terms with Math.imul, and the
 * high word of aLo × bLo from 16-bit limbs so every partial sum stays exact.
 */
function mul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, b0 = bLo & 0xffff, b1 = bLo >>> 16;
  const p01 = a0 * b1, p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  R[1] = Math.imul(aLo, bLo);
  R[0] = (carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) | 0;
}

function add(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  R[1] = lo | 0;
  R[0] = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) | 0;
}

/** Rotate left by 1..31 bits. */
function rotl(hi: number, lo: number, r: number): void {
  R[0] = (hi << r) | (lo >>> (32 - r));
  R[1] = (lo << r) | (hi >>> (32 - r));
}

/** XXH64 round: rotl(acc + input * P2, 31) * P1. */
function round(accHi: number, accLo: number, inHi: number, inLo: number): void {
  mul(inHi, inLo, P2_HI, P2_LO);
  add(accHi, accLo, R[0]!, R[1]!);
  rotl(R[0]!, R[1]!, 31);
  mul(R[0]!, R[1]!, P1_HI, P1_LO);
}

/** XXH64 merge of one accumulator into the converged hash. */
function mergeRound(hHi: number, hLo: number, vHi: number, vLo: number): void {
  round(0, 0, vHi, vLo);
  mul((hHi ^ R[0]!) | 0, (hLo ^ R[1]!) | 0, P1_HI, P1_LO);
  add(R[0]!, R[1]!, P4_HI, P4_LO);
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/** Hashes `b[0..len)`; the result is left in R[0]!/R[1]!. */
function hashBytes(b: Uint8Array, len: number, seedHi: number, seedLo: number): void {
  let p = 0;
  let hHi: number, hLo: number;
  if (len >= 32) {
    add(seedHi, seedLo, P1_HI, P1_LO);
    add(R[0]!, R[1]!, P2_HI, P2_LO);
    let v1Hi = R[0]!, v1Lo = R[1]!;
    add(seedHi, seedLo, P2_HI, P2_LO);
    let v2Hi = R[0]!, v2Lo = R[1]!;
    let v3Hi = seedHi, v3Lo = seedLo;
    add(seedHi, seedLo, NEG_P1_HI, NEG_P1_LO);
    let v4Hi = R[0]!, v4Lo = R[1]!;
    const limit = len - 32;
    do {
      round(v1Hi, v1Lo, u32(b, p + 4), u32(b, p)); v1Hi = R[0]!; v1Lo = R[1]!;
      round(v2Hi, v2Lo, u32(b, p + 12), u32(b, p + 8)); v2Hi = R[0]!; v2Lo = R[1]!;
      round(v3Hi, v3Lo, u32(b, p + 20), u32(b, p + 16)); v3Hi = R[0]!; v3Lo = R[1]!;
      round(v4Hi, v4Lo, u32(b, p + 28), u32(b, p + 24)); v4Hi = R[0]!; v4Lo = R[1]!;
      p += 32;
    } while (p <= limit);
    rotl(v1Hi, v1Lo, 1); hHi = R[0]!; hLo = R[1]!;
    rotl(v2Hi, v2Lo, 7); add(hHi, hLo, R[0]!, R[1]!); hHi = R[0]!; hLo = R[1]!;
    rotl(v3Hi, v3Lo, 12); add(hHi, hLo, R[0]!, R[1]!); hHi = R[0]!; hLo = R[1]!;
    rotl(v4Hi, v4Lo, 18); add(hHi, hLo, R[0]!, R[1]!); hHi = R[0]!; hLo = R[1]!;
    mergeRound(hHi, hLo, v1Hi, v1Lo); hHi = R[0]!; hLo = R[1]!;
    mergeRound(hHi, hLo, v2Hi, v2Lo); hHi = R[0]!; hLo = R[1]!;
    mergeRound(hHi, hLo, v3Hi, v3Lo); hHi = R[0]!; hLo = R[1]!;
    mergeRound(hHi, hLo, v4Hi, v4Lo); hHi = R[0]!; hLo = R[1]!;
  } else {
    add(seedHi, seedLo, P5_HI, P5_LO);
    hHi = R[0]!; hLo = R[1]!;
  }
  // h += len (len < 2^53, so split it into halves)
  add(hHi, hLo, Math.floor(len / 4294967296) | 0, len | 0);
  hHi = R[0]!; hLo = R[1]!;

  while (p + 8 <= len) {
    round(0, 0, u32(b, p + 4), u32(b, p));
    rotl(hHi ^ R[0]!, hLo ^ R[1]!, 27);
    mul(R[0]!, R[1]!, P1_HI, P1_LO);
    add(R[0]!, R[1]!, P4_HI, P4_LO);
    hHi = R[0]!; hLo = R[1]!;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, u32(b, p), P1_HI, P1_LO);
    rotl(hHi ^ R[0]!, hLo ^ R[1]!, 23);
    mul(R[0]!, R[1]!, P2_HI, P2_LO);
    add(R[0]!, R[1]!, P3_HI, P3_LO);
    hHi = R[0]!; hLo = R[1]!;
    p += 4;
  }
  while (p < len) {
    mul(0, b[p]!, P5_HI, P5_LO);
    rotl(hHi ^ R[0]!, hLo ^ R[1]!, 11);
    mul(R[0]!, R[1]!, P1_HI, P1_LO);
    hHi = R[0]!; hLo = R[1]!;
    p++;
  }
  // Avalanche.
  hLo ^= hHi >>> 1; // h ^= h >> 33
  mul(hHi, hLo, P2_HI, P2_LO);
  hHi = R[0]!; hLo = R[1]!;
  hLo ^= (hLo >>> 29) | (hHi << 3); // h ^= h >> 29
  hHi ^= hHi >>> 29;
  mul(hHi, hLo, P3_HI, P3_LO);
  hHi = R[0]!; hLo = R[1]!;
  R[1] = hLo ^ hHi; // h ^= h >> 32
  R[0] = hHi;
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
  hashInput(input, Number(s >> 32n) | 0, Number(s & 0xffffffffn) | 0);
  return (BigInt(R[0]! >>> 0) << 32n) | BigInt(R[1]! >>> 0);
}

/**
 * Allocation-free XXH64 for hot paths: writes the high and low 32 bits to
 * `out[0]` and `out[1]`. `seed` is a small non-negative integer (< 2^32).
 */
export function xxHash64Into(input: string | Uint8Array, out: Uint32Array, seed = 0): void {
  hashInput(input, 0, seed | 0);
  out[0] = R[0]!;
  out[1] = R[1]!;
}

/** XXH64 of the first `len` bytes of `buf`, into `out` as in xxHash64Into. */
export function xxHash64BytesInto(buf: Uint8Array, len: number, out: Uint32Array, seed = 0): void {
  hashBytes(buf, len, 0, seed | 0);
  out[0] = R[0]!;
  out[1] = R[1]!;
}
