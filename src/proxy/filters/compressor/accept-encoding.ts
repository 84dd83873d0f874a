// Accept-Encoding negotiation between the compressor filters of one stream,
// as Envoy's chooseEncoding does it. The request's accept-encoding is kept as
// it arrived (before any filter removes it), every compressor filter of the
// stream registers itself while decoding, and the first filter to decide on
// the response head decides for all of them (the decision is cached for the
// stream): among the registered encodings whose content types admit the
// response, `identity` and `*`, the highest q-value wins.
import type { FilterStream } from '../../http/filter.js';

/** How the accept-encoding header decided for one filter (one stat each, Envoy's names). */
export type AcceptOutcome = 'header_identity' | 'header_wildcard' | 'header_compressor_used' | 'header_compressor_overshadowed' | 'header_not_valid';

export interface Registrant {
  readonly encoding: string;
  readonly chooseFirst: boolean;
  /** Media types this filter compresses. */
  readonly contentTypes: ReadonlySet<string>;
}

type Decision = { readonly encoding: string; readonly kind: 'valid' | 'identity' | 'wildcard' | 'not_valid' };

/** Per stream: the request's accept-encoding and the compressor filters that may answer it. */
export class EncodingNegotiation {
  readonly registrants: Registrant[] = [];
  private decision: Decision | undefined;

  constructor(readonly acceptEncoding: string | undefined) {}

  /** The outcome for `mine` (undefined accept-encoding is the caller's no_accept_header). */
  decide(mine: Registrant, contentType: string | undefined): { outcome: AcceptOutcome; compress: boolean } {
    const d = (this.decision ??= this.choose(contentType));
    const compress = d.encoding === mine.encoding;
    switch (d.kind) {
      case 'valid': return { outcome: compress ? 'header_compressor_used' : 'header_compressor_overshadowed', compress };
      case 'identity': return { outcome: 'header_identity', compress: false };
      case 'wildcard': return { outcome: 'header_wildcard', compress };
      default: return { outcome: 'header_not_valid', compress: false };
    }
  }

  private choose(contentType: string | undefined): Decision {
    // Compressors that may answer: content type admitted; one per encoding (the first registered).
    const allowed = new Map<string, { order: number; chooseFirst: boolean }>();
    for (const r of this.registrants) {
      if (contentType && !r.contentTypes.has(contentType)) continue;
      if (!allowed.has(r.encoding)) allowed.set(r.encoding, { order: allowed.size, chooseFirst: r.chooseFirst });
    }
    const prefs = parseAcceptEncoding(this.acceptEncoding ?? '');
    // q=0 refuses an encoding, also for `*`.
    for (const p of prefs) if (p.q === 0) allowed.delete(p.token);
    if (prefs.length === 0 || allowed.size === 0) return { encoding: 'identity', kind: 'not_valid' };
    let choice = { token: 'identity', q: 0 };
    for (const p of prefs) {
      if (!allowed.has(p.token) && p.token !== 'identity' && p.token !== '*') continue;
      if (p.q > choice.q || (p.q === choice.q && allowed.get(p.token)?.chooseFirst === true)) choice = p;
    }
    if (choice.q === 0) return { encoding: 'identity', kind: 'not_valid' };
    if (choice.token === 'identity') return { encoding: 'identity', kind: 'identity' };
    if (choice.token === '*') {
      let first = '';
      let order = Infinity;
      for (const [enc, a] of allowed) if (a.order < order) [first, order] = [enc, a.order];
      return { encoding: first, kind: 'wildcard' };
    }
    return { encoding: choice.token, kind: 'valid' };
  }
}

const byStream = new WeakMap<FilterStream, EncodingNegotiation>();

/** The stream's negotiation, created by the first compressor filter that sees the request. */
export function negotiationFor(stream: FilterStream): EncodingNegotiation {
  let n = byStream.get(stream);
  if (!n) {
    n = new EncodingNegotiation(stream.headers.getJoined('accept-encoding'));
    byStream.set(stream, n);
  }
  return n;
}

/** `gzip;q=0.8, br, *;q=0` → tokens (lower-cased) with q-values (default 1), in header order; an unparsable q drops its entry (Envoy). */
export function parseAcceptEncoding(v: string): { token: string; q: number }[] {
  const out: { token: string; q: number }[] = [];
  for (const part of v.split(',')) {
    const semi = part.indexOf(';');
    const token = (semi < 0 ? part : part.slice(0, semi)).trim().toLowerCase();
    if (!token) continue;
    let q = 1;
    if (semi >= 0) {
      const kv = /^\s*q\s*=\s*(.*?)\s*$/i.exec(part.slice(semi + 1));
      if (kv) {
        q = /^(\d+(\.\d*)?|\.\d+)$/.test(kv[1]!) ? Number(kv[1]) : NaN;
        if (Number.isNaN(q)) continue;
      }
    }
    out.push({ token, q });
  }
  return out;
}
