// The control plane's JWKS fetcher (Istio's JwksResolver, pilot/pkg/model/
// jwks_resolver.go): translation asks for a jwksUri's keys and gets the cached
// answer at once; unknown URIs are fetched in the background with a bounded
// timeout, cached keys are refreshed on an interval, and a refresh that fails
// keeps the last good keys. When keys arrive, change or a first fetch fails,
// `onChange` runs (coalesced) so the control plane pushes new config. The
// xDS push path never waits on the network.
import type { JwksLookup, JwtKeyResolver } from '../model/jwt-key-resolver.js';
import { checkJwks } from '../validation/validate-request-authentication.js';

/** Defaults, each with its reason. */
export const JWKS_FETCHER_DEFAULTS = {
  /** Istio's default jwksUri fetch timeout (JWTRule.timeout unset). */
  timeoutMs: 5000,
  /** Istio's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL default: keys rotate slowly, 20 minutes bounds how stale they get. */
  refreshIntervalMs: 20 * 60_000,
  /** A URI that failed is tried again on lookup after this long (not on every push). */
  retryAfterFailureMs: 5000,
  /** Istio evicts keys not asked for in 24 h (the policy that named them is gone). */
  evictAfterMs: 24 * 3600_000,
  /** A JWKS is a few keys; more than this is not one. */
  maxBytes: 1 << 20,
} as const;

export interface JwksFetcherOptions {
  timeoutMs?: number;
  refreshIntervalMs?: number;
  retryAfterFailureMs?: number;
  evictAfterMs?: number;
  maxBytes?: number;
  /** Runs after keys arrive, change, or a first fetch fails (several in one tick are one call). */
  onChange?: () => void;
  /** Where fetch failures are reported (a refresh failure that keeps the last keys too). */
  onError?: (uri: string, reason: string) => void;
  /** Milliseconds now; injected in tests. */
  now?: () => number;
}

interface Entry {
  /** Last good keys. */
  jwks?: string;
  /** Why the last fetch failed (cleared on success). */
  failure?: string;
  inFlight?: Promise<void>;
  /** Failures in a row while no keys were ever fetched (drives the retry back-off). */
  failuresInRow: number;
  retry?: NodeJS.Timeout;
  lastAttempt: number;
  lastUsed: number;
  timeoutMs: number;
}

export interface JwksFetcherStats {
  /** Fetches that returned a JWKS. */
  fetched: number;
  /** Fetches that failed (network, status, timeout, not a JWKS). */
  failed: number;
}

