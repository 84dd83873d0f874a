// The request as route matching and rewriting see it. The raw :path is split
// into path and query once per request (RequestView), and everything derived
// from it (lower-cased path, decoded query parameters) is computed on first use
// and shared by every route that is tried, so matching N routes costs one split.
import type { HeaderMap } from '../http/headers.js';

/** Request fields the route table reads. Pseudo-headers are fields, not in `headers`. */
export interface RouteRequest {
  method: string;
  /** Raw :path, including the query string. */
  path: string;
  authority: string;
  scheme: string;
  headers: HeaderMap;
}

/** Index where the path part of a raw :path ends (first `?` or `#`), or its length. */
export function pathEnd(rawPath: string): number {
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) return i;
  }
  return rawPath.length;
}

/**
 * Per-request view shared by matching, rewriting, redirects and hashing. Create
 * one per request (RouteTable.route does) and pass it along instead of re-splitting.
 */
export class RequestView {
  /** Path without query string and fragment: what Envoy's path matchers compare. */
  readonly path: string;
  /** Everything from the first `?` or `#` on (empty when none); rewrites keep it as is. */
  readonly suffix: string;
  private lower: string | undefined;
  private params: Map<string, string> | undefined;
  private rawParams: Map<string, string> | undefined;

  constructor(readonly req: RouteRequest) {
    const raw = req.path;
    const end = pathEnd(raw);
    if (end === raw.length) {
      this.path = raw;
      this.suffix = '';
    } else {
      this.path = raw.slice(0, end);
      this.suffix = raw.slice(end);
    }
  }

  /** Query string without `?` and without fragment; empty when none. */
  get query(): string {
    if (this.suffix.charCodeAt(0) !== 0x3f) return '';
    const hash = this.suffix.indexOf('#');
    return hash < 0 ? this.suffix.slice(1) : this.suffix.slice(1, hash);
  }

  /** Lower-cased path, for case-insensitive route matching. */
  get lowerPath(): string {
    if (this.lower === undefined) this.lower = asciiLower(this.path);
    return this.lower;
  }

  /** First value of each query parameter, percent-decoded, as Envoy's route matcher sees it. */
  queryParam(name: string): string | undefined {
    if (this.params === undefined) this.params = parseQuery(this.query, true);
    return this.params.get(name);
  }

  /** First value of a query parameter as sent (not decoded), as Envoy's hash policy sees it. */
  rawQueryParam(name: string): string | undefined {
    if (this.rawParams === undefined) this.rawParams = parseQuery(this.query, false);
    return this.rawParams.get(name);
  }

  /**
   * Value of a header for matching: pseudo-headers come from request fields,
   * repeated headers are joined with "," as Envoy does.
   */
  header(name: string): string | undefined {
    if (name.charCodeAt(0) === 0x3a /* : */) {
      switch (name) {
        case ':method': return this.req.method;
        case ':path': return this.req.path;
        case ':authority': return this.req.authority;
        case ':scheme': return this.req.scheme;
        default: return undefined;
      }
    }
    return this.req.headers.getJoined(name);
  }

  /** Every value of a header (pseudo-headers have at most one). */
  headerValues(name: string): string[] {
    if (name.charCodeAt(0) === 0x3a) {
      const v = this.header(name);
      return v === undefined ? [] : [v];
    }
    return this.req.headers.getAll(name);
  }
}

function parseQuery(query: string, decode: boolean): Map<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let name = eq < 0 ? part : part.slice(0, eq);
    let value = eq < 0 ? '' : part.slice(eq + 1);
    if (decode) {
      name = percentDecode(name);
      value = percentDecode(value);
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** ASCII-only lower-casing (as Envoy's), so lengths never change; no copy when nothing is upper-case. */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}

/** Percent-decoding that leaves malformed escapes as they are instead of throwing. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
