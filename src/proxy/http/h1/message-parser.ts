// The incremental machinery both parsers share: finding the end of a head in a
// stream split at any byte, body framing (content-length, chunked with
// extensions and trailers, close-delimited), pipelining, pause/resume, tunnel
// hand-off and EOF. Subclasses only parse their start line and pick framing.
//
// Speed: a head that arrives whole in one chunk (the usual case) is found with
// one native `indexOf` and decoded with one latin1 `toString`; only a head split
// across chunks is scanned byte by byte, and then only the new bytes (no
// quadratic re-scan). Bodies are delivered as views of the input chunks.

import { HeaderMap } from '../headers.js';
import { CR, FIELD_VALUE, LF, QDTEXT, TCHAR } from './chars.js';
import {
  DEFAULT_MAX_CHUNK_EXTENSION_BYTES,
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADERS,
  MAX_CHUNK_SIZE_DIGITS,
  type H1ParserOptions,
} from './defaults.js';
import { H1Error, type H1Side } from './errors.js';
import { parseFieldLines } from './field-lines.js';

/** How a message's body is delimited (RFC 9112 §6). */
export type H1Framing = 'none' | 'content-length' | 'chunked' | 'close-delimited';

/** HTTP versions the codec speaks. */
export type H1Version = '1.0' | '1.1';

/** Callbacks common to request and response parsing. */
export interface H1MessageSink {
  /**
   * A piece of decoded body (chunk framing removed). It is a view of the input
   * chunk, not a copy; it stays valid as long as the caller does not reuse the
   * input Buffer.
   */
  onBody(chunk: Buffer): void;
  /** Trailer fields of a chunked message that had any; comes before onMessageComplete. */
  onTrailers(trailers: HeaderMap): void;
  /** The message (head and body) is complete; the next one may follow at once. */
  onMessageComplete(): void;
}

// Parser states.
const S_IDLE = 0;
const S_IDLE_CR = 1;
const S_HEAD = 2;
const S_BODY_CL = 3;
const S_CHUNK_LINE = 4;
const S_CHUNK_DATA = 5;
const S_CHUNK_DATA_CR = 6;
const S_CHUNK_DATA_LF = 7;
const S_TRAILERS = 8;
const S_BODY_EOF = 9;
const S_NO_BODY = 10;
const S_TUNNEL = 11;
const S_ERROR = 12;

// Chunk-line sub-states.
const C_SIZE = 0;
const C_EXT_NAME_START = 1;
const C_EXT_NAME = 2;
const C_EXT_VALUE_START = 3;
const C_EXT_TOKEN = 4;
const C_EXT_QUOTED = 5;
const C_EXT_ESCAPE = 6;
const C_EXT_QUOTED_END = 7;
const C_LF = 8;

/** What happens after a message completes. */
export const AFTER_IDLE = 0;
/** The message ended the connection: only CRLF may follow. */
export const AFTER_CLOSE = 1;
/** The connection becomes a raw tunnel (upgrade, CONNECT, 101). */
export const AFTER_TUNNEL = 2;
export type H1After = typeof AFTER_IDLE | typeof AFTER_CLOSE | typeof AFTER_TUNNEL;

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
const SEMI = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

const HEX = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

export abstract class H1MessageParser {
  protected state = S_IDLE;
  protected readonly side: H1Side;
  protected readonly maxHeaderBytes: number;
  protected readonly maxHeaders: number;
  private readonly maxChunkExtensionBytes: number;
  private readonly sink: H1MessageSink;

  // Head or trailer section split across chunks.
  private pieces: Buffer[] = [];
  private sectionLen = 0;
  private lineLen = 0;
  private sawCR = false;

  // Body.
  private remaining = 0;
  private chunkState = C_SIZE;
  private chunkSize = 0;
  private chunkDigits = 0;
  private extBytes = 0;
  private after: H1After = AFTER_IDLE;
  private closed = false;

  // Flow control.
  private paused = false;
  private running = false;
  private stash: Buffer | undefined;
  private eofPending = false;
  private failure: unknown;

  protected constructor(sink: H1MessageSink, side: H1Side, options: H1ParserOptions | undefined) {
    this.sink = sink;
    this.side = side;
    this.maxHeaderBytes = options?.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxHeaders = options?.maxHeaders ?? DEFAULT_MAX_HEADERS;
    this.maxChunkExtensionBytes = options?.maxChunkExtensionBytes ?? DEFAULT_MAX_CHUNK_EXTENSION_BYTES;
  }

  /**
   * Parses a head decoded as latin1 (`s` ends with the empty line) and calls
   * `beginBody` or sets the state itself. Throws H1Error on any violation.
   */
  protected abstract headComplete(s: string, headBytes: number): void;

  /** Called when the first byte of a new message arrives; may throw. */
  protected abstract beforeMessage(): void;

