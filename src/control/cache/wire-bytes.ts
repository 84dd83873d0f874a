// The few protobuf wire primitives the cache needs to write DiscoveryResponse
// bytes by concatenation: a response is its small per-stream fields followed
// by pre-encoded `resources` fields, and protobuf fields may come in any order
// and concatenate, so no message is ever re-encoded per stream.

/** Bytes a varint takes. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes an unsigned 32-bit varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  v >>>= 0;
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Size of a length-delimited field (tag < 128, i.e. field numbers up to 15) holding `len` bytes. */
export function ldFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Writes the tag and length of a length-delimited field; the body follows at the returned position. */
export function writeLdHeader(buf: Uint8Array, pos: number, field: number, len: number): number {
  buf[pos++] = (field << 3) | 2;
  return writeVarint(buf, pos, len);
}

/** Writes a whole length-delimited field whose body is `body`. */
export function writeLdField(buf: Uint8Array, pos: number, field: number, body: Uint8Array): number {
  pos = writeLdHeader(buf, pos, field, body.length);
  buf.set(body, pos);
  return pos + body.length;
}

/** UTF-8 bytes of a string field value. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** A length-delimited field holding a string, as one Buffer (for small fields built once). */
export function stringField(field: number, s: string): Buffer {
  const body = utf8(s);
  const out = Buffer.allocUnsafe(ldFieldSize(body.length));
  writeLdField(out, 0, field, body);
  return out;
}
