// Accept-Encoding negotiation between the compressor filters of one stream,
// as Envoy does it: the request's accept-encoding is read once (before any
// filter removes it), every compressor filter of the stream registers its
// encoding while decoding, and each decides while encoding which encoding
// the highest q-value picks among the registered ones, `identity` and `*`.
import type { FilterStream } from '../../http/filter.js';

/** How the accept-encoding header decided (one stat each, Envoy's names). */
export type AcceptOutcome = 'no_accept_header' | 'header_identity' | 'header_wildcard' | 'header_compressor_used' | 'header_compressor_overshadowed' | 'header_not_valid';

interface Registrant {
  readonly encoding: string;
  readonly chooseFirst: boolean;
}

/** Per stream: the request's accept-encoding and the compressor filters that may answer it. */
export class EncodingNegotiation {
  readonly registrants: Registrant[] = [];
  constructor(readonly acceptEncoding: string | undefined) {}

  /** The outcome for the filter that registered `mine`. */
  decide(mine: Registrant): AcceptOutcome {
    if (this.acceptEncoding === undefined) return 'no_accept_header';
    const prefs = parseAcceptEncoding(this.acceptEncoding);
    let best: { token: string; q: number; order: number } | undefined;
    const known = new Set(this.registrants.map((r) => r.encoding));
    prefs.forEach((p, order) => {
      if (p.q <= 0) return;
      if (p.token !== 'identity' && p.token !== '*' && !known.has(p.token)) return;
      if (!best || p.q > best.q || (p.q === best.q && this.prefers(p.token, best.token))) best = { token: p.token, q: p.q, order };
    });
    // An explicit q=0 for this encoding vetoes the wildcard.
    const vetoed = prefs.some((p) => p.token === mine.encoding && p.q <= 0);
    if (!best) return 'header_not_valid';
    if (best.token === 'identity') return 'header_identity';
    if (best.token === '*') {
      if (vetoed) return 'header_not_valid';
      // The wildcard goes to the first compressor of the chain that is not explicitly refused.
      const first = this.registrants.find((r) => !prefs.some((p) => p.token === r.encoding && p.q <= 0));
      return first === mine ? 'header_wildcard' : 'header_compressor_overshadowed';
    }
    if (best.token !== mine.encoding) return 'header_compressor_overshadowed';
    // Several filters with the same encoding: the first (or a choose_first one) answers.
    const owner = this.ownerOf(best.token);
    return owner === mine ? 'header_compressor_used' : 'header_compressor_overshadowed';
  }

  /** Among equal q-values a choose_first filter's encoding wins; otherwise the earlier token. */
  private prefers(token: string, current: string): boolean {
    const t = this.ownerOf(token);
    const c = this.ownerOf(current);
    return (t?.chooseFirst ?? false) && !(c?.chooseFirst ?? false);
  }

  private ownerOf(token: string): Registrant | undefined {
    const all = this.registrants.filter((r) => r.encoding === token);
    // Envoy: the last filter with choose_first wins, else the first in the chain.
    return all.filter((r) => r.chooseFirst).pop() ?? all[0];
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

/** `gzip;q=0.8, br, *;q=0` → tokens (lower-cased) with q-values (default 1), in header order. */
export function parseAcceptEncoding(v: string): { token: string; q: number }[] {
  const out: { token: string; q: number }[] = [];
  for (const part of v.split(',')) {
    const [rawToken, ...params] = part.split(';');
    const token = rawToken!.trim().toLowerCase();
    if (!token) continue;
    let q = 1;
    for (const p of params) {
      const kv = /^\s*q\s*=\s*(.*?)\s*$/i.exec(p);
      // A q-value that is not a number makes the entry unusable (q=0).
      if (kv) q = /^[0-9.]+$/.test(kv[1]!) ? Number(kv[1]) : 0;
    }
    out.push({ token, q: Number.isFinite(q) ? q : 0 });
  }
  return out;
}
