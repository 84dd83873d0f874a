// Byte class tables, built once at load. Parsers index them with
// `charCodeAt` of a latin1 string, so every lookup is one array read.

/** tchar (RFC 9110 §5.6.2): 1 = not an upper-case letter, 2 = upper-case letter. */
export const TCHAR = new Uint8Array(256);
/** field-content bytes (RFC 9110 §5.5): 1 = VCHAR or obs-text, 2 = SP or HTAB. */
export const FIELD_VALUE = new Uint8Array(256);
/**
 * Bytes allowed in a request-target: visible ASCII (no CTL, SP, DEL, non-ASCII)
 * except "#": a fragment is never part of a request-target (RFC 9112 §3.2).
 */
export const TARGET_CHAR = new Uint8Array(256);
/** Bytes allowed in a Host value: uri-host (reg-name, IP literal) and ":" port. */
export const HOST_CHAR = new Uint8Array(256);
/** qdtext and quoted-pair payload bytes for chunk-extension quoted strings. */
export const QDTEXT = new Uint8Array(256);

const TOKEN_SPECIALS = "!#$%&'*+-.^_`|~";
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const digit = c >= 0x30 && c <= 0x39;
  if (alpha || digit || TOKEN_SPECIALS.includes(ch)) TCHAR[c] = c >= 0x41 && c <= 0x5a ? 2 : 1;
  if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) FIELD_VALUE[c] = 1;
  if (c === 0x20 || c === 0x09) FIELD_VALUE[c] = 2;
  if (c >= 0x21 && c <= 0x7e && c !== 0x23) TARGET_CHAR[c] = 1;
  if (alpha || digit || "-._~!$&'()*+,;=%:[]".includes(ch)) HOST_CHAR[c] = 1;
  if (c === 0x09 || c === 0x20 || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80) QDTEXT[c] = 1;
}

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** True when `name` is a valid field name (token); for checking config-supplied headers once. */
export function isValidFieldName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 255 || TCHAR[c] === 0) return false;
  }
  return true;
}

/**
 * True when `value` may be written as a field value: no CTL but HTAB, no
 * leading or trailing whitespace, nothing outside latin1 (serializers write latin1).
 */
export function isValidFieldValue(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 255 || FIELD_VALUE[c] === 0) return false;
  }
  return FIELD_VALUE[value.charCodeAt(0)] === 1 && FIELD_VALUE[value.charCodeAt(n - 1)] === 1;
}