  /**
   * Feeds bytes. Callbacks run synchronously. Returns undefined normally; once
   * the connection turns into a tunnel (after an upgrade or CONNECT message, or
   * a 101 / 2xx-to-CONNECT response) returns the bytes that follow the message
   * (possibly empty), and from then on returns every chunk unchanged.
   * Throws H1Error on a protocol violation; the parser is dead afterwards.
   */
  execute(chunk: Buffer): Buffer | undefined {
    if (this.state === S_TUNNEL) return chunk;
    if (this.failure !== undefined) throw this.failure;
    if (this.running) throw new Error('H1 parser: execute() called from inside a callback');
    if (this.paused) {
      this.stash = this.stash === undefined ? chunk : Buffer.concat([this.stash, chunk]);
      return undefined;
    }
    this.running = true;
    try {
      return this.run(chunk, 0);
    } catch (e) {
      this.failure = e;
      this.state = S_ERROR;
      throw e;
    } finally {
      this.running = false;
    }
  }

  /**
   * Stops parsing after the current callback; later input is kept, not parsed.
   * For pipelining: pause in onMessageComplete, resume when the response is out.
   */
  pause(): void {
    this.paused = true;
  }

  /** Parses what arrived while paused; same return and throws as `execute`. */
  resume(): Buffer | undefined {
    this.paused = false;
    if (this.running) return undefined;
    const stash = this.stash;
    this.stash = undefined;
    const out = stash === undefined ? undefined : this.execute(stash);
    if (this.eofPending && !this.paused) {
      this.eofPending = false;
      this.finish();
    }
    return out;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes kept unparsed while paused (pipelined input waiting its turn). */
  get bufferedBytes(): number {
    return this.stash === undefined ? 0 : this.stash.length;
  }

  /** True between messages: nothing of a next message has arrived. */
  get isIdle(): boolean {
    return (this.state === S_IDLE || this.state === S_IDLE_CR) && this.stash === undefined;
  }

  /** True once the connection turned into a raw tunnel. */
  get isTunnel(): boolean {
    return this.state === S_TUNNEL;
  }

  /**
   * The peer closed its side. Completes a close-delimited body; throws
   * H1_INCOMPLETE_MESSAGE if a message was cut short. If paused with input
   * kept, the check runs when `resume` has parsed it.
   */
  finish(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.paused && this.stash !== undefined) {
      this.eofPending = true;
      return;
    }
    switch (this.state) {
      case S_IDLE:
      case S_IDLE_CR:
      case S_TUNNEL:
        return;
      case S_BODY_EOF:
        this.messageDone();
        return;
      default: {
        const e = new H1Error('H1_INCOMPLETE_MESSAGE', 'connection closed in the middle of a message', this.side);
        this.failure = e;
        this.state = S_ERROR;
        throw e;
      }
    }
  }

  /** Sets up the body after a head; the caller then delivers the head and, if there is no body, calls messageDone. */
  protected beginBody(framing: H1Framing, contentLength: number, after: H1After): boolean {
    this.after = after;
    switch (framing) {
      case 'content-length':
        if (contentLength === 0) break;
        this.state = S_BODY_CL;
        this.remaining = contentLength;
        return true;
      case 'chunked':
        this.state = S_CHUNK_LINE;
        this.resetChunkLine();
        this.extBytes = 0;
        return true;
      case 'close-delimited':
        this.state = S_BODY_EOF;
        return true;
      case 'none':
        break;
    }
    this.state = S_NO_BODY;
    return false;
  }

  /** Back to waiting for a message without completing one (after a 1xx response). */
  protected toIdle(): void {
    this.state = S_IDLE;
  }

  protected messageDone(): void {
    const after = this.after;
    if (after === AFTER_TUNNEL) this.state = S_TUNNEL;
    else {
      this.state = S_IDLE;
      if (after === AFTER_CLOSE) this.closed = true;
    }
    this.sink.onMessageComplete();
  }

  private fail(code: 'H1_BAD_CHUNK' | 'H1_BARE_LF' | 'H1_BARE_CR' | 'H1_DATA_AFTER_CLOSE', detail: string): never {
    throw new H1Error(code, detail, this.side);
  }

