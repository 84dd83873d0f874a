// Kubernetes mode's CA authenticator: the sidecar presents its projected
// service-account token (audience istio-ca, mounted by the injector at
// /var/run/secrets/tokens/istio-token); weft asks the API server whether it
// is valid with a TokenReview (authentication.k8s.io/v1), as istiod's
// KubeJWTAuthenticator does, and takes the caller's identity from the
// reviewed user system:serviceaccount:<namespace>:<service-account>. The CA
// then signs only that identity's SPIFFE ID. Positive answers are cached
// briefly (bounded, until the token's exp or the TTL, whichever is first);
// refusals are never cached and nothing is allowed when the API server
// cannot be asked.
import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import type { AuthOutcome, TokenAuthenticator } from '../control/ca/authenticator.js';
import { validateIdentity, type WorkloadIdentity } from '../control/ca/workload-identity.js';
import type { KubeClient, KubeObject, KubeResource } from './kube-client.js';

export const TOKEN_REVIEW: KubeResource = { group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview', namespaced: false };

export const TOKEN_REVIEW_DEFAULTS = {
  /** Istio's default (TOKEN_AUDIENCES=istio-ca). */
  audiences: ['istio-ca'] as readonly string[],
  /** How long a positive review is reused at most. */
  cacheTtlMs: 60_000,
  /** Reviews kept at most; the oldest is dropped first. */
  cacheMaxEntries: 1000,
  /** A review not answered by then is a refusal (reason unreachable). */
  reviewTimeoutMs: 10_000,
};

export interface TokenReviewOptions {
  client: KubeClient;
  /** Audiences the token must have one of; [] asks for the API server's own. */
  audiences?: readonly string[];
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  reviewTimeoutMs?: number;
  clock?: Clock;
  log?: Logger;
}

const SA_PREFIX = 'system:serviceaccount:';

/** The identity of a service-account user name `system:serviceaccount:<ns>:<sa>`, or undefined. */
export function serviceAccountOf(username: string): WorkloadIdentity | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const id = { namespace: parts[0], serviceAccount: parts[1] };
  return validateIdentity(id).length ? undefined : id;
}

/**
 * The `exp` claim (ms) of a JWT, read without verifying it: it only ever
 * shortens how long a review the API server made is reused.
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

interface ReviewStatus {
  authenticated?: boolean;
  user?: { username?: string };
  audiences?: string[];
  error?: string;
}

export class TokenReviewAuthenticator implements TokenAuthenticator {
  readonly audiences: readonly string[];
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;
  /** sha256(token) → identity and until when it is reused; insertion order is age order. */
  private readonly cache = new Map<string, { identity: WorkloadIdentity; until: number }>();
  /** TokenReviews sent (for tests and the debug view). */
  reviews = 0;

  constructor(private readonly o: TokenReviewOptions) {
    this.audiences = o.audiences ?? TOKEN_REVIEW_DEFAULTS.audiences;
    this.ttl = o.cacheTtlMs ?? TOKEN_REVIEW_DEFAULTS.cacheTtlMs;
    this.maxEntries = o.cacheMaxEntries ?? TOKEN_REVIEW_DEFAULTS.cacheMaxEntries;
    this.clock = o.clock ?? systemClock;
  }

  /** `p`, or a rejection after reviewTimeoutMs (the client itself has no request deadline). */
  private withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.o.reviewTimeoutMs ?? TOKEN_REVIEW_DEFAULTS.reviewTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimer(ms, () => reject(new Error(`no answer within ${ms} ms`)));
      p.then((v) => { timer.cancel(); resolve(v); }, (e: unknown) => { timer.cancel(); reject(e); });
    });
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  async authenticate(token: string): Promise<AuthOutcome> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.clock.wallNow();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return { ok: true, identity: hit.identity };
    if (hit) this.cache.delete(key);
    const exp = jwtExpiry(token);
    if (exp !== undefined && exp <= now) return { ok: false, reason: 'unauthenticated', message: 'the token has expired' };
    let status: ReviewStatus;
    try {
      this.reviews++;
      const review: KubeObject = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: { name: '' },
        spec: { token, ...(this.audiences.length ? { audiences: [...this.audiences] } : {}) },
      };
      status = ((await this.withTimeout(this.o.client.create(TOKEN_REVIEW, review))).status ?? {}) as ReviewStatus;
    } catch (e) {
      this.o.log?.warn(`TokenReview failed: ${(e as Error).message}`);
      return { ok: false, reason: 'unreachable', message: `the token could not be reviewed: ${(e as Error).message}` };
    }
    if (status.authenticated !== true) {
      const err = status.error ?? 'not authenticated';
      // the API server reports a wrong audience as an authentication error
      const reason = /audience/i.test(err) ? 'audience' : 'unauthenticated';
      return { ok: false, reason, message: `TokenReview: ${err}` };
    }
    // istiod checks the answer too: an API server that ignores spec.audiences must not widen them
    if (this.audiences.length && !(status.audiences ?? []).some((a) => this.audiences.includes(a))) {
      return { ok: false, reason: 'audience', message: `the token's audiences [${(status.audiences ?? []).join(', ')}] include none of [${this.audiences.join(', ')}]` };
    }
    const username = status.user?.username ?? '';
    const identity = serviceAccountOf(username);
    if (!identity) return { ok: false, reason: 'not_service_account', message: `user "${username}" is not a service account` };
    const until = Math.min(now + this.ttl, exp ?? Infinity);
    if (until > now && this.ttl > 0) {
      while (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { identity, until });
    }
    return { ok: true, identity };
  }
}
