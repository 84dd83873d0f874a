// A provider's remote_jwks: fetched over the proxy's own cluster manager (the
// http_uri's cluster, with its load balancing, TLS and circuit breakers),
// cached for cache_duration. Fetches are coalesced: streams that need the
// keys while a fetch is in flight wait for that one. Keys stay usable until
// their lifetime ends even when the endpoint is down; after that a stream
// that needs them triggers a fetch, and a failed fetch fails the token with
// Envoy's "Jwks remote fetch is failed".
//
// async_fetch: the first stream starts the fetch and the keys are then
// refreshed in the background every cache_duration (failed_refetch_duration
// after a failure). A source no stream used since its last refresh stops
// refreshing, so a filter config replaced by an update goes quiet.
import type { Clock, TimerHandle } from '../../../common/clock.js';
import type { Logger } from '../../../common/log.js';
import type { Counter } from '../../../stats/counter.js';
import type { FilterClusterView } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import type { UpstreamRequest } from '../../upstream/types.js';
import { JWT_AUTHN_DEFAULTS } from './defaults.js';
import { parseJwks, type Jwks } from './jwks.js';
import type { RemoteJwksSettings } from './settings.js';

/** What a fetch needs from the proxy: its clock, log and clusters (a stream's hcm gives them). */
export interface JwksFetchServices {
  readonly clock: Clock;
  readonly log: Logger;
  readonly clusters: { get(name: string): FilterClusterView | undefined } | undefined;
}

export interface JwksFetchStats {
  readonly success: Counter;
  readonly failed: Counter;
}

export class RemoteJwksSource {
  private jwks: Jwks | undefined;
  private expiresAt = 0;
  private inflight: Promise<Jwks | undefined> | undefined;
  private asyncStarted = false;
  private usedSinceRefresh = false;

  constructor(
    readonly settings: RemoteJwksSettings,
    private readonly provider: string,
    private readonly stats: JwksFetchStats,
  ) {}

  /** The keys while within their lifetime (`now` on the services' monotonic clock), else undefined. */
  current(now: number): Jwks | undefined {
    this.usedSinceRefresh = true;
    return this.jwks !== undefined && now < this.expiresAt ? this.jwks : undefined;
  }

  /** Starts the background refresh once, for async_fetch. */
  startAsync(svc: JwksFetchServices): void {
    if (this.asyncStarted || !this.settings.asyncFetch) return;
    this.asyncStarted = true;
    void this.refresh(svc);
  }

  private async refresh(svc: JwksFetchServices): Promise<void> {
    this.usedSinceRefresh = false;
    const got = await this.fetch(svc);
    const next = got ? this.settings.cacheDurationMs : this.settings.asyncFetch!.failedRefetchMs;
    svc.clock.setTimer(next, () => {
      if (this.usedSinceRefresh) void this.refresh(svc);
      else this.asyncStarted = false;
    });
  }

  /** Fetches the keys (or joins the fetch in flight); undefined when every attempt failed. */
  fetch(svc: JwksFetchServices): Promise<Jwks | undefined> {
    if (!this.inflight) {
      this.inflight = this.fetchWithRetries(svc).then((jwks) => {
        this.inflight = undefined;
        if (jwks) {
          this.stats.success.inc();
          this.jwks = jwks;
          this.expiresAt = svc.clock.now() + this.settings.cacheDurationMs;
        } else this.stats.failed.inc();
        return jwks;
      });
    }
    return this.inflight;
  }

  private async fetchWithRetries(svc: JwksFetchServices): Promise<Jwks | undefined> {
    const s = this.settings;
    let backoff = s.retryBaseMs;
    for (let attempt = 0; ; attempt++) {
      const r = await this.fetchOnce(svc);
      if (typeof r !== 'string') return r;
      svc.log.warn(`jwt_authn: provider "${this.provider}": fetching JWKS from ${s.uri} (cluster ${s.cluster}) failed: ${r}`);
      if (attempt >= s.numRetries) return undefined;
      await new Promise<void>((resolve) => svc.clock.setTimer(backoff, resolve));
      backoff = Math.min(backoff * 2, s.retryMaxMs);
    }
  }

  /** One GET of the JWKS; a string says why it failed. */
  private fetchOnce(svc: JwksFetchServices): Promise<Jwks | string> {
    const s = this.settings;
    const cluster = svc.clusters?.get(s.cluster);
    if (!cluster) return Promise.resolve(`cluster ${s.cluster} not found`);
    if (!cluster.pickHost || !cluster.newRequest) return Promise.resolve(`cluster ${s.cluster} cannot send requests`);
    const host = cluster.pickHost();
    if (!host) return Promise.resolve(`no healthy host in cluster ${s.cluster}`);
    return new Promise((resolve) => {
      let done = false;
      let status = 0;
      const chunks: Buffer[] = [];
      let size = 0;
      let timer: TimerHandle | undefined;
      let req: UpstreamRequest | undefined;
      const finish = (r: Jwks | string) => {
        if (done) return;
        done = true;
        timer?.cancel();
        resolve(r);
      };
      const complete = () => {
        if (status !== 200) return finish(`status ${status}`);
        const parsed = parseJwks(Buffer.concat(chunks).toString('utf8'));
        finish(parsed.ok ? parsed.jwks : parsed.error);
      };
      const h = new HeaderMap();
      h.set('accept', 'application/json');
      try {
        req = cluster.newRequest!(host, 'HTTP/1.1', { method: 'GET', path: s.path, authority: s.authority, scheme: 'http', headers: h, end: true }, {
          onHeaders: (st, _headers, end) => {
            status = st;
            if (end) complete();
          },
          onData: (chunk, end) => {
            size += chunk.length;
            if (size > JWT_AUTHN_DEFAULTS.maxJwksBytes) {
              req?.reset();
              return finish(`response larger than ${JWT_AUTHN_DEFAULTS.maxJwksBytes} bytes`);
            }
            chunks.push(chunk);
            if (end) complete();
          },
          onTrailers: () => complete(),
          onReset: (reason, detail) => finish(`reset (${reason}${detail ? `: ${detail}` : ''})`),
        });
        timer = svc.clock.setTimer(s.timeoutMs, () => {
          req?.reset();
          finish(`timed out after ${s.timeoutMs} ms`);
        });
      } catch (e) {
        finish(String(e));
      }
    });
  }
}
