// A small DER writer: just the ASN.1 types X.509 certificates and PKCS#10
// requests need. Certificates are built by concatenating pre-encoded parts
// (most of a leaf's TBSCertificate is the same for every leaf of one signer),
// which is what makes issuance fast: @peculiar/x509 spends ~2 ms a certificate
// building ASN.1 object trees, while signing with P-256 takes ~25 µs.

/** Tag bytes of the universal types used here. */
export const DER_TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Bytes a DER length takes for a content of `n` bytes. */
function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

function writeLength(out: Buffer, pos: number, n: number): number {
  if (n < 0x80) {
    out[pos] = n;
    return pos + 1;
  }
  const size = lengthSize(n) - 1;
  out[pos++] = 0x80 | size;
  for (let i = size - 1; i >= 0; i--) out[pos++] = (n >>> (8 * i)) & 0xff;
  return pos;
}

/** One TLV whose content is the concatenation of `parts`. */
export function derTlv(tag: number, ...parts: Uint8Array[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = Buffer.allocUnsafe(1 + lengthSize(len) + len);
  out[0] = tag;
  let pos = writeLength(out, 1, len);
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export const derSequence = (...parts: Uint8Array[]): Buffer => derTlv(DER_TAG.sequence, ...parts);
export const derSet = (...parts: Uint8Array[]): Buffer => derTlv(DER_TAG.set, ...parts);
export const derOctetString = (b: Uint8Array): Buffer => derTlv(DER_TAG.octetString, b);
export const derNull = (): Buffer => Buffer.from([DER_TAG.null, 0]);
export const derBoolean = (v: boolean): Buffer => Buffer.from([DER_TAG.boolean, 1, v ? 0xff : 0]);

/** A context-specific tag `[n]`: constructed for EXPLICIT tagging or SEQUENCE-like content, primitive for IMPLICIT strings. */
export function derContext(n: number, constructed: boolean, ...parts: Uint8Array[]): Buffer {
  return derTlv(0x80 | (constructed ? 0x20 : 0) | n, ...parts);
}

/** A non-negative INTEGER from big-endian magnitude bytes (leading zeros dropped, a 0x00 added when the top bit is set). */
export function derUnsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  return (m[0] ?? 0) & 0x80 ? derTlv(DER_TAG.integer, Uint8Array.of(0), m) : derTlv(DER_TAG.integer, m.length ? m : Uint8Array.of(0));
}

export function derSmallInteger(v: number): Buffer {
  if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`integer ${v} out of range`);
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  return derUnsignedInteger(Uint8Array.from(bytes));
}

/** A BIT STRING of whole bytes (no unused bits), as keys and signatures are. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return derTlv(DER_TAG.bitString, Uint8Array.of(unusedBits), bytes);
}

/** An OBJECT IDENTIFIER from its dotted form, e.g. `2.5.29.17`. */
export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    const n = Number(a);
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad OID arc in ${dotted}`);
    return n;
  });
  if (arcs.length < 2) throw new RangeError(`OID ${dotted} needs two arcs`);
  const body: number[] = [];
  const push = (v: number): void => {
    const groups: number[] = [v & 0x7f];
    let x = Math.floor(v / 128);
    while (x > 0) {
      groups.unshift((x & 0x7f) | 0x80);
      x = Math.floor(x / 128);
    }
    body.push(...groups);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(DER_TAG.oid, Uint8Array.from(body));
}

export const derUtf8String = (s: string): Buffer => derTlv(DER_TAG.utf8String, Buffer.from(s, 'utf8'));
export const derIa5String = (s: string): Buffer => derTlv(DER_TAG.ia5String, Buffer.from(s, 'latin1'));

function digits2(out: Buffer, pos: number, v: number): void {
  out[pos] = 0x30 + Math.floor(v / 10);
  out[pos + 1] = 0x30 + (v % 10);
}

/**
 * A Time as RFC 5280 requires: UTCTime (YYMMDDHHMMSSZ) for 1950–2049,
 * GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise; whole seconds, UTC.
 */
export function derTime(epochMs: number): Buffer {
  const d = new Date(Math.floor(epochMs / 1000) * 1000);
  const year = d.getUTCFullYear();
  const utc = year >= 1950 && year < 2050;
  const n = utc ? 13 : 15;
  const out = Buffer.allocUnsafe(2 + n);
  out[0] = utc ? DER_TAG.utcTime : DER_TAG.generalizedTime;
  out[1] = n;
  let p = 2;
  if (utc) {
    digits2(out, p, year % 100);
    p += 2;
  } else {
    digits2(out, p, Math.floor(year / 100));
    digits2(out, p + 2, year % 100);
    p += 4;
  }
  digits2(out, p, d.getUTCMonth() + 1);
  digits2(out, p + 2, d.getUTCDate());
  digits2(out, p + 4, d.getUTCHours());
  digits2(out, p + 6, d.getUTCMinutes());
  digits2(out, p + 8, d.getUTCSeconds());
  out[p + 10] = 0x5a; // 'Z'
  return out;
}
