// Downstream side: parses requests (RFC 9112 §3) from a client connection,
// pipelined or split at any byte, and rejects anything ambiguous.

import { HeaderMap } from '../headers.js';
import { CR, HOST_CHAR, LF, SP, TARGET_CHAR, TCHAR } from './chars.js';
import type { H1ParserOptions } from './defaults.js';
import { H1Error, type H1ErrorCode } from './errors.js';
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
import { internMethod } from './methods.js';

/** One parsed request head. Immutable; the connection manager may keep it. */
export class H1RequestHead {
  constructor(
    /** Registered method (interned), or any token with `allowCustomMethods`. */
    readonly method: string,
    /** request-target exactly as sent (origin, absolute, authority or asterisk form). */
    readonly target: string,
    readonly version: H1Version,
    /** Field lines in order; names lower-cased, values without surrounding whitespace. */
    readonly headers: HeaderMap,
    /** Bytes of the head on the wire: request line, field lines, empty line. */
    readonly headBytes: number,
    /** 'none' | 'content-length' | 'chunked' (never close-delimited for requests). */
    readonly framing: H1Framing,
    /** Declared Content-Length, or -1 when there is none. */
    readonly contentLength: number,
    /** Whether the connection may carry another request (version and Connection). */
    readonly keepAlive: boolean,
    /**
     * After this message the connection becomes a tunnel: Connection: upgrade
     * with an Upgrade header (HTTP/1.1 only), or CONNECT. The bytes after the
     * message are returned by `execute`.
     */
    readonly upgrade: boolean,
    /** HTTP/1.1 request with `Expect: 100-continue`. */
    readonly expectContinue: boolean,
  ) {}
}

/** What the connection manager implements to receive requests. */
export interface H1RequestHandler extends H1MessageSink {
  /** A complete, validated head; body callbacks (if any) follow. */
  onRequestHead(head: H1RequestHead): void;
}

/**
 * Incremental strict request parser. Errors are thrown as H1Error from
 * `execute`/`finish`/`resume`, carrying the status to answer (400, 431, 501, 505).
 */
export class H1RequestParser extends H1MessageParser {
  private readonly handler: H1RequestHandler;
  private readonly scan = new FieldScan();
  private readonly allowCustomMethods: boolean;

  constructor(handler: H1RequestHandler, options?: H1ParserOptions) {
    super(handler, 'request', options);
    this.handler = handler;
    this.allowCustomMethods = options?.allowCustomMethods ?? false;
  }

  protected beforeMessage(): void {}

  protected headComplete(s: string, headBytes: number): void {
    const n = s.length;
    let i = 0;
    let c = 0;
    // method SP
    while (i < n && TCHAR[(c = s.charCodeAt(i))] !== 0) i++;
    if (i === 0 || c !== SP) throw lineError(s, i, 'H1_BAD_METHOD', 'invalid byte in method');
    let method = i === 3 && s.startsWith('GET') ? 'GET' : internMethod(s.slice(0, i));
    if (method === undefined) {
      if (!this.allowCustomMethods) throw new H1Error('H1_BAD_METHOD', `unknown method "${s.slice(0, Math.min(i, 32))}"`, 'request');
      method = s.slice(0, i);
    }
    // request-target SP
    const targetStart = ++i;
    while (i < n && TARGET_CHAR[(c = s.charCodeAt(i))] === 1) i++;
    if (i === targetStart || c !== SP) throw lineError(s, i, 'H1_BAD_TARGET', 'invalid byte in request-target');
    const target = s.slice(targetStart, i);
    checkTargetForm(method, target);
    // HTTP-version CRLF
    i++;
    let version: H1Version;
    if (s.startsWith('HTTP/1.1', i)) version = '1.1';
    else if (s.startsWith('HTTP/1.0', i)) version = '1.0';
    else throw versionError(s, i);
    i += 8;
    if (s.charCodeAt(i) !== CR || s.charCodeAt(i + 1) !== LF) throw lineError(s, i, 'H1_BAD_VERSION', 'junk after HTTP-version');
    i += 2;

    const scan = this.scan;
    scan.reset();
    const headers = new HeaderMap();
    parseFieldLines(s, i, headers, scan, this.maxHeaders, 'request');

    const v11 = version === '1.1';
    if (scan.hostCount === 0 && v11) throw new H1Error('H1_MISSING_HOST', 'HTTP/1.1 request without Host', 'request');
    if (scan.hostCount > 1) throw new H1Error('H1_BAD_HOST', 'more than one Host field', 'request');

    let framing: H1Framing = 'none';
    if (scan.teCount > 0) {
      if (scan.clCount > 0) throw new H1Error('H1_CL_TE_CONFLICT', 'both Content-Length and Transfer-Encoding', 'request');
      if (!v11) throw new H1Error('H1_TE_IN_HTTP10', 'Transfer-Encoding in an HTTP/1.0 request', 'request');
      if (scan.teCount !== 1 || !scan.teChunked) throw new H1Error('H1_UNSUPPORTED_TE', 'Transfer-Encoding other than exactly "chunked"', 'request');
      framing = 'chunked';
    } else if (scan.clCount > 0) {
      framing = 'content-length';
    }

    let upgrade: boolean;
    if (method === 'CONNECT') {
      // RFC 9110 §9.3.6: a CONNECT request has no content.
      if (framing === 'chunked' || scan.contentLength > 0) throw new H1Error('H1_BODY_NOT_ALLOWED', 'CONNECT with a body', 'request');
      framing = 'none';
      upgrade = true;
    } else {
      // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
      upgrade = v11 && scan.connUpgrade && scan.hasUpgrade;
    }
    const keepAlive = v11 ? !scan.connClose : scan.connKeepAlive && !scan.connClose;

    const head = new H1RequestHead(
      method,
      target,
      version,
      headers,
      headBytes,
      framing,
      scan.contentLength,
      keepAlive,
      upgrade,
      v11 && scan.expectContinue,
    );
    const hasBody = this.beginBody(framing, scan.contentLength, upgrade ? AFTER_TUNNEL : keepAlive ? AFTER_IDLE : AFTER_CLOSE);
    this.handler.onRequestHead(head);
    if (!hasBody) this.messageDone();
  }
}

