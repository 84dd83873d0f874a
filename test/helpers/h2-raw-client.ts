// A raw HTTP/2 (h2c prior knowledge) client that writes frames byte by byte,
// for what node:http2's client refuses to send: header fields RFC 9113
// forbids, WINDOW_UPDATE 0, HEADERS and RST_STREAM back to back.
// HPACK is written as literal fields without indexing or Huffman coding.
import net from 'node:net';
import { within } from './http-test-kit.js';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;
export const H2_ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, CANCEL: 8, ENHANCE_YOUR_CALM: 11 } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** One frame's bytes. */
export function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
function hpackInt(n: number, prefixBits: number, first = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (n < max) return [first | n];
  const out = [first | max];
  n -= max;
  while (n >= 128) {
    out.push((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A header block of literal fields without indexing (RFC 7541 §6.2.2), names and values as given. */
export function headerBlock(fields: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    const n = Buffer.from(name, 'latin1');
    const v = Buffer.from(value, 'latin1');
    parts.push(Buffer.from([0x00, ...hpackInt(n.length, 7)]), n, Buffer.from(hpackInt(v.length, 7)), v);
  }
  return Buffer.concat(parts);
}

/** A request's pseudo-headers for `path`, followed by `extra` fields. */
export function requestFields(path: string, extra: [string, string][] = [], method = 'GET'): [string, string][] {
  return [[':method', method], [':scheme', 'http'], [':authority', 'h2.test'], [':path', path], ...extra];
}

export interface RawH2 {
  socket: net.Socket;
  frames: Frame[];
  /** Resolves once a received frame satisfies `pred`. */
  waitFrame(pred: (f: Frame) => boolean, ms?: number, what?: string): Promise<Frame>;
  /** Resolves when the proxy closes the connection. */
  closed(ms?: number): Promise<void>;
  isClosed(): boolean;
  write(b: Buffer): boolean;
  destroy(): void;
}

/** Connects and sends the preface and an empty SETTINGS; ACKs the server's SETTINGS. */
export async function rawH2Connect(port: number): Promise<RawH2> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  socket.on('error', () => undefined);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let buf: Buffer = Buffer.alloc(0);
  let isClosed = false;
  socket.on('data', (c: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      const f: Frame = { type: buf[3]!, flags: buf[4]!, stream: buf.readUInt32BE(5) & 0x7fffffff, payload: buf.subarray(9, 9 + len) };
      buf = buf.subarray(9 + len);
      frames.push(f);
      if (f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK) && !socket.destroyed) socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
    }
    for (const w of [...waiters]) w();
  });
  socket.on('close', () => {
    isClosed = true;
    for (const w of [...waiters]) w();
  });
  socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
  const wait = <T>(check: () => T | undefined, ms: number, what: string): Promise<T> =>
    within(new Promise<T>((res, rej) => {
      const w = () => {
        const v = check();
        if (v !== undefined) {
          waiters.delete(w);
          res(v);
        } else if (isClosed) {
          waiters.delete(w);
          rej(new Error(`connection closed before ${what}`));
        }
      };
      waiters.add(w);
      w();
    }), ms, what);
  return {
    socket,
    frames,
    waitFrame: (pred, ms = 3000, what = 'a frame') => wait(() => frames.find(pred), ms, what),
    closed: (ms = 3000) => within(new Promise<void>((res) => {
      const w = () => {
        if (isClosed) {
          waiters.delete(w);
          res();
        }
      };
      waiters.add(w);
      w();
    }), ms, 'the proxy to close the connection'),
    isClosed: () => isClosed,
    write: (b) => socket.write(b),
    destroy: () => socket.destroy(),
  };
}
