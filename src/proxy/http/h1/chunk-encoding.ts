// Chunked transfer coding (RFC 9112 §7.1) for bodies whose length is unknown
// when the head is sent. For zero-copy writes use `chunkHeader` + data +
// CHUNK_END with a corked socket; `encodeChunk` copies once into one Buffer.

import type { HeaderMap } from '../headers.js';

/** The CRLF that ends every chunk's data. */
export const CHUNK_END = '\r\n';

/** The last chunk with no trailers: ends a chunked body. */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/** Size line that precedes `size` bytes of chunk data. `size` must be > 0. */
export function chunkHeader(size: number): string {
  return size.toString(16) + '\r\n';
}

/**
 * One chunk holding `data`. Empty data gives an empty Buffer, never a
 * zero-size chunk, which would end the body early.
 */
export function encodeChunk(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  if (body.length === 0) return Buffer.alloc(0);
  const header = chunkHeader(body.length);
  const out = Buffer.allocUnsafe(header.length + body.length + 2);
  out.write(header, 0, 'latin1');
  body.copy(out, header.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

/** Last chunk, with trailer fields when given (names and values already valid). */
export function encodeLastChunk(trailers?: HeaderMap): Buffer {
  if (trailers === undefined || trailers.size === 0) return LAST_CHUNK;
  let out = '0\r\n';
  for (let i = 0; i < trailers.names.length; i++) out += trailers.names[i] + ': ' + trailers.values[i] + '\r\n';
  return Buffer.from(out + '\r\n', 'latin1');
}
