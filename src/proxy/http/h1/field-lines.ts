// Field-line parsing shared by request heads, response heads and trailers.
// Input is the head decoded once as latin1, so every byte is one UTF-16 unit
// and parsing is index arithmetic: one `slice` per name and per value, no regex.

import type { HeaderMap } from '../headers.js';
import { CR, HOST_CHAR, HTAB, LF, SP, TCHAR, COLON } from './chars.js';
import { H1Error, type H1ErrorCode, type H1Side } from './errors.js';

/**
 * What the framing and connection logic needs from the fields, gathered while
 * they are parsed so nothing is looked up twice. One instance per parser,
 * reset per message.
 */
export class FieldScan {
  contentLength = -1;
  clCount = 0;
  teCount = 0;
  /** Only meaningful when teCount === 1: the value was exactly `chunked`. */
  teChunked = false;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  hasUpgrade = false;
  hostCount = 0;
  expectContinue = false;

  reset(): void {
    this.contentLength = -1;
    this.clCount = 0;
    this.teCount = 0;
    this.teChunked = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.hasUpgrade = false;
    this.hostCount = 0;
    this.expectContinue = false;
  }
}

/**
 * Error for the byte at `i` that no rule accepted. A stray LF or CR gets its own
 * code whatever the context, so the same bytes give the same code however the
 * stream was split.
 */
export function charError(s: string, i: number, code: H1ErrorCode, what: string, side: H1Side): H1Error {
  const c = s.charCodeAt(i);
  if (c === LF) return new H1Error('H1_BARE_LF', `LF without CR at byte ${i}`, side);
  if (c === CR && s.charCodeAt(i + 1) !== LF) return new H1Error('H1_BARE_CR', `CR without LF at byte ${i}`, side);
  return new H1Error(code, `${what} at byte ${i}`, side);
}

/**
 * Parses field lines from `i` up to and including the empty line that ends the
 * section, adding each to `out` (names lower-cased, values without OWS).
 * Returns the index after the section. `scan` (null for trailers) collects the
 * framing fields.
 */
export function parseFieldLines(
  s: string,
  i: number,
  out: HeaderMap,
  scan: FieldScan | null,
  maxFields: number,
  side: H1Side,
): number {
  const n = s.length;
  let count = 0;
  for (;;) {
    if (i >= n) throw new H1Error('H1_BAD_HEADER_NAME', 'header section ended without an empty line', side);
    let c = s.charCodeAt(i);
    if (c === CR) {
      if (s.charCodeAt(i + 1) !== LF) throw charError(s, i, 'H1_BAD_HEADER_NAME', 'bad line ending', side);
      return i + 2;
    }
    if (c === SP || c === HTAB) throw new H1Error('H1_OBS_FOLD', `field line starting with whitespace (obs-fold) at byte ${i}`, side);
    // name
    const nameStart = i;
    let upper = 0;
    while (i < n) {
      c = s.charCodeAt(i);
      const t = TCHAR[c]!;
      if (t === 0) break;
      upper |= t;
      i++;
    }
    if (c !== COLON || i === nameStart || i >= n) {
      if (i < n && (c === SP || c === HTAB) && i > nameStart) {
        throw new H1Error('H1_WHITESPACE_BEFORE_COLON', `whitespace between field name and colon at byte ${i}`, side);
      }
      throw charError(s, i, 'H1_BAD_HEADER_NAME', i === nameStart ? 'empty field name' : 'invalid field name byte', side);
    }
    let name = s.slice(nameStart, i);
    if (upper & 2) name = name.toLowerCase();
    i++;
    // OWS, value, OWS. The value scan is a compare chain, not a table: it is
    // the hottest loop of the codec. field-vchar = VCHAR / obs-text, plus SP and
    // HTAB inside; charCodeAt past the end is NaN, which stops the loop.
    while ((c = s.charCodeAt(i)) === SP || c === HTAB) i++;
    const valueStart = i;
    while (c >= 0x20 ? c !== 0x7f : c === HTAB) c = s.charCodeAt(++i);
    let valueEnd = i;
    while (valueEnd > valueStart && ((c = s.charCodeAt(valueEnd - 1)) === SP || c === HTAB)) valueEnd--;
    if (s.charCodeAt(i) !== CR || s.charCodeAt(i + 1) !== LF) throw charError(s, i, 'H1_BAD_HEADER_VALUE', `invalid byte in value of ${name}`, side);
    const lineEnd = i;
    i += 2;
    if (++count > maxFields) throw new H1Error('H1_TOO_MANY_HEADERS', `more than ${maxFields} field lines`, side);
    const value = s.slice(valueStart, valueEnd);
    out.add(name, value);
    if (scan !== null) noteField(name, value, scan, side, s, valueStart, valueEnd, lineEnd);
  }
}

