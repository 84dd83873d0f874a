// PEM (RFC 7468) in and out: the CA's files and the gRPC API carry PEM text.

/** `der` as one PEM block with 64-character lines and a trailing newline. */
export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/**
 * The DER of the one block labelled `label` in `text`, found with indexOf (the
 * CSR hot path: regular expressions over the whole text showed in profiles).
 * Undefined unless there is exactly one such block. Bad base64 is not caught
 * here; the DER decoder that follows refuses what it produces.
 */
export function pemDecodeOne(text: string, label: string): Buffer | undefined {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const b = text.indexOf(begin);
  if (b < 0) return undefined;
  const e = text.indexOf(end, b + begin.length);
  if (e < 0 || text.indexOf(begin, e) >= 0) return undefined;
  const der = Buffer.from(text.slice(b + begin.length, e), 'base64');
  return der.length ? der : undefined;
}

/**
 * The DER of every block labelled `label` (others are skipped; text between
 * blocks is allowed, as openssl writes it). Throws RangeError on bad base64.
 */
export function pemDecodeAll(text: string, label: string | readonly string[]): Buffer[] {
  const labels = typeof label === 'string' ? [label] : label;
  const out: Buffer[] = [];
  for (const m of text.matchAll(BLOCK)) {
    if (!labels.includes(m[1])) continue;
    if (!BASE64.test(m[2])) throw new RangeError(`PEM block ${m[1]} is not base64`);
    const der = Buffer.from(m[2], 'base64');
    if (der.length === 0) throw new RangeError(`PEM block ${m[1]} is empty`);
    out.push(der);
  }
  return out;
}

/** Each PEM block in `text` (any label), re-encoded one per string, for splitting concatenated chains. */
export function splitPemCertificates(text: string): string[] {
  return pemDecodeAll(text, 'CERTIFICATE').map((d) => pemEncode('CERTIFICATE', d));
}
