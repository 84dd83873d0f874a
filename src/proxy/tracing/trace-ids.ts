// Random trace and span ids as lower-case hex. Drawn from a pooled crypto
// buffer: one randomFillSync per 4 KiB of ids instead of one call per span,
// since every traced request (sampled or not) needs one id.
import crypto from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let at = POOL_BYTES;

function take(bytes: number): string {
  if (at + bytes > pool.length) {
    pool = crypto.randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    at = 0;
  }
  const s = pool.toString('hex', at, at + bytes);
  at += bytes;
  // An all-zero id is invalid in B3 and W3C; the odds are 2^-64, but never send one.
  return /^0+$/.test(s) ? take(bytes) : s;
}

/** A 64-bit span id (16 hex digits). */
export function newSpanId(): string {
  return take(8);
}

/** A trace id: 128-bit (32 hex digits) or 64-bit (16). */
export function newTraceId(bits128: boolean): string {
  return take(bits128 ? 16 : 8);
}
