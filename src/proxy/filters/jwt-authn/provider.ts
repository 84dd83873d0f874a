// A provider at run time: its settings, its key source (local JWKS, or a
// remote one with its cache) and its bounded cache of verified tokens. A
// cached token skips parsing and the signature check (the costly part of
// verification); its time, audience and subject checks run on every request.
import type { Counter } from '../../../stats/counter.js';
import { JwtStatus, type JwtStatusText } from './defaults.js';
import type { Jwks } from './jwks.js';
import { audiencesAllowed, checkTime, parseJwt, verifySignature, type Jwt } from './jwt.js';
import type { RemoteJwksSource } from './remote-jwks.js';
import type { ProviderSettings } from './settings.js';

/** The keys a check needs: there, still being fetched, or failed to fetch. */
export type KeysState = Jwks | 'pending' | 'failed';

/** Per-evaluation access to keys: remote ones may have to be fetched first. */
export interface KeyResolver {
  keys(p: ProviderRuntime): KeysState;
}

export interface JwtCacheStats {
  readonly hit: Counter;
  readonly miss: Counter;
}

export class ProviderRuntime {
  /** Verified tokens in insertion order, oldest first (Map order); bounded by jwt_cache_size. */
  private readonly verified = new Map<string, Jwt>();

  constructor(
    readonly settings: ProviderSettings,
    readonly remote: RemoteJwksSource | undefined,
    private readonly cacheStats: JwtCacheStats,
  ) {}

  /** Whether this provider takes a token whose issuer is `iss` ('' issuer accepts any). */
  acceptsIssuer(iss: string): boolean {
    return this.settings.issuer === '' || this.settings.issuer === iss;
  }

  /** A token verified before, if cached. */
  cached(token: string): Jwt | undefined {
    const hit = this.verified.get(token);
    if (hit) this.cacheStats.hit.inc();
    else this.cacheStats.miss.inc();
    return hit;
  }

  /**
   * The checks Envoy makes before the signature, in its order: time, then
   * audiences (a per-requirement list replaces the provider's), subject,
   * require_expiration, max_lifetime.
   */
  checkClaims(jwt: Jwt, nowSeconds: number, audiences: readonly string[] | undefined): JwtStatusText {
    const s = this.settings;
    const t = checkTime(jwt, nowSeconds, s.clockSkewSeconds);
    if (t !== JwtStatus.Ok) return t;
    if (!audiencesAllowed(jwt, audiences ?? s.audiences)) return JwtStatus.JwtAudienceNotAllowed;
    if (s.subjects && !s.subjects(jwt.sub)) return JwtStatus.JwtVerificationFail;
    if (s.requireExpiration && jwt.exp === 0) return JwtStatus.JwtExpired;
    if (s.maxLifetimeSeconds !== undefined && (jwt.exp === 0 || jwt.iat === 0 || jwt.exp - jwt.iat > s.maxLifetimeSeconds)) return JwtStatus.JwtExpired;
    return JwtStatus.Ok;
  }

  /** Signature check with `jwks`; a verified token enters the cache. */
  verify(jwt: Jwt, jwks: Jwks): JwtStatusText {
    const st = verifySignature(jwt, jwks);
    if (st === JwtStatus.Ok) this.remember(jwt);
    return st;
  }

  private remember(jwt: Jwt): void {
    if (this.verified.size >= this.settings.jwtCacheSize) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(jwt.token, jwt);
  }
}

export { parseJwt };
