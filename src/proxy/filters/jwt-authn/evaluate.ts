// One evaluation of a JwtRequirement against a request, as Envoy's verifier
// tree does it: provider (and provider_and_audiences), requires_any,
// requires_all, allow_missing, allow_missing_or_failed. Keys that must be
// fetched first make the result 'pending': the filter fetches them and runs
// a fresh evaluation (verified tokens are cached by then, so the re-run is
// cheap). Tokens that verified are collected for the filter's outputs.
import type { HeaderMap } from '../../http/headers.js';
import { JwtStatus, type JwtStatusText } from './defaults.js';
import { parseJwt, type Jwt } from './jwt.js';
import type { KeyResolver, ProviderRuntime } from './provider.js';
import type { Requirement, TokenLocation } from './settings.js';

export type EvalResult = JwtStatusText | 'pending';

/** The request parts tokens come from (RequestView is one). */
export interface TokenSource {
  readonly req: { readonly headers: HeaderMap };
  queryParam(name: string): string | undefined;
}

export interface VerifiedToken {
  readonly provider: ProviderRuntime;
  readonly jwt: Jwt;
  readonly location: TokenLocation;
}

interface Found {
  readonly location: TokenLocation;
  readonly token: string;
}

/** Characters of a JWT: base64url, '.' and padding (where Envoy's extractor stops). */
function isJwtChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x3d;
}

function tokenAfter(value: string, start: number): string {
  let end = start;
  while (end < value.length && isJwtChar(value.charCodeAt(end))) end++;
  return value.slice(start, end);
}

/** The tokens at one location (a header may be repeated). */
export function extractAt(loc: TokenLocation, src: TokenSource): string[] {
  switch (loc.kind) {
    case 'header': {
      const out: string[] = [];
      for (const v of src.req.headers.getAll(loc.name)) {
        if (loc.prefix === '') {
          const t = v.trim();
          if (t !== '') out.push(t);
          continue;
        }
        const at = loc.prefixIgnoreCase ? v.toLowerCase().indexOf(loc.prefix.toLowerCase()) : v.indexOf(loc.prefix);
        if (at < 0) continue;
        const t = tokenAfter(v, at + loc.prefix.length);
        if (t !== '') out.push(t);
      }
      return out;
    }
    case 'param': {
      const v = src.queryParam(loc.name);
      return v ? [v] : [];
    }
    case 'cookie': {
      const out: string[] = [];
      for (const line of src.req.headers.getAll('cookie')) {
        for (const part of line.split(';')) {
          const eq = part.indexOf('=');
          if (eq < 0 || part.slice(0, eq).trim() !== loc.name) continue;
          let v = part.slice(eq + 1).trim();
          if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
          if (v !== '') out.push(v);
        }
      }
      return out;
    }
  }
}

export class Evaluation {
  /** Tokens verified during this evaluation (their outputs apply when the request is allowed). */
  readonly verified: VerifiedToken[] = [];
  private readonly found = new Map<string, string[]>();

  constructor(
    private readonly src: TokenSource,
    private readonly providers: ReadonlyMap<string, ProviderRuntime>,
    /** Every provider, for allow_missing and allow_missing_or_failed (built once per filter config). */
    private readonly allProviders: readonly ProviderRuntime[],
    private readonly nowSeconds: number,
    private readonly keys: KeyResolver,
  ) {}

  run(r: Requirement): EvalResult {
    switch (r.kind) {
      case 'provider':
        return this.authenticate([this.providers.get(r.provider)!], r.audiences, false);
      case 'allow_missing': {
        const st = this.authenticate(this.allProviders, undefined, false);
        return st === JwtStatus.JwtMissed ? JwtStatus.Ok : st;
      }
      case 'allow_missing_or_failed': {
        const st = this.authenticate(this.allProviders, undefined, true);
        return st === 'pending' ? st : JwtStatus.Ok;
      }
      case 'any': {
        let pending = false;
        const statuses: JwtStatusText[] = [];
        for (const c of r.children) {
          const st = this.run(c);
          if (st === JwtStatus.Ok) return st;
          if (st === 'pending') pending = true;
          else statuses.push(st);
        }
        if (pending) return 'pending';
        // A missing token (or one meant for another provider) says less than a real failure: Envoy reports the latter.
        let final: JwtStatusText = JwtStatus.JwtMissed;
        for (const st of statuses) if (st !== JwtStatus.JwtMissed && st !== JwtStatus.JwtUnknownIssuer) final = st;
        return final;
      }
      case 'all': {
        let pending = false;
        for (const c of r.children) {
          const st = this.run(c);
          if (st === 'pending') pending = true;
          else if (st !== JwtStatus.Ok) return st;
        }
        return pending ? 'pending' : JwtStatus.Ok;
      }
    }
  }

  private tokensAt(loc: TokenLocation): string[] {
    let t = this.found.get(loc.id);
    if (!t) this.found.set(loc.id, (t = extractAt(loc, this.src)));
    return t;
  }

  /**
   * Every token at the locations of `set` must verify with a provider of
   * `set` that reads that location and takes its issuer (Envoy's rule: a
   * good token must not carry a bad one along). allowFailed: failures are
   * not the answer, verified tokens still count.
   */
  private authenticate(set: readonly ProviderRuntime[], audiences: readonly string[] | undefined, allowFailed: boolean): EvalResult {
    const found: Found[] = [];
    // Locations shared by several providers are read once (tokensAt caches) and their tokens listed once.
    for (const p of set) {
      for (const loc of p.settings.locations) {
        for (const token of this.tokensAt(loc)) if (!found.some((f) => f.token === token)) found.push({ location: loc, token });
      }
    }
    if (found.length === 0) return JwtStatus.JwtMissed;
    let result: EvalResult = JwtStatus.Ok;
    for (const f of found) {
      const st = this.verifyOne(f, set, audiences);
      if (st === JwtStatus.Ok) continue;
      if (st === 'pending') result = 'pending';
      else if (!allowFailed) return st;
    }
    return result;
  }

  private verifyOne(f: Found, set: readonly ProviderRuntime[], audiences: readonly string[] | undefined): EvalResult {
    let provider: ProviderRuntime | undefined;
    let jwt: Jwt | undefined;
    for (const p of set) {
      if (!p.settings.locations.some((l) => l.id === f.location.id)) continue;
      const hit = p.cached(f.token);
      if (hit) {
        provider = p;
        jwt = hit;
        break;
      }
    }
    const cached = jwt !== undefined;
    if (!jwt) {
      const parsed = parseJwt(f.token);
      if (typeof parsed === 'string') return parsed;
      jwt = parsed;
      provider = set.find((p) => p.acceptsIssuer(parsed.iss) && p.settings.locations.some((l) => l.id === f.location.id));
      if (!provider) return JwtStatus.JwtUnknownIssuer;
    }
    let st = provider!.checkClaims(jwt, this.nowSeconds, audiences);
    if (st !== JwtStatus.Ok) return st;
    if (!cached) {
      const keys = this.keys.keys(provider!);
      if (keys === 'pending') return 'pending';
      if (keys === 'failed') return JwtStatus.JwksFetchFail;
      st = provider!.verify(jwt, keys);
      if (st !== JwtStatus.Ok) return st;
    }
    this.verified.push({ provider: provider!, jwt, location: f.location });
    return JwtStatus.Ok;
  }
}
