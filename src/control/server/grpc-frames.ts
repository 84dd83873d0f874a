// gRPC length-prefixed framing of response messages (1 byte flags, 4 bytes
// length, message), built once per message however many streams it goes to.

/**
 * Frames of shared responses, built on first use: the same message Buffer
 * is written to many streams, so its gRPC frame (5-byte prefix + message) is
 * made once.
 */
const framedCache = new WeakMap<Buffer, Buffer>();
/** Messages above this are written as prefix + message (two writes, no copy) when not framed yet. */
const COPY_LIMIT = 64 * 1024;

export function frameHeader(len: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h[0] = 0;
  h.writeUInt32BE(len, 1);
  return h;
}

export function framed(bytes: Buffer): Buffer | undefined {
  let f = framedCache.get(bytes);
  if (f) return f;
  if (bytes.length > COPY_LIMIT) return undefined;
  f = Buffer.allocUnsafe(5 + bytes.length);
  f[0] = 0;
  f.writeUInt32BE(bytes.length, 1);
  bytes.copy(f, 5);
  framedCache.set(bytes, f);
  return f;
}

/** Bytes a message needs in front of it (see frameInPlace). */
export const FRAME_HEADROOM = 5;

/**
 * Registers the gRPC frame of a message built with FRAME_HEADROOM free bytes
 * in front of it (sotwResponseBytes' headroom): the prefix is written there,
 * so the frame costs no copy and every stream writes that one Buffer.
 */
export function frameInPlace(msg: Buffer): void {
  if (framedCache.has(msg) || msg.byteOffset < FRAME_HEADROOM) return;
  const f = Buffer.from(msg.buffer, msg.byteOffset - FRAME_HEADROOM, msg.length + FRAME_HEADROOM);
  f[0] = 0;
  f.writeUInt32BE(msg.length, 1);
  framedCache.set(msg, f);
}

/** Bodies up to this size are assembled in pooled buffers (an SotW ACK naming 1000 clusters is ~75 KiB). */
const POOLED_BODY = 256 * 1024;
const POOL_MAX = 16;
const pool: Buffer[] = [];

/**
 * Reads gRPC length-prefixed messages from DATA chunks. A message inside one
 * chunk is handed over as a view of it; one split over chunks is assembled
 * in a pooled buffer (no concatenation per chunk, no garbage per message).
 * Either way the buffer is only valid during `onMessage`: whatever is kept
 * must be copied.
 */
export class GrpcMessageReader {
  private readonly hdr = Buffer.alloc(5);
  private hdrFill = 0;
  private body: Buffer | undefined;
  private bodyLen = 0;
  private bodyFill = 0;
  private stopped = false;

  constructor(
    private readonly maxLen: number,
    private readonly onMessage: (msg: Buffer) => void,
    private readonly onError: (reason: 'compressed' | 'too-large', len: number) => void,
  ) {}

  /** Stops reading (the stream was ended); later chunks are ignored and a pooled buffer is given back. */
  stop(): void {
    this.stopped = true;
    this.release();
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.stopped) {
      if (this.body) {
        const n = Math.min(this.bodyLen - this.bodyFill, chunk.length - pos);
        chunk.copy(this.body, this.bodyFill, pos, pos + n);
        this.bodyFill += n;
        pos += n;
        if (this.bodyFill === this.bodyLen) {
          const body = this.body;
          this.onMessage(body.subarray(0, this.bodyLen));
          if (body === this.body) this.release();
        }
        continue;
      }
      // Header: fast path when all five bytes are in this chunk.
      let len: number;
      if (this.hdrFill === 0 && chunk.length - pos >= 5) {
        if (chunk[pos] !== 0) return this.fail('compressed', 0);
        len = chunk.readUInt32BE(pos + 1);
        pos += 5;
      } else {
        const n = Math.min(5 - this.hdrFill, chunk.length - pos);
        chunk.copy(this.hdr, this.hdrFill, pos, pos + n);
        this.hdrFill += n;
        pos += n;
        if (this.hdrFill < 5) return;
        this.hdrFill = 0;
        if (this.hdr[0] !== 0) return this.fail('compressed', 0);
        len = this.hdr.readUInt32BE(1);
      }
      if (len > this.maxLen) return this.fail('too-large', len);
      if (chunk.length - pos >= len) {
        this.onMessage(chunk.subarray(pos, pos + len));
        pos += len;
        continue;
      }
      this.bodyLen = len;
      this.bodyFill = 0;
      this.body = len <= POOLED_BODY ? pool.pop() ?? Buffer.allocUnsafeSlow(POOLED_BODY) : Buffer.allocUnsafe(len);
    }
  }

  private fail(reason: 'compressed' | 'too-large', len: number): void {
    this.stop();
    this.onError(reason, len);
  }

  private release(): void {
    const b = this.body;
    this.body = undefined;
    if (b && b.length === POOLED_BODY && pool.length < POOL_MAX) pool.push(b);
  }
}