/** A request line that ends early is a bad line; anything else gets `code`. */
function lineError(s: string, i: number, code: H1ErrorCode, what: string): H1Error {
  if (i >= s.length || (s.charCodeAt(i) === CR && s.charCodeAt(i + 1) === LF) || s.charCodeAt(i) === SP) {
    return new H1Error('H1_BAD_REQUEST_LINE', `malformed request line at byte ${i}`, 'request');
  }
  return charError(s, i, code, what, 'request');
}

/** `HTTP/d.d` other than 1.0 and 1.1 is well-formed but unsupported (505). */
function versionError(s: string, i: number): H1Error {
  const d = (k: number) => {
    const c = s.charCodeAt(i + k);
    return c >= 0x30 && c <= 0x39;
  };
  if (s.startsWith('HTTP/', i) && d(5) && s.charCodeAt(i + 6) === 0x2e && d(7) && s.charCodeAt(i + 8) === CR) {
    return new H1Error('H1_UNSUPPORTED_VERSION', `HTTP version ${s.slice(i + 5, i + 8)} not supported`, 'request');
  }
  return lineError(s, i, 'H1_BAD_VERSION', 'malformed HTTP-version');
}

/**
 * The four request-target forms (RFC 9112 §3.2): origin-form for most
 * requests, absolute-form (scheme "://"), authority-form (host:port) only for
 * CONNECT, asterisk-form only for OPTIONS.
 */
function checkTargetForm(method: string, t: string): void {
  const c0 = t.charCodeAt(0);
  if (method === 'CONNECT') {
    const colon = t.lastIndexOf(':');
    let ok = colon > 0 && colon < t.length - 1;
    for (let j = 0; ok && j < t.length; j++) {
      const c = t.charCodeAt(j);
      ok = j > colon ? c >= 0x30 && c <= 0x39 : HOST_CHAR[c] === 1;
    }
    if (!ok) throw new H1Error('H1_BAD_TARGET', 'CONNECT target must be host:port', 'request');
    return;
  }
  if (c0 === 0x2f) return; // '/'
  if (c0 === 0x2a && t.length === 1) {
    if (method !== 'OPTIONS') throw new H1Error('H1_BAD_TARGET', '"*" target is only for OPTIONS', 'request');
    return;
  }
  // absolute-form: only the http and https schemes mean anything to a proxy.
  let j: number;
  if (startsWithIgnoreCase(t, 'http://')) j = 7;
  else if (startsWithIgnoreCase(t, 'https://')) j = 8;
  else throw new H1Error('H1_BAD_TARGET', 'request-target is not origin-form or an http(s) absolute-form', 'request');
  // authority = host [":" port]; userinfo is refused (RFC 9110 §4.2.4), an empty host too (§4.2.1).
  const authStart = j;
  for (; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 0x2f || c === 0x3f) break; // '/', '?'
    if (HOST_CHAR[c] !== 1) throw new H1Error('H1_BAD_TARGET', 'invalid byte in the authority of an absolute-form target', 'request');
  }
  if (j === authStart || t.charCodeAt(authStart) === 0x3a) throw new H1Error('H1_BAD_TARGET', 'absolute-form target without a host', 'request');
}

function startsWithIgnoreCase(t: string, prefix: string): boolean {
  if (t.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if ((t.charCodeAt(k) | 0x20) !== prefix.charCodeAt(k) && t.charCodeAt(k) !== prefix.charCodeAt(k)) return false;
  return true;
}
