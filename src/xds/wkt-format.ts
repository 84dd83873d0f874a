// proto3 JSON text forms of Duration, Timestamp, bytes and FieldMask: parsers
// that say what is wrong, and formatters that print what Envoy prints.

/** Canonical shape of Duration and Timestamp: both fields always present. */
export interface SecondsNanos {
  seconds: number;
  nanos: number;
}

/** protobuf's limits: ±10,000 years. */
export const MAX_DURATION_SECONDS = 315_576_000_000;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
export const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
export const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

const DURATION_RE = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/** Parses `"1.5s"`, `"-0.001s"`; returns an error message on failure. */
export function parseDuration(text: string): SecondsNanos | string {
  const m = DURATION_RE.exec(text);
  if (!m) return `invalid duration "${text}" (expected seconds with an "s" suffix, e.g. "1.5s")`;
  const secs = Number(m[2]);
  if (secs > MAX_DURATION_SECONDS) return `duration "${text}" is out of range (at most ${MAX_DURATION_SECONDS}s)`;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  const neg = m[1] === '-';
  return { seconds: neg && secs ? -secs : secs, nanos: neg && nanos ? -nanos : nanos };
}

/** Checks the object form of a Duration; returns an error message or undefined. */
export function checkDuration(d: SecondsNanos): string | undefined {
  if (Math.abs(d.seconds) > MAX_DURATION_SECONDS) return `duration seconds ${d.seconds} out of range`;
  if (Math.abs(d.nanos) > 999_999_999) return `duration nanos ${d.nanos} out of range`;
  if ((d.seconds > 0 && d.nanos < 0) || (d.seconds < 0 && d.nanos > 0)) return 'duration seconds and nanos must have the same sign';
  return undefined;
}

/** Formats a fraction of a second with 0, 3, 6 or 9 digits, as protobuf does. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1_000_000 === 0) return `.${String(nanos / 1_000_000).padStart(3, '0')}`;
  if (nanos % 1_000 === 0) return `.${String(nanos / 1_000).padStart(6, '0')}`;
  return `.${String(nanos).padStart(9, '0')}`;
}

/** `{seconds: 0, nanos: 250000000}` → `"0.250s"`, the way Envoy's config_dump prints it. */
export function formatDuration(d: Partial<SecondsNanos>): string {
  const s = d.seconds ?? 0;
  const n = d.nanos ?? 0;
  const neg = s < 0 || n < 0;
  return `${neg ? '-' : ''}${Math.abs(s)}${fraction(Math.abs(n))}s`;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp; returns an error message on failure. */
export function parseTimestamp(text: string): SecondsNanos | string {
  const m = TIMESTAMP_RE.exec(text);
  const bad = `invalid timestamp "${text}" (expected RFC 3339, e.g. "2024-01-31T12:00:00Z")`;
  if (!m) return bad;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, s, 0);
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d
    || dt.getUTCHours() !== h || dt.getUTCMinutes() !== mi || dt.getUTCSeconds() !== s) return bad;
  let seconds = dt.getTime() / 1000;
  if (m[9]) seconds -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) return `timestamp "${text}" is out of range`;
  return { seconds, nanos: m[7] ? Number(m[7].padEnd(9, '0')) : 0 };
}

/** `{seconds, nanos}` → `"1972-01-01T10:00:20.021Z"`. */
export function formatTimestamp(t: Partial<SecondsNanos>): string {
  const iso = new Date((t.seconds ?? 0) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return `${iso.slice(0, 19)}${fraction(t.nanos ?? 0)}Z`;
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Decodes standard or URL-safe base64, padded or not; returns an error message on failure. */
export function parseBase64(text: string): Uint8Array | string {
  const unpadded = text.replace(/=+$/, '');
  if (!BASE64_RE.test(text) || unpadded.length % 4 === 1) return `invalid base64 "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
  const buf = Buffer.from(unpadded, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}

/** Standard base64 with padding, as proto3 JSON prints bytes. */
export function formatBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** `"fooBar,baz.quxQuux"` → `["foo_bar", "baz.qux_quux"]` (FieldMask's JSON form is lowerCamel). */
export function parseFieldMask(text: string): string[] {
  if (text === '') return [];
  return text.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

/** Inverse of parseFieldMask. */
export function formatFieldMask(paths: readonly string[]): string {
  return paths.map((p) => p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(',');
}