function hasTab(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (s.charCodeAt(k) === HTAB) return true;
  return false;
}

/** `s[valueStart, lineEnd)` is the raw value with its trailing OWS (checks run on the flat head string). */
function noteField(
  name: string,
  value: string,
  scan: FieldScan,
  side: H1Side,
  s: string,
  valueStart: number,
  valueEnd: number,
  lineEnd: number,
): void {
  switch (name.length) {
    case 4:
      if (name === 'host') {
        scan.hostCount++;
        for (let j = valueStart; j < valueEnd; j++) {
          if (HOST_CHAR[s.charCodeAt(j)] !== 1) throw new H1Error('H1_BAD_HOST', 'invalid byte in Host', side);
        }
      }
      return;
    case 6:
      if (name === 'expect') scan.expectContinue = value.length === 12 && value.toLowerCase() === '100-continue';
      return;
    case 7:
      if (name === 'upgrade') scan.hasUpgrade = value.length > 0;
      return;
    case 10:
      if (name === 'connection') noteConnection(value, scan);
      return;
    case 14:
      if (name === 'content-length') {
        // Node rejects any repeated Content-Length, even an identical one; so does weft.
        if (scan.clCount++ > 0) throw new H1Error('H1_BAD_CONTENT_LENGTH', 'repeated Content-Length', side);
        // Node refuses a HTAB after the number; so does weft.
        if (lineEnd > valueEnd && hasTab(s, valueEnd, lineEnd)) throw new H1Error('H1_BAD_CONTENT_LENGTH', 'HTAB after Content-Length value', side);
        scan.contentLength = parseContentLength(value, side);
      }
      return;
    case 17:
      if (name === 'transfer-encoding') {
        scan.teCount++;
        scan.teChunked = value.length === 7 && (value === 'chunked' || value.toLowerCase() === 'chunked');
      }
      return;
  }
}

/** 1*DIGIT, at most 2^53-1: anything else is a smuggling risk, not a number. */
function parseContentLength(v: string, side: H1Side): number {
  const n = v.length;
  if (n === 0 || n > 16) throw new H1Error('H1_BAD_CONTENT_LENGTH', `invalid Content-Length "${v.slice(0, 32)}"`, side);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw new H1Error('H1_BAD_CONTENT_LENGTH', `invalid Content-Length "${v}"`, side);
    x = x * 10 + d;
  }
  if (x > Number.MAX_SAFE_INTEGER) throw new H1Error('H1_BAD_CONTENT_LENGTH', `Content-Length too large "${v}"`, side);
  return x;
}

/** Connection options (RFC 9110 §7.6.1): a comma list of case-insensitive tokens. */
function noteConnection(v: string, scan: FieldScan): void {
  // The common values need no allocation.
  if (v === 'keep-alive' || v === 'Keep-Alive') {
    scan.connKeepAlive = true;
    return;
  }
  if (v === 'close' || v === 'Close') {
    scan.connClose = true;
    return;
  }
  const lower = v.toLowerCase();
  let start = 0;
  const n = lower.length;
  while (start <= n) {
    let end = lower.indexOf(',', start);
    if (end < 0) end = n;
    let a = start;
    let b = end;
    while (a < b && (lower.charCodeAt(a) === SP || lower.charCodeAt(a) === HTAB)) a++;
    while (b > a && (lower.charCodeAt(b - 1) === SP || lower.charCodeAt(b - 1) === HTAB)) b--;
    const len = b - a;
    if (len === 5 && lower.startsWith('close', a)) scan.connClose = true;
    else if (len === 10 && lower.startsWith('keep-alive', a)) scan.connKeepAlive = true;
    else if (len === 7 && lower.startsWith('upgrade', a)) scan.connUpgrade = true;
    start = end + 1;
  }
}
