// A response the proxy makes itself (errors, direct responses, codec
// rejections) as one Buffer: one write, correct framing, nothing to forget.

import { HeaderMap } from '../headers.js';
import { serializeResponseHead } from './serialize-head.js';

export interface LocalReplyInit {
  status: number;
  /** Defaults to the standard phrase. */
  reason?: string;
  /** Extra fields (e.g. x-weft-error). Framing fields in it are replaced. */
  headers?: HeaderMap;
  body?: string | Buffer;
  /** Answering a HEAD request: send Content-Length but not the body. */
  headRequest?: boolean;
  /** Add `connection: close` (after a codec error the connection must close). */
  close?: boolean;
}

/** The reply's bytes: head (with content-length or none for 1xx/204/304) and body. */
export function buildLocalReply(init: LocalReplyInit): Buffer {
  const status = init.status;
  const headers = init.headers === undefined ? new HeaderMap() : init.headers.clone();
  headers.remove('transfer-encoding');
  headers.remove('content-length');
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
  const bodyless = status < 200 || status === 204 || status === 304;
  if (!bodyless) {
    const n = body === undefined ? 0 : body.length;
    if (n > 0 && !headers.has('content-type')) headers.add('content-type', 'text/plain');
    headers.add('content-length', String(n));
  }
  if (init.close === true) headers.set('connection', 'close');
  const head = Buffer.from(serializeResponseHead(status, init.reason, headers), 'latin1');
  if (bodyless || init.headRequest === true || body === undefined || body.length === 0) return head;
  return Buffer.concat([head, body], head.length + body.length);
}