  private run(chunk: Buffer, pos: number): Buffer | undefined {
    const len = chunk.length;
    while (pos < len) {
      if (this.state === S_TUNNEL) return chunk.subarray(pos);
      if (this.paused) {
        this.stash = pos === 0 ? chunk : chunk.subarray(pos);
        return undefined;
      }
      switch (this.state) {
        case S_IDLE: {
          const c = chunk[pos]!;
          // RFC 9112 §2.2: empty lines before a start line are ignored.
          if (c === CR) {
            this.state = S_IDLE_CR;
            pos++;
            break;
          }
          if (c === LF) this.fail('H1_BARE_LF', 'LF without CR between messages');
          if (this.closed) this.fail('H1_DATA_AFTER_CLOSE', 'bytes after a message that closes the connection');
          this.beforeMessage();
          this.state = S_HEAD;
          pos = this.readHead(chunk, pos);
          break;
        }
        case S_IDLE_CR:
          if (chunk[pos] !== LF) this.fail('H1_BARE_CR', 'CR without LF between messages');
          this.state = S_IDLE;
          pos++;
          break;
        case S_HEAD:
          pos = this.readHead(chunk, pos);
          break;
        case S_BODY_CL: {
          const avail = len - pos;
          if (avail < this.remaining) {
            this.remaining -= avail;
            this.sink.onBody(pos === 0 ? chunk : chunk.subarray(pos));
            pos = len;
          } else {
            const end = pos + this.remaining;
            this.remaining = 0;
            this.sink.onBody(chunk.subarray(pos, end));
            pos = end;
            this.messageDone();
          }
          break;
        }
        case S_CHUNK_LINE:
          pos = this.readChunkLine(chunk, pos);
          break;
        case S_CHUNK_DATA: {
          const avail = len - pos;
          if (avail < this.remaining) {
            this.remaining -= avail;
            this.sink.onBody(pos === 0 ? chunk : chunk.subarray(pos));
            pos = len;
          } else {
            const end = pos + this.remaining;
            this.remaining = 0;
            this.state = S_CHUNK_DATA_CR;
            this.sink.onBody(chunk.subarray(pos, end));
            pos = end;
          }
          break;
        }
        case S_CHUNK_DATA_CR:
          if (chunk[pos] !== CR) this.fail('H1_BAD_CHUNK', 'chunk data not followed by CRLF');
          this.state = S_CHUNK_DATA_LF;
          pos++;
          break;
        case S_CHUNK_DATA_LF:
          if (chunk[pos] !== LF) this.fail('H1_BAD_CHUNK', 'chunk data not followed by CRLF');
          this.state = S_CHUNK_LINE;
          this.resetChunkLine();
          pos++;
          break;
        case S_TRAILERS:
          pos = this.readTrailers(chunk, pos);
          break;
        case S_BODY_EOF:
          this.sink.onBody(pos === 0 ? chunk : chunk.subarray(pos));
          pos = len;
          break;
        default:
          throw new Error(`H1 parser: bad state ${this.state}`);
      }
    }
    return this.state === S_TUNNEL ? EMPTY : undefined;
  }

  private readHead(chunk: Buffer, pos: number): number {
    if (this.sectionLen === 0) {
      // Fast path: the whole head is in this chunk.
      const idx = chunk.indexOf(CRLFCRLF, pos);
      if (idx >= 0 && idx + 4 - pos <= this.maxHeaderBytes) return this.completeHead(chunk, pos, idx + 4);
    }
    const end = this.scanSection(chunk, pos);
    return end < 0 ? chunk.length : this.completeHead(chunk, pos, end);
  }

  /**
   * Scans new bytes of a head or trailer section. Returns the index just past
   * the empty line that ends it, or just past the first bad line ending (the
   * string parse then names the first error in order, so any split of the same
   * bytes gives the same error); -1 when it needs more bytes.
   */
  private scanSection(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    const room = this.maxHeaderBytes - this.sectionLen;
    const stop = len - pos < room ? len : pos + room;
    let lineLen = this.lineLen;
    let sawCR = this.sawCR;
    for (let i = pos; i < stop; i++) {
      const c = chunk[i]!;
      if (sawCR) {
        if (c !== LF || lineLen === 1) return i + 1;
        lineLen = 0;
        sawCR = false;
      } else if (c === LF) {
        return i + 1;
      } else {
        sawCR = c === CR;
        lineLen++;
      }
    }
    if (this.sectionLen + (stop - pos) >= this.maxHeaderBytes) {
      throw new H1Error('H1_HEADERS_TOO_LARGE', `header section larger than ${this.maxHeaderBytes} bytes`, this.side);
    }
    this.lineLen = lineLen;
    this.sawCR = sawCR;
    this.pieces.push(pos === 0 ? chunk : chunk.subarray(pos));
    this.sectionLen += len - pos;
    return -1;
  }

  /** Takes the section's bytes (joining split pieces) as one latin1 string. */
  private takeSection(chunk: Buffer, pos: number, end: number): string {
    let s: string;
    if (this.pieces.length === 0) s = chunk.toString('latin1', pos, end);
    else {
      this.pieces.push(chunk.subarray(pos, end));
      s = Buffer.concat(this.pieces).toString('latin1');
      this.pieces = [];
    }
    this.sectionLen = 0;
    this.lineLen = 0;
    this.sawCR = false;
    return s;
  }

