// A small DER reader: walks TLVs in place (no copies), enough to read PKCS#10
// requests and the few certificate fields the CA needs (names as raw bytes,
// validity, key identifiers, SANs). Anything malformed throws DerError; the
// callers turn it into a stable error code.
import { DER_TAG } from './der-writer.js';

export class DerError extends Error {
  readonly code = 'WEFT_DER_MALFORMED';
}

/** One TLV inside `buf`: the tag, where its header starts, where its content starts and ends. */
export interface DerNode {
  readonly buf: Buffer;
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the TLV at `pos`, which must end by `limit`. */
export function readTlv(buf: Buffer, pos: number, limit = buf.length): DerNode {
  if (pos + 2 > limit) throw new DerError(`truncated DER at offset ${pos}`);
  const tag = buf[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tags are not supported (offset ${pos})`);
  let p = pos + 1;
  let len = buf[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError(`bad length at offset ${pos}`);
    if (p + n > limit) throw new DerError(`truncated length at offset ${pos}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
    if (len < 0x80 || (n > 1 && buf[p - n] === 0)) throw new DerError(`non-minimal length at offset ${pos}`);
  }
  if (p + len > limit) throw new DerError(`content overruns its container at offset ${pos}`);
  return { buf, tag, start: pos, contentStart: p, end: p + len };
}

/** The single TLV that makes up `buf`; trailing bytes are an error. */
export function readRoot(buf: Buffer): DerNode {
  const n = readTlv(buf, 0);
  if (n.end !== buf.length) throw new DerError('trailing bytes after DER value');
  return n;
}

/** The children of a constructed node, in order. */
export function derChildren(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new DerError(`tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let p = node.contentStart; p < node.end;) {
    const c = readTlv(node.buf, p, node.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what} is missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** The whole TLV's bytes (header included), without copying. */
export const derRaw = (n: DerNode): Buffer => n.buf.subarray(n.start, n.end);
/** The content bytes, without copying. */
export const derContent = (n: DerNode): Buffer => n.buf.subarray(n.contentStart, n.end);

/** Whether `node` is the OBJECT IDENTIFIER whose whole DER is `oid` (compared as bytes: no string is built). */
export function derOidIs(node: DerNode | undefined, oid: Buffer): boolean {
  return node !== undefined && node.end - node.start === oid.length && node.buf.compare(oid, 0, oid.length, node.start, node.end) === 0;
}

/** An OBJECT IDENTIFIER's dotted form. */
export function derOidString(n: DerNode): string {
  expectTag(n, DER_TAG.oid, 'object identifier');
  const b = derContent(n);
  if (b.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (arcs.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(first, v - first * 40);
      } else {
        arcs.push(v);
      }
      v = 0;
    } else if (i === b.length - 1) {
      throw new DerError('truncated object identifier');
    }
  }
  return arcs.join('.');
}

/** The bytes of a BIT STRING with no unused bits (keys, signatures). */
export function derBitStringBytes(n: DerNode, what: string): Buffer {
  expectTag(n, DER_TAG.bitString, what);
  const c = derContent(n);
  if (c.length === 0 || c[0] !== 0) throw new DerError(`${what}: bit string with unused bits`);
  return c.subarray(1);
}

/** A BOOLEAN (DER: 0x00 or 0xff). */
export function derBooleanValue(n: DerNode): boolean {
  expectTag(n, DER_TAG.boolean, 'boolean');
  const c = derContent(n);
  if (c.length !== 1) throw new DerError('boolean of wrong length');
  return c[0] !== 0;
}

/** A UTCTime or GeneralizedTime (whole seconds, `Z`) as epoch milliseconds. */
export function derTimeValue(n: DerNode): number {
  const s = derContent(n).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (n.tag === DER_TAG.utcTime && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (n.tag === DER_TAG.generalizedTime && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`bad time value "${s}"`);
  }
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
