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
