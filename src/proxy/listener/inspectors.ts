// Listener filters that look at a connection's first bytes without consuming
// them: tls_inspector (SNI and ALPN from the ClientHello) and http_inspector
// (HTTP/1.x or h2c prior knowledge).

export interface TlsHello {
  serverName: string;
  alpn: string[];
}

/** Whether `b` starts like a TLS handshake record. */
export function looksLikeTls(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04;
}

/**
 * Parses a ClientHello far enough for SNI and ALPN. Returns undefined when
 * more bytes are needed, null when it is not a parseable ClientHello.
 */
export function parseClientHello(b: Buffer): TlsHello | undefined | null {
  if (b.length < 5) return undefined;
  if (!looksLikeTls(b)) return null;
  const recLen = b.readUInt16BE(3);
  if (b.length < 5 + recLen) return recLen > 16384 ? null : undefined;
  let p = 5;
  if (b[p] !== 0x01) return null; // handshake type ClientHello
  const hsLen = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  p += 4;
  const end = Math.min(5 + recLen, p + hsLen);
  try {
    p += 2 + 32; // version, random
    p += 1 + b[p]!; // session id
    p += 2 + b.readUInt16BE(p); // cipher suites
    p += 1 + b[p]!; // compression methods
    const out: TlsHello = { serverName: '', alpn: [] };
    if (p + 2 > end) return out;
    const extEnd = p + 2 + b.readUInt16BE(p);
    p += 2;
    while (p + 4 <= Math.min(extEnd, end)) {
      const type = b.readUInt16BE(p);
      const len = b.readUInt16BE(p + 2);
      const body = p + 4;
      if (type === 0 && len >= 5) {
        // server_name list: first host_name entry
        const nameLen = b.readUInt16BE(body + 3);
        if (b[body + 2] === 0) out.serverName = b.toString('latin1', body + 5, body + 5 + nameLen).toLowerCase();
      } else if (type === 16 && len >= 2) {
        let q = body + 2;
        const listEnd = body + 2 + b.readUInt16BE(body);
        while (q < listEnd) {
          const l = b[q]!;
          out.alpn.push(b.toString('latin1', q + 1, q + 1 + l));
          q += 1 + l;
        }
      }
      p = body + len;
    }
    return out;
  } catch {
    return null;
  }
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** 'h2c', 'http/1.1', 'http/1.0', undefined (need more bytes) or null (not HTTP). */
export function detectHttp(b: Buffer): string | undefined | null {
  const n = Math.min(b.length, H2_PREFACE.length);
  if (b.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return n === H2_PREFACE.length ? 'h2c' : undefined;
  const eol = b.indexOf(0x0a);
  if (eol < 0) return b.length > 8192 ? null : undefined;
  const line = b.toString('latin1', 0, eol).trimEnd();
  if (line.endsWith(' HTTP/1.1')) return 'http/1.1';
  if (line.endsWith(' HTTP/1.0')) return 'http/1.0';
  return null;
}

/** True once `b` can be told apart from the HTTP/2 preface. */
export function isH2Preface(b: Buffer): boolean | undefined {
  const n = Math.min(b.length, H2_PREFACE.length);
  if (!b.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return false;
  return n === H2_PREFACE.length ? true : undefined;
}
