// Reads protobuf wire format from a Buffer. weft's own, rather than
// protobufjs's Reader, for two measured reasons: loading protobufjs's runtime
// costs ~7 MiB of RSS in a proxy with a 64 MiB budget, and its 64-bit reads
// allocate a Long per value where weft wants a plain number.

function eof(r: WireReader): RangeError {
  return new RangeError(`unexpected end of input at offset ${r.pos} of ${r.len}`);
}

const TWO_32 = 4294967296;

/** A cursor over one message's bytes. `pos` may be moved by callers (Any payloads are read in place). */
export class WireReader {
  pos = 0;
  readonly len: number;
  // the two halves of the last 64-bit varint read
  private lo = 0;
  private hi = 0;

  constructor(readonly buf: Buffer) {
    this.len = buf.length;
  }

  /** A varint as an unsigned 32-bit number (higher bits of a longer varint are dropped, as protobuf does). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let v = b & 127;
    if (b >= 128) {
      b = buf[pos++]; v |= (b & 127) << 7;
      if (b >= 128) {
        b = buf[pos++]; v |= (b & 127) << 14;
        if (b >= 128) {
          b = buf[pos++]; v |= (b & 127) << 21;
          if (b >= 128) {
            b = buf[pos++]; v |= (b & 15) << 28;
            // a negative int32 is sign-extended to ten bytes
            for (let i = 0; b >= 128; i++) {
              if (i === 5) throw new RangeError(`varint longer than 10 bytes at offset ${this.pos}`);
              b = buf[pos++];
            }
          }
        }
      }
    }
    if (pos > this.len) throw eof(this);
    this.pos = pos;
    return v >>> 0;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  private varint64(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    let done = false;
    for (let shift = 0; shift < 28; shift += 7) {
      b = buf[pos++];
      lo |= (b & 127) << shift;
      if (b < 128) { done = true; break; }
    }
    if (!done) {
      b = buf[pos++];
      lo |= (b & 15) << 28;
      hi = (b & 127) >> 4;
      if (b < 128) done = true;
      for (let shift = 3; !done && shift < 32; shift += 7) {
        b = buf[pos++];
        hi |= (b & 127) << shift;
        if (b < 128) done = true;
      }
    }
    if (pos > this.len) throw eof(this);
    if (!done) throw new RangeError(`varint longer than 10 bytes at offset ${this.pos}`);
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** 64-bit integers become numbers: exact up to 2^53, which covers every value Envoy's config uses. */
  uint64(): number {
    this.varint64();
    return this.hi * TWO_32 + this.lo;
  }

  int64(): number {
    this.varint64();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  sint64(): number {
    this.varint64();
    const mask = -(this.lo & 1);
    const lo = (((this.lo >>> 1) | (this.hi << 31)) ^ mask) >>> 0;
    const hi = ((this.hi >>> 1) ^ mask) | 0;
    return hi * TWO_32 + lo;
  }

  fixed32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  sfixed32(): number {
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): number {
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  sfixed64(): number {
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  float(): number {
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** End offset of a length-delimited value starting here; the cursor moves to its first byte. */
  delimitedEnd(): number {
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.len) throw eof(this);
    return end;
  }

  /** A view into the input (callers copy what they keep). */
  bytes(): Buffer {
    const end = this.delimitedEnd();
    const start = this.pos;
    this.pos = end;
    return this.buf.subarray(start, end);
  }

  string(): string {
    const end = this.delimitedEnd();
    const start = this.pos;
    this.pos = end;
    return this.buf.toString('utf8', start, end);
  }

  /** Skips one value of the given wire type (groups included, though proto3 never writes them). */
  skipType(wireType: number, depth = 0): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 3:
        if (depth > 100) throw new RangeError('groups nested too deep');
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skipType(tag & 7, depth + 1);
        }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
    if (this.pos > this.len) throw eof(this);
  }
}
