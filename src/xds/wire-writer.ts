// Writes protobuf wire format into one growing Buffer. A nested message
// reserves one byte for its length and shifts its bytes when the length turns
// out to need more (messages over 127 bytes), so encoding allocates almost
// nothing per field; protobufjs's Writer allocates an operation object per
// write, which made garbage collection most of the cost of encoding.

const TWO_32 = 4294967296;
/** Writers that grew past this are not kept for reuse. */
const MAX_KEPT_BYTES = 1 << 20;

function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** One unsigned 32-bit varint as its own small Buffer (for hand-built frames: a length prefix, a field tag's length). */
export function varintBytes(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/** Splits a 64-bit integer (number, or decimal string for values beyond 2^53) into two's complement halves. */
function split64(v: number | string): [lo: number, hi: number] {
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    if (v >= 0) return [v >>> 0, Math.floor(v / TWO_32) >>> 0];
    const a = -v;
    let lo = ~(a >>> 0) >>> 0;
    let hi = ~Math.floor(a / TWO_32) >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
    return [lo, hi];
  }
  const b = BigInt.asUintN(64, BigInt(typeof v === 'number' ? Math.trunc(v) : v));
  return [Number(b & 0xffffffffn), Number(b >> 32n)];
}

export class WireWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  uint32(v: number): this {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    v >>>= 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** Negative values take ten bytes (sign-extended to 64 bits), as protobuf requires. */
  int32(v: number): this {
    if (v >= 0) return this.uint32(v);
    this.varint64(v >>> 0, 0xffffffff);
    return this;
  }

  sint32(v: number): this {
    return this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  bool(v: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }

  int64(v: number | string): this {
    const [lo, hi] = split64(v);
    this.varint64(lo, hi);
    return this;
  }

  uint64(v: number | string): this {
    return this.int64(v);
  }

  sint64(v: number | string): this {
    const [lo, hi] = split64(v);
    const mask = hi >> 31; // 0 or -1
    this.varint64((((lo << 1) ^ mask) >>> 0), (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0);
    return this;
  }

  fixed32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  sfixed32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  fixed64(v: number | string): this {
    const [lo, hi] = split64(v);
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
    return this;
  }

  sfixed64(v: number | string): this {
    return this.fixed64(v);
  }

  float(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
    return this;
  }

  double(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.uint32(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  string(s: string): this {
    const n = s.length;
    if (n < 128) {
      // short ASCII (most names) is copied directly behind a one-byte length
      this.ensure(n + 1);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return this;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.uint32(len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
    return this;
  }

  /** Starts a length-delimited value; pass the result to ldelim() when it is written. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends a length-delimited value started at `mark`, writing its length in front of it. */
  ldelim(mark: number): this {
    const len = this.pos - mark - 1;
    if (len < 128) {
      this.buf[mark] = len;
      return this;
    }
    const n = varintSize(len);
    this.ensure(n - 1);
    this.buf.copy(this.buf, mark + n, mark + 1, this.pos);
    this.pos += n - 1;
    let p = mark;
    let v = len;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
    return this;
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** A copy of the bytes written, exactly sized; the writer is reset for reuse. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  /** True when the buffer is small enough to keep around for the next encode. */
  get reusable(): boolean {
    return this.buf.length <= MAX_KEPT_BYTES;
  }
}
