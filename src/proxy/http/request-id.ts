// x-request-id values: random (version 4) UUIDs, as Envoy's UUID request-id
// extension generates them. crypto.randomUUID() builds its string from about
// twenty concatenated pieces, and every later read of that string (the trace
// decision's UUID check, the access log, the head written upstream) walks
// the pieces. These are written into a byte buffer and read back as one flat
// string, from random bytes drawn in batches.
import crypto from 'node:crypto';

/** UUIDs per batch of random bytes. */
const BATCH = 256;
const random = Buffer.allocUnsafe(16 * BATCH);
let next = BATCH;
const out = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** A new random UUID (lowercase, 8-4-4-4-12), version 4, RFC 4122 variant. */
export function newRequestId(): string {
  if (next === BATCH) {
    crypto.randomFillSync(random);
    next = 0;
  }
  const r = next++ * 16;
  let o = 0;
  for (let i = 0; i < 16; i++) {
    let b = random[r + i]!;
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // variant 10xx
    out[o++] = HEX[b >> 4]!;
    out[o++] = HEX[b & 15]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) out[o++] = 45; // '-'
  }
  return out.toString('latin1', 0, 36);
}
