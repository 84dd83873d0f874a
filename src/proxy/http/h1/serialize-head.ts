// Head serializers. They build one latin1 string (V8 concatenates into a rope,
// flattened once by the write), so a head costs one socket write and no
// intermediate Buffers. Write the result with `socket.write(head, 'latin1')`.
//
// Contract: names and values are already valid. Everything the parsers produce
// is; headers added from config are checked once at config time with
// `isValidFieldName` / `isValidFieldValue` (chars.ts), not per request here.

import { STATUS_CODES } from 'node:http';
import type { HeaderMap } from '../headers.js';

/** Request head for an upstream (always HTTP/1.1). */
export function serializeRequestHead(method: string, target: string, headers: HeaderMap): string {
  let out = `${method} ${target} HTTP/1.1\r\n`;
  const names = headers.names;
  const values = headers.values;
  for (let i = 0; i < names.length; i++) out += names[i] + ': ' + values[i] + '\r\n';
  return out + '\r\n';
}

const statusLines: string[] = [];

/** Reason phrase weft sends for `status` (Node's table; empty when unknown). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? '';
}

function statusLine(status: number, reason: string | undefined): string {
  if (reason !== undefined) return `HTTP/1.1 ${status} ${reason}\r\n`;
  let line = statusLines[status];
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    if (status >= 100 && status <= 999) statusLines[status] = line;
  }
  return line;
}

/**
 * Response head for a downstream (always HTTP/1.1). `reason` defaults to the
 * standard phrase; pass the upstream's to forward it unchanged.
 */
export function serializeResponseHead(status: number, reason: string | undefined, headers: HeaderMap): string {
  let out = statusLine(status, reason);
  const names = headers.names;
  const values = headers.values;
  for (let i = 0; i < names.length; i++) out += names[i] + ': ' + values[i] + '\r\n';
  return out + '\r\n';
}
