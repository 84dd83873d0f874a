// Upstream side: parses responses (RFC 9112 §4) and decides their framing by
// RFC 9112 §6.3, which depends on the request's method, so the connection
// manager announces each request with `expectResponse` before its response.

import { HeaderMap } from '../headers.js';
import { CR, FIELD_VALUE, LF, SP } from './chars.js';
import type { H1ParserOptions } from './defaults.js';
import { H1Error } from './errors.js';
import { FieldScan, charError, parseFieldLines } from './field-lines.js';
import {
  AFTER_CLOSE,
  AFTER_IDLE,
  AFTER_TUNNEL,
  H1MessageParser,
  type H1Framing,
  type H1MessageSink,
  type H1Version,
} from './message-parser.js';

/** One parsed response head. Immutable. */
export class H1ResponseHead {
  constructor(
    readonly status: number,
    /** reason-phrase as sent (may be empty). */
    readonly reason: string,
    readonly version: H1Version,
    readonly headers: HeaderMap,
    readonly headBytes: number,
    readonly framing: H1Framing,
    /** Declared Content-Length, or -1; for HEAD/204/304 it describes, not frames. */
    readonly contentLength: number,
    /** Whether the upstream connection can be reused after this response. */
    readonly keepAlive: boolean,
    /** 101 Switching Protocols, or 2xx to CONNECT: the connection is now a tunnel. */
    readonly upgrade: boolean,
  ) {}
}

/** What the upstream side of the connection manager implements. */
export interface H1ResponseHandler extends H1MessageSink {
  /** An interim 1xx response (100, 102, 103; not 101). The final response follows. */
  onInformational(head: H1ResponseHead): void;
  /** The final response head; body callbacks (if any) follow. */
  onResponseHead(head: H1ResponseHead): void;
}

/**
 * Incremental strict response parser. Every error is an H1Error with status
 * 502: the upstream broke the protocol, not the client.
 */
export class H1ResponseParser extends H1MessageParser {
  private readonly handler: H1ResponseHandler;
  private readonly scan = new FieldScan();
  private method: string | undefined;

  constructor(handler: H1ResponseHandler, options?: H1ParserOptions) {
    super(handler, 'response', options);
    this.handler = handler;
  }

  /**
   * Announces that a request with `method` was sent; its response is the next
   * one parsed. Call it before the request's bytes leave (a fast upstream can
   * answer before the write returns). One request at a time: weft does not
   * pipeline to upstreams, so announcing a second one is a programming error.
   */
  expectResponse(method: string): void {
    if (this.method !== undefined) throw new Error('H1ResponseParser: a response is already outstanding');
    this.method = method;
  }

  /** True while a request was announced and its final response has not begun. */
  get awaitingResponse(): boolean {
    return this.method !== undefined;
  }

  protected beforeMessage(): void {
    if (this.method === undefined) throw new H1Error('H1_UNSOLICITED_RESPONSE', 'response bytes with no request outstanding', 'response');
  }

  protected headComplete(s: string, headBytes: number): void {
    let version: H1Version;
    if (s.startsWith('HTTP/1.1 ')) version = '1.1';
    else if (s.startsWith('HTTP/1.0 ')) version = '1.0';
    else throw charError(s, 0, 'H1_BAD_VERSION', 'status line does not start with HTTP/1.1 or HTTP/1.0', 'response');
    const d0 = s.charCodeAt(9) - 0x30;
    const d1 = s.charCodeAt(10) - 0x30;
    const d2 = s.charCodeAt(11) - 0x30;
    if (!(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) {
      throw charError(s, 9, 'H1_BAD_STATUS_LINE', 'status code is not 100-599', 'response');
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let i = 12;
    let reason = '';
    let c = s.charCodeAt(i);
    if (c === SP) {
      // reason-phrase = *( HTAB / SP / VCHAR / obs-text )
      const start = ++i;
      while (i < s.length && FIELD_VALUE[(c = s.charCodeAt(i))] !== 0) i++;
      reason = s.slice(start, i);
    }
    // A missing SP before an empty reason is tolerated, as every client does.
    if (s.charCodeAt(i) !== CR || s.charCodeAt(i + 1) !== LF) throw charError(s, i, 'H1_BAD_STATUS_LINE', 'invalid byte in status line', 'response');
    i += 2;

    const scan = this.scan;
    scan.reset();
    const headers = new HeaderMap();
    parseFieldLines(s, i, headers, scan, this.maxHeaders, 'response');

    const method = this.method!;
    if (status < 200 && status !== 101) {
      // Interim response: no body; the final response to the same request follows.
      const interim = new H1ResponseHead(status, reason, version, headers, headBytes, 'none', scan.contentLength, true, false);
      this.toIdle();
      this.handler.onInformational(interim);
      return;
    }
    this.method = undefined;

    let framing: H1Framing;
    let upgrade = false;
    if (status === 101 || (method === 'CONNECT' && status < 300)) {
      framing = 'none';
      upgrade = true;
    } else if (method === 'HEAD' || status === 204 || status === 304) {
      framing = 'none';
    } else if (scan.teCount > 0) {
      if (scan.clCount > 0) throw new H1Error('H1_CL_TE_CONFLICT', 'both Content-Length and Transfer-Encoding', 'response');
      if (version === '1.0') throw new H1Error('H1_TE_IN_HTTP10', 'Transfer-Encoding in an HTTP/1.0 response', 'response');
      if (scan.teCount !== 1 || !scan.teChunked) throw new H1Error('H1_UNSUPPORTED_TE', 'Transfer-Encoding other than exactly "chunked"', 'response');
      framing = 'chunked';
    } else if (scan.clCount > 0) {
      framing = 'content-length';
    } else {
      framing = 'close-delimited';
    }
    const keepAlive =
      framing !== 'close-delimited' && !upgrade && (version === '1.1' ? !scan.connClose : scan.connKeepAlive && !scan.connClose);

    const head = new H1ResponseHead(status, reason, version, headers, headBytes, framing, scan.contentLength, keepAlive, upgrade);
    const hasBody = this.beginBody(framing, scan.contentLength, upgrade ? AFTER_TUNNEL : keepAlive ? AFTER_IDLE : AFTER_CLOSE);
    this.handler.onResponseHead(head);
    if (!hasBody) this.messageDone();
  }
}
