// Incremental reader of HTTP/1.1 responses on a keep-alive connection, just
// enough for a load generator: status line, Content-Length or chunked bodies,
// pipelined bytes kept for the next response. It does not validate headers
// beyond what framing needs; the load generator trusts its peer's syntax.

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Outcome of feeding bytes: responses completed, or a framing error. */
export interface ReadResult {
  /** Status codes of responses completed by these bytes, in order. */
  statuses: number[];
  /** Set when the stream cannot be framed; the connection must be closed. */
  error?: string;
}

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers';

/** One per connection; feed() it every chunk the socket reads. */
export class Http1ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = 'head';
  private remaining = 0;
  private status = 0;

  /** Consumes bytes; returns the statuses of responses they complete. */
  feed(chunk: Buffer): ReadResult {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const statuses: number[] = [];
    for (;;) {
      if (this.state === 'head') {
        const end = this.buf.indexOf(CRLFCRLF);
        if (end < 0) {
          if (this.buf.length > 65536) return { statuses, error: 'response head over 64 KiB' };
          break;
        }
        const head = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end + 4);
        const parsed = parseHead(head);
        if (typeof parsed === 'string') return { statuses, error: parsed };
        this.status = parsed.status;
        if (parsed.chunked) {
          this.state = 'chunk-size';
        } else if (parsed.length > 0) {
          this.remaining = parsed.length;
          this.state = 'body';
        } else {
          statuses.push(this.status);
        }
      } else if (this.state === 'body') {
        const take = Math.min(this.remaining, this.buf.length);
        this.remaining -= take;
        this.buf = this.buf.subarray(take);
        if (this.remaining > 0) break;
        this.state = 'head';
        statuses.push(this.status);
      } else if (this.state === 'chunk-size') {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(this.buf.toString('latin1', 0, eol).split(';')[0], 16);
        if (!Number.isFinite(size) || size < 0) return { statuses, error: 'bad chunk size' };
        this.buf = this.buf.subarray(eol + 2);
        if (size === 0) {
          this.state = 'trailers';
        } else {
          this.remaining = size;
          this.state = 'chunk-data';
        }
      } else if (this.state === 'chunk-data') {
        const take = Math.min(this.remaining, this.buf.length);
        this.remaining -= take;
        this.buf = this.buf.subarray(take);
        if (this.remaining > 0) break;
        this.state = 'chunk-crlf';
      } else if (this.state === 'chunk-crlf') {
        if (this.buf.length < 2) break;
        this.buf = this.buf.subarray(2);
        this.state = 'chunk-size';
      } else {
        // trailers: lines until an empty one
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) break;
        this.buf = this.buf.subarray(eol + 2);
        if (eol === 0) {
          this.state = 'head';
          statuses.push(this.status);
        }
      }
    }
    return { statuses };
  }
}

function parseHead(head: string): { status: number; length: number; chunked: boolean } | string {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) return `bad status line ${JSON.stringify(lines[0].slice(0, 80))}`;
  const status = Number(m[1]);
  let length = -1;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon < 0) continue;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) chunked = true;
  }
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, length: 0, chunked: false };
  if (!chunked && length < 0) return 'response without Content-Length or chunked framing';
  if (!chunked && !Number.isSafeInteger(length)) return 'bad Content-Length';
  return { status, length: chunked ? 0 : length, chunked };
}