  private completeHead(chunk: Buffer, pos: number, end: number): number {
    const s = this.takeSection(chunk, pos, end);
    this.headComplete(s, s.length);
    return end;
  }

  private readTrailers(chunk: Buffer, pos: number): number {
    // Fast path: no trailers, the section is just CRLF.
    if (this.sectionLen === 0 && chunk[pos] === CR && pos + 1 < chunk.length && chunk[pos + 1] === LF) {
      this.messageDone();
      return pos + 2;
    }
    const end = this.scanSection(chunk, pos);
    if (end < 0) return chunk.length;
    const s = this.takeSection(chunk, pos, end);
    const trailers = new HeaderMap();
    parseFieldLines(s, 0, trailers, null, this.maxHeaders, this.side);
    if (trailers.size > 0) this.sink.onTrailers(trailers);
    this.messageDone();
    return end;
  }

  private resetChunkLine(): void {
    this.chunkState = C_SIZE;
    this.chunkSize = 0;
    this.chunkDigits = 0;
  }

  /**
   * chunk-size [chunk-ext] CRLF (RFC 9112 §7.1). No whitespace anywhere, as in
   * Node's strict parser; extensions are validated (token or quoted-string
   * values) and skipped.
   */
  private readChunkLine(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    let st = this.chunkState;
    let size = this.chunkSize;
    let digits = this.chunkDigits;
    let ext = this.extBytes;
    for (let i = pos; i < len; i++) {
      const c = chunk[i]!;
      switch (st) {
        case C_SIZE: {
          const h = HEX[c]!;
          if (h !== 255) {
            size = size * 16 + h;
            if (++digits > MAX_CHUNK_SIZE_DIGITS || size > Number.MAX_SAFE_INTEGER) this.fail('H1_BAD_CHUNK', 'chunk size too large');
            continue;
          }
          if (digits === 0) this.fail('H1_BAD_CHUNK', 'chunk size is not a hex number');
          if (c === CR) st = C_LF;
          else if (c === SEMI) st = C_EXT_NAME_START;
          else this.fail('H1_BAD_CHUNK', 'invalid byte after chunk size');
          break;
        }
        case C_EXT_NAME_START:
          if (TCHAR[c] === 0) this.fail('H1_BAD_CHUNK', 'invalid chunk extension name');
          st = C_EXT_NAME;
          break;
        case C_EXT_NAME:
          if (TCHAR[c] !== 0) break;
          if (c === EQUALS) st = C_EXT_VALUE_START;
          else if (c === SEMI) st = C_EXT_NAME_START;
          else if (c === CR) st = C_LF;
          else this.fail('H1_BAD_CHUNK', 'invalid byte in chunk extension');
          break;
        case C_EXT_VALUE_START:
          if (c === DQUOTE) st = C_EXT_QUOTED;
          else if (TCHAR[c] !== 0) st = C_EXT_TOKEN;
          else this.fail('H1_BAD_CHUNK', 'invalid chunk extension value');
          break;
        case C_EXT_TOKEN:
          if (TCHAR[c] !== 0) break;
          if (c === SEMI) st = C_EXT_NAME_START;
          else if (c === CR) st = C_LF;
          else this.fail('H1_BAD_CHUNK', 'invalid byte in chunk extension value');
          break;
        case C_EXT_QUOTED:
          if (c === DQUOTE) st = C_EXT_QUOTED_END;
          else if (c === BACKSLASH) st = C_EXT_ESCAPE;
          else if (QDTEXT[c] === 0) this.fail('H1_BAD_CHUNK', 'invalid byte in quoted chunk extension');
          break;
        case C_EXT_ESCAPE:
          if (FIELD_VALUE[c] === 0) this.fail('H1_BAD_CHUNK', 'invalid escaped byte in chunk extension');
          st = C_EXT_QUOTED;
          break;
        case C_EXT_QUOTED_END:
          if (c === SEMI) st = C_EXT_NAME_START;
          else if (c === CR) st = C_LF;
          else this.fail('H1_BAD_CHUNK', 'invalid byte after quoted chunk extension');
          break;
        case C_LF:
          if (c !== LF) this.fail('H1_BAD_CHUNK', 'chunk size line not ended by CRLF');
          this.extBytes = ext;
          if (size === 0) {
            this.state = S_TRAILERS;
          } else {
            this.state = S_CHUNK_DATA;
            this.remaining = size;
          }
          return i + 1;
      }
      if (st !== C_LF && ++ext > this.maxChunkExtensionBytes) this.fail('H1_BAD_CHUNK', 'too many chunk extension bytes');
    }
    this.chunkState = st;
    this.chunkSize = size;
    this.chunkDigits = digits;
    this.extBytes = ext;
    return len;
  }
}
