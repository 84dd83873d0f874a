// envoy.filters.http.local_ratelimit: a token bucket in front of the router.
// Three lifetimes, as in Envoy: settings (decoded, immutable), a limiter
// (settings + stats + bucket, shared by every stream that uses the settings),
// and the per-stream filter (which bucket it used, for x-ratelimit-* headers).
// A route's typed_per_filter_config entry replaces the listener-level config
// and has its own bucket and stats.
import { ConfigErrors, type ConfigIssue } from '../../../common/errors.js';
import type { Clock } from '../../../common/clock.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage, envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit } from '../../../xds/gen/types.js';
import { RL } from '../../access-log/response-flags.js';
import type { ConnectionInfo } from '../../http/downstream.js';
import { CONTINUE, STOP, type FilterDecodeContext, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import type { HeaderFormatContext } from '../../route/header-formatter.js';
import { decodeHttpLocalRateLimit, type HttpLocalRateLimitSettings } from './decode-http.js';
import { HTTP_LOCAL_RATELIMIT_TYPE_URL, RATE_LIMITED_BODY, RATE_LIMITED_DETAILS, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET } from './defaults.js';
import { HttpLocalRateLimitStats } from './http-stats.js';
import { TokenBucket } from './token-bucket.js';

/** Settings bound to their stats and bucket(s); one per listener-level config and one per route config. */
export class HttpLocalRateLimiter {
  readonly stats: HttpLocalRateLimitStats;
  /** One filter object for every stream when nothing per stream must be kept (no x-ratelimit-*, no gRPC override). */
  readonly sharedFilter: HttpFilter | undefined;
  private readonly shared: TokenBucket | undefined;
  private readonly perConnection: WeakMap<ConnectionInfo, TokenBucket> | undefined;

  constructor(readonly settings: HttpLocalRateLimitSettings, readonly store: StatsStore, private readonly clock: Clock, readonly source: string) {
    this.stats = new HttpLocalRateLimitStats(store, settings.statPrefix);
    const spec = settings.bucket;
    if (spec && settings.perConnection) this.perConnection = new WeakMap();
    else if (spec) this.shared = new TokenBucket(spec, clock.now());
    this.sharedFilter = settings.xRateLimitHeaders || settings.grpcStatus !== undefined ? undefined : new LocalRateLimitFilter(this);
  }

  /** The bucket for this stream's connection, or undefined when nothing is limited. */
  bucketFor(conn: ConnectionInfo): TokenBucket | undefined {
    if (!this.perConnection) return this.shared;
    let b = this.perConnection.get(conn);
    if (!b) {
      b = new TokenBucket(this.settings.bucket!, this.clock.now());
      this.perConnection.set(conn, b);
    }
    return b;
  }
}

// Per-route configs are decoded once per config object (route tables are
// immutable, so identity is a safe key) and bound to stats on first use.
interface PerRouteEntry {
  readonly settings: HttpLocalRateLimitSettings | undefined;
  /** Why settings is undefined. */
  readonly issues: readonly ConfigIssue[];
  limiter?: HttpLocalRateLimiter;
  reported?: boolean;
}
const perRouteCache = new WeakMap<AnyMessage, PerRouteEntry>();

/**
 * Validates a route's typed_per_filter_config entry (call it when route config
 * is decoded so errors surface there); the result is cached for the data path.
 */
export function decodeHttpLocalRateLimitPerRoute(cfg: AnyMessage, path: string, errs: ConfigErrors): HttpLocalRateLimitSettings | undefined {
  const e = perRouteEntry(cfg, path);
  for (const i of e.issues) errs.issues.push(i);
  return e.settings;
}

function perRouteEntry(cfg: AnyMessage, path = 'typed_per_filter_config'): PerRouteEntry {
  const hit = perRouteCache.get(cfg);
  if (hit) return hit;
  const errs = new ConfigErrors();
  let settings: HttpLocalRateLimitSettings | undefined;
  if (cfg['@type'] !== HTTP_LOCAL_RATELIMIT_TYPE_URL) {
    errs.error(`${path}["@type"]`, `expected ${HTTP_LOCAL_RATELIMIT_TYPE_URL.replace('type.googleapis.com/', '')}, got ${String(cfg['@type'])}`);
  } else {
    settings = decodeHttpLocalRateLimit(cfg as envoy_extensions_filters_http_local_ratelimit_v3_LocalRateLimit, path, errs, true);
  }
  const entry: PerRouteEntry = { settings, issues: errs.issues };
  perRouteCache.set(cfg, entry);
  return entry;
}

function formatContext(s: FilterStream): HeaderFormatContext {
  return {
    downstreamRemoteAddress: { ip: s.conn.remoteAddress, port: s.conn.remotePort },
    downstreamLocalAddress: { ip: s.conn.localAddress, port: s.conn.localPort },
    protocol: s.protocol,
    request: s,
  };
}

/** The listener-level filter config (one per http_filters entry). */
export class HttpLocalRateLimitFactory implements HttpFilterFactory {
  private limiter: HttpLocalRateLimiter | undefined;

  constructor(readonly name: string, readonly settings: HttpLocalRateLimitSettings) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const limiter = this.limiterFor(stream);
    if (!limiter || limiter.settings.enabled === 0) return undefined;
    return limiter.sharedFilter ?? new LocalRateLimitFilter(limiter);
  }

  /** The route's limiter when the route has its own config, else the listener's. */
  limiterFor(stream: FilterStream): HttpLocalRateLimiter | undefined {
    const hcm = stream.hcm;
    const perRoute = stream.route?.route.perFilterConfig(this.name);
    if (perRoute) {
      const e = perRouteEntry(perRoute);
      if (!e.settings) {
        // Route config decoding does not yet validate per-filter configs; report once and let requests through.
        if (!e.reported) hcm.log.error(`${this.name}: ignoring invalid typed_per_filter_config of route "${stream.route!.route.name}": ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        e.reported = true;
        return undefined;
      }
      // A virtual host's or route table's entry is one object for all its routes, hence one bucket, as in Envoy.
      if (!e.limiter || e.limiter.store !== hcm.ctx.stats) e.limiter = new HttpLocalRateLimiter(e.settings, hcm.ctx.stats, hcm.clock, `http_filter=${this.name}; typed_per_filter_config stat_prefix=${e.settings.statPrefix}`);
      return e.limiter;
    }
    // Bound on first use: decoders do not see the stats store or clock.
    if (!this.limiter || this.limiter.store !== hcm.ctx.stats) this.limiter = new HttpLocalRateLimiter(this.settings, hcm.ctx.stats, hcm.clock, `http_filter=${this.name}`);
    return this.limiter;
  }
}

/**
 * Per-stream state: the bucket consulted (for x-ratelimit-*) and the gRPC
 * status to put on our reply. Writes them only when the settings need them,
 * so one instance can serve every stream otherwise (see sharedFilter).
 */
class LocalRateLimitFilter implements HttpFilter {
  private bucket: TokenBucket | undefined;
  private grpcStatus: string | undefined;

  constructor(private readonly limiter: HttpLocalRateLimiter) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const l = this.limiter;
    const s = l.settings;
    const hcm = stream.hcm;
    if (!hit(s.enabled, hcm)) return CONTINUE;
    l.stats.enabled.inc();
    const bucket = l.bucketFor(stream.conn);
    if (!bucket) {
      // No token bucket anywhere: Envoy applies no limit.
      l.stats.ok.inc();
      return CONTINUE;
    }
    if (s.xRateLimitHeaders) this.bucket = bucket;
    if (bucket.tryTake(hcm.clock.now())) {
      l.stats.ok.inc();
      return CONTINUE;
    }
    l.stats.rateLimited.inc();
    if (!hit(s.enforced, hcm)) {
      if (!s.requestHeadersWhenNotEnforced.isEmpty) s.requestHeadersWhenNotEnforced.apply(stream.headers, formatContext(stream));
      return CONTINUE;
    }
    l.stats.enforced.inc();
    const extra = new HeaderMap();
    if (!s.responseHeaders.isEmpty) s.responseHeaders.apply(extra, formatContext(stream));
    if (s.grpcStatus !== undefined && stream.isGrpc) this.grpcStatus = String(s.grpcStatus);
    stream.sendLocalReply({
      status: s.status,
      code: 'WEFT_RATE_LIMITED',
      flag: RL,
      cause: 'local rate limit exceeded',
      source: l.source,
      body: RATE_LIMITED_BODY,
      details: RATE_LIMITED_DETAILS,
    }, extra);
    return STOP;
  }

  encodeHeaders(stream: FilterStream, _status: number, headers: HeaderMap): void {
    // sendLocalReply derives grpc-status from the HTTP status; replace it on our own reply only.
    if (this.grpcStatus !== undefined) headers.set('grpc-status', this.grpcStatus);
    const b = this.bucket;
    if (b && this.limiter.settings.xRateLimitHeaders) {
      const now = stream.hcm.clock.now();
      headers.add(X_RATELIMIT_LIMIT, String(b.spec.maxTokens));
      headers.add(X_RATELIMIT_REMAINING, String(b.remaining(now)));
      headers.add(X_RATELIMIT_RESET, String(b.resetSeconds(now)));
    }
  }
}

/** A fraction decides per request; 0 and 1 skip the random draw. */
function hit(p: number, hcm: { random(): number }): boolean {
  return p >= 1 || (p > 0 && hcm.random() < p);
}