export class JwksFetcher implements JwtKeyResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly o: Required<Omit<JwksFetcherOptions, 'onChange' | 'onError' | 'now'>>;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private changeQueued = false;
  private stopped = false;
  private readonly aborts = new Set<AbortController>();
  readonly stats: JwksFetcherStats = { fetched: 0, failed: 0 };

  constructor(private readonly opts: JwksFetcherOptions = {}) {
    this.o = {
      timeoutMs: opts.timeoutMs ?? JWKS_FETCHER_DEFAULTS.timeoutMs,
      refreshIntervalMs: opts.refreshIntervalMs ?? JWKS_FETCHER_DEFAULTS.refreshIntervalMs,
      retryAfterFailureMs: opts.retryAfterFailureMs ?? JWKS_FETCHER_DEFAULTS.retryAfterFailureMs,
      evictAfterMs: opts.evictAfterMs ?? JWKS_FETCHER_DEFAULTS.evictAfterMs,
      maxBytes: opts.maxBytes ?? JWKS_FETCHER_DEFAULTS.maxBytes,
    };
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => void this.refresh(), this.o.refreshIntervalMs);
    this.timer.unref();
  }

  lookup(jwksUri: string, timeoutMs?: number): JwksLookup {
    const now = this.now();
    let e = this.entries.get(jwksUri);
    if (!e) {
      e = { lastAttempt: 0, lastUsed: now, timeoutMs: timeoutMs ?? this.o.timeoutMs, failuresInRow: 0 };
      this.entries.set(jwksUri, e);
      this.start(jwksUri, e);
    }
    e.lastUsed = now;
    if (timeoutMs !== undefined) e.timeoutMs = timeoutMs;
    if (e.jwks !== undefined) return { state: 'ready', jwks: e.jwks };
    if (e.failure === undefined) return { state: 'pending' };
    if (!e.inFlight && now - e.lastAttempt >= this.o.retryAfterFailureMs) this.start(jwksUri, e);
    return { state: 'failed', reason: e.failure };
  }

  /** Re-fetches every cached URI now (the interval calls this); drops URIs nobody asked for in evictAfterMs. Resolves when all fetches end. */
  async refresh(): Promise<void> {
    const now = this.now();
    const waits: Promise<void>[] = [];
    for (const [uri, e] of this.entries) {
      if (now - e.lastUsed > this.o.evictAfterMs) {
        clearTimeout(e.retry);
        this.entries.delete(uri);
        continue;
      }
      waits.push(e.inFlight ?? this.start(uri, e));
    }
    await Promise.all(waits);
  }

  /** Resolves when every fetch in flight has ended (tests; start-up). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.inFlight).filter((p) => p !== undefined));
  }

  /** Stops refreshing and aborts fetches in flight. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const a of this.aborts) a.abort();
    for (const e of this.entries.values()) clearTimeout(e.retry);
  }

  private start(uri: string, e: Entry): Promise<void> {
    e.lastAttempt = this.now();
    const p = this.fetchOnce(uri, e.timeoutMs).then(
      (jwks) => {
        this.stats.fetched++;
        e.failuresInRow = 0;
        const changed = jwks !== e.jwks || e.failure !== undefined;
        e.jwks = jwks;
        delete e.failure;
        if (changed) this.changed();
      },
      (err: Error) => {
        this.stats.failed++;
        const first = e.jwks === undefined && e.failure === undefined;
        e.failure = err.message;
        this.opts.onError?.(uri, e.jwks !== undefined ? `${err.message}; the last fetched keys stay in use` : err.message);
        if (first) this.changed();
        if (e.jwks === undefined) this.scheduleRetry(uri, e);
      },
    ).finally(() => {
      delete e.inFlight;
    });
    e.inFlight = p;
    return p;
  }

  private async fetchOnce(uri: string, timeoutMs: number): Promise<string> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await fetch(uri, { signal: abort.signal, redirect: 'follow', headers: { accept: 'application/json' } });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new JwksFetchError(`GET ${uri} answered HTTP ${res.status}`);
      }
      const text = await readLimited(res, this.o.maxBytes);
      const problem = checkJwks(text);
      if (problem) throw new JwksFetchError(`${uri} did not return a JWKS: ${problem}`);
      return text;
    } catch (err) {
      if (abort.signal.aborted) throw new JwksFetchError(`GET ${uri} failed: ${this.stopped ? 'fetcher stopped' : (abort.signal.reason as Error)?.message ?? 'aborted'}`);
      if (err instanceof JwksFetchError) throw err;
      const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message;
      throw new JwksFetchError(`GET ${uri} failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}`);
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  /**
   * A URI that never gave keys is tried again in the background (its policy
   * waits on it; a lookup alone would only retry on the next push), backing
   * off from retryAfterFailureMs up to the refresh interval.
   */
  private scheduleRetry(uri: string, e: Entry): void {
    if (this.stopped) return;
    e.failuresInRow++;
    const delay = Math.min(this.o.retryAfterFailureMs * 2 ** (e.failuresInRow - 1), this.o.refreshIntervalMs);
    clearTimeout(e.retry);
    e.retry = setTimeout(() => {
      delete e.retry;
      if (!this.stopped && this.entries.get(uri) === e && !e.inFlight && e.jwks === undefined) void this.start(uri, e);
    }, delay);
    e.retry.unref();
  }

  private changed(): void {
    if (this.changeQueued || this.stopped) return;
    this.changeQueued = true;
    setImmediate(() => {
      this.changeQueued = false;
      if (!this.stopped) this.opts.onChange?.();
    });
  }
}

/** A fetch failure, its message ready for logs and translation messages. */
export class JwksFetchError extends Error {}

async function readLimited(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new JwksFetchError(`the JWKS is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
