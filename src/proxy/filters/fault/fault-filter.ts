// envoy.filters.http.fault: delays and aborts injected on the request path.
// Lifetimes as in Envoy: FaultSettings (decoded, immutable; the listener's or
// a route's), the factory (settings + stats, shared by all streams of the
// listener), and FaultFilter (one stream's timer and active-fault charge).
// A route's typed_per_filter_config entry replaces the listener's settings;
// stats and max_active_faults accounting stay the listener filter's.
import { ConfigErrors, type ConfigIssue } from '../../../common/errors.js';
import type { TimerHandle } from '../../../common/clock.js';
import type { AnyMessage, envoy_extensions_filters_http_fault_v3_HTTPFault } from '../../../xds/gen/types.js';
import { DI, FI } from '../../access-log/response-flags.js';
import { CONTINUE, STOP, type FilterDecodeContext, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import { RequestView } from '../../route/route-request.js';
import { decodeHttpFault, type FaultPercentage, type FaultSettings } from './decode.js';
import {
  ABORT_BODY, ABORT_DETAILS, FAULT_TYPE_URL, HEADER_ABORT_GRPC_REQUEST, HEADER_ABORT_PERCENTAGE, HEADER_ABORT_REQUEST,
  HEADER_DELAY_PERCENTAGE, HEADER_DELAY_REQUEST, HEADER_DOWNSTREAM_CLUSTER, HEADER_DOWNSTREAM_NODE, MAX_ABORT_STATUS_EXCLUSIVE, MIN_ABORT_STATUS,
} from './defaults.js';
import { FaultStats } from './fault-stats.js';
import { RuntimeSnapshot } from '../../runtime/runtime-snapshot.js';

// A route's HTTPFault, decoded once per config object (route tables are immutable).
interface PerRouteEntry {
  readonly settings: FaultSettings | undefined;
  readonly issues: readonly ConfigIssue[];
  reported?: boolean;
}
const perRouteCache = new WeakMap<AnyMessage, PerRouteEntry>();

function perRouteEntry(cfg: AnyMessage, path = 'typed_per_filter_config'): PerRouteEntry {
  const hit = perRouteCache.get(cfg);
  if (hit) return hit;
  const errs = new ConfigErrors();
  let settings: FaultSettings | undefined;
  if (cfg['@type'] !== FAULT_TYPE_URL) errs.error(`${path}["@type"]`, `expected ${FAULT_TYPE_URL.replace('type.googleapis.com/', '')}, got ${String(cfg['@type'])}`);
  else settings = decodeHttpFault(cfg as envoy_extensions_filters_http_fault_v3_HTTPFault, path, errs);
  const entry: PerRouteEntry = { settings, issues: errs.issues };
  perRouteCache.set(cfg, entry);
  return entry;
}

/**
 * Validates a route's typed_per_filter_config entry for this filter (call it
 * while decoding route config so errors surface there); cached for the data path.
 */
export function decodeHttpFaultPerRoute(cfg: AnyMessage, path: string, errs: ConfigErrors): FaultSettings | undefined {
  const e = perRouteEntry(cfg, path);
  for (const i of e.issues) errs.issues.push(i);
  return e.settings;
}

/** The listener-level filter config (one per http_filters entry). */
export class FaultFilterFactory implements HttpFilterFactory {
  private stats: FaultStats | undefined;

  constructor(readonly name: string, readonly settings: FaultSettings, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const hcm = stream.hcm;
    let settings = this.settings;
    let source = `http_filter=${this.name}`;
    const perRoute = stream.route?.route.perFilterConfig(this.name);
    if (perRoute) {
      const e = perRouteEntry(perRoute);
      if (!e.settings) {
        // Route config decoding does not yet validate per-filter configs; report once, inject nothing.
        if (!e.reported) hcm.log.error(`${this.name}: ignoring invalid typed_per_filter_config of route "${stream.route!.route.name}": ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
        e.reported = true;
        return undefined;
      }
      settings = e.settings;
      source = `http_filter=${this.name}; ${stream.route!.route.describe()}`;
    }
    if (!settings.delay && !settings.abort) return undefined;
    // Bound on first use: decoders do not see the stats store.
    if (!this.stats || this.stats.store !== hcm.ctx.stats) this.stats = new FaultStats(hcm.ctx.stats, this.hcmStatPrefix);
    return new FaultFilter(settings, this.stats, source);
  }
}

interface AbortStatus {
  readonly http: number;
  readonly grpc: number | undefined;
}

/** One stream's faults. */
class FaultFilter implements HttpFilter {
  private timer: TimerHandle | undefined;
  /** This stream holds one unit of active_faults. */
  private active = false;
  private downstreamCluster: string | undefined;
  private grpcStatus: string | undefined;
  /** The runtime values as this request started (one snapshot for the whole stream, as Envoy's per-request reads see one). */
  private runtime: RuntimeSnapshot = RuntimeSnapshot.EMPTY;
  /** x-envoy-downstream-service-cluster: its `fault.http.<cluster>.…` keys replace the filter's. */
  private callerCluster: string | undefined;

  constructor(private readonly settings: FaultSettings, private readonly stats: FaultStats, private readonly source: string) {}

  decodeHeaders(stream: FilterStream): FilterStatus {
    const s = this.settings;
    const h = stream.headers;
    if (s.upstreamCluster !== undefined) {
      const r = stream.route;
      if (!r || r.route.pickCluster(r.view, r.rand)?.name !== s.upstreamCluster) return CONTINUE;
    }
    if (s.downstreamNodes) {
      const node = h.get(HEADER_DOWNSTREAM_NODE);
      if (node === undefined || !s.downstreamNodes.has(node)) return CONTINUE;
    }
    if (s.headers.length > 0) {
      const view = stream.route?.view ?? new RequestView(stream);
      for (const c of s.headers) if (!c.matches(view)) return CONTINUE;
    }
    const caller = h.get(HEADER_DOWNSTREAM_CLUSTER);
    if (!s.disableDownstreamClusterStats) this.downstreamCluster = caller || undefined;
    this.callerCluster = caller;
    this.runtime = stream.hcm.ctx.runtime.snapshot();

    const delayMs = this.delayMs(stream);
    if (delayMs !== undefined && this.tryActivate()) {
      this.timer = stream.hcm.clock.setTimer(delayMs, () => this.afterDelay(stream));
      this.stats.delaysInjected.inc();
      if (this.downstreamCluster) this.stats.downstream(this.downstreamCluster, 'delays_injected').inc();
      stream.info.setResponseFlag(DI);
      return STOP;
    }
    const abort = this.abortStatus(stream);
    if (abort && this.tryActivate()) {
      this.abort(stream, abort);
      return STOP;
    }
    return CONTINUE;
  }

  encodeHeaders(_stream: FilterStream, _status: number, headers: HeaderMap): void {
    // sendLocalReply derives grpc-status from the HTTP status; an abort with grpc_status sets its own.
    if (this.grpcStatus !== undefined) headers.set('grpc-status', this.grpcStatus);
  }

  onDestroy(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.release();
  }

  private afterDelay(stream: FilterStream): void {
    this.timer = undefined;
    if (stream.state !== 'decoding') return;
    // A delay may be followed by an abort (its percentage is drawn now, once).
    const abort = this.abortStatus(stream);
    if (abort) {
      this.abort(stream, abort);
      return;
    }
    // The delay is over and nothing else is injected: the stream no longer counts as faulted.
    this.release();
    stream.continueDecoding();
  }

  private delayMs(stream: FilterStream): number | undefined {
    const d = this.settings.delay;
    if (!d) return undefined;
    const h = stream.headers;
    const keys = this.settings.runtimeKeys;
    const rt = this.runtime;
    const configured = d.kind === 'header' ? headerPercentage(d.percentage, h.get(HEADER_DELAY_PERCENTAGE)) : d.percentage;
    if (!rt.featureEnabled(this.callerKey('delay.fixed_delay_percent') ?? keys.delayPercent, configured, () => stream.hcm.random())) return undefined;
    let ms = d.kind === 'fixed' ? d.ms : parseUint(h.get(HEADER_DELAY_REQUEST));
    if (ms === undefined) return undefined;
    ms = rt.getInteger(keys.delayDuration, ms);
    const callerKey = this.callerKey('delay.fixed_duration_ms');
    if (callerKey) ms = rt.getInteger(callerKey, ms);
    return ms > 0 ? ms : undefined;
  }

  private abortStatus(stream: FilterStream): AbortStatus | undefined {
    const a = this.settings.abort;
    if (!a) return undefined;
    const h = stream.headers;
    const configured = a.kind === 'header' ? headerPercentage(a.percentage, h.get(HEADER_ABORT_PERCENTAGE)) : a.percentage;
    if (!this.runtime.featureEnabled(this.callerKey('abort.abort_percent') ?? this.settings.runtimeKeys.abortPercent, configured, () => stream.hcm.random())) return undefined;
    switch (a.kind) {
      case 'http':
        return { http: this.runtimeHttpStatus(a.status), grpc: undefined };
      case 'grpc':
        // As Envoy: a gRPC abort answers HTTP 200 (the status travels in grpc-status).
        return { http: 200, grpc: this.runtimeGrpcStatus(a.grpcStatus) };
      case 'header': {
        const code = parseUint(h.get(HEADER_ABORT_REQUEST));
        if (code !== undefined && code >= MIN_ABORT_STATUS && code < MAX_ABORT_STATUS_EXCLUSIVE) return { http: this.runtimeHttpStatus(code), grpc: undefined };
        const grpc = parseUint(h.get(HEADER_ABORT_GRPC_REQUEST));
        return grpc !== undefined ? { http: 200, grpc: this.runtimeGrpcStatus(grpc) } : undefined;
      }
    }
  }

  /** `fault.http.<caller>.<suffix>` when the caller's cluster is known (Envoy then reads it instead of the filter's key). */
  private callerKey(suffix: string): string | undefined {
    return this.callerCluster === undefined || this.runtime.size === 0 ? undefined : `fault.http.${this.callerCluster}.${suffix}`;
  }

  /** The abort status after runtime overrides (the caller's key wins); a value outside [200, 600) is ignored. */
  private runtimeHttpStatus(dflt: number): number {
    const key = this.callerKey('abort.http_status') ?? this.settings.runtimeKeys.abortHttpStatus;
    const v = this.runtime.getInteger(key, dflt);
    return v >= MIN_ABORT_STATUS && v < MAX_ABORT_STATUS_EXCLUSIVE ? v : dflt;
  }

  private runtimeGrpcStatus(dflt: number): number {
    const v = this.runtime.getInteger(this.callerKey('abort.grpc_status') ?? this.settings.runtimeKeys.abortGrpcStatus, dflt);
    return v <= UINT32_MAX ? v : dflt;
  }

  private abort(stream: FilterStream, st: AbortStatus): void {
    this.stats.abortsInjected.inc();
    if (this.downstreamCluster) this.stats.downstream(this.downstreamCluster, 'aborts_injected').inc();
    if (st.grpc !== undefined && stream.isGrpc) this.grpcStatus = String(st.grpc);
    stream.sendLocalReply({
      status: st.http,
      code: 'WEFT_FAULT_ABORT',
      flag: FI,
      cause: st.grpc !== undefined ? `fault injected: abort with gRPC status ${st.grpc}` : `fault injected: abort with HTTP ${st.http}`,
      source: this.source,
      body: ABORT_BODY,
      details: ABORT_DETAILS,
    });
  }

  /** Charges this stream to active_faults, unless max_active_faults is reached (then faults_overflow). */
  private tryActivate(): boolean {
    if (this.active) return true;
    const g = this.stats.activeFaults;
    if (g.value >= this.runtime.getInteger(this.settings.runtimeKeys.maxActiveFaults, this.settings.maxActiveFaults)) {
      this.stats.faultsOverflow.inc();
      return false;
    }
    g.inc();
    this.active = true;
    return true;
  }

  private release(): void {
    if (!this.active) return;
    this.active = false;
    this.stats.activeFaults.dec();
  }
}

/** A header's percentage replaces the numerator, never above the configured one. */
function headerPercentage(cfg: FaultPercentage, header: string | undefined): FaultPercentage {
  const n = parseUint(header);
  if (n === undefined || n > UINT32_MAX) return cfg;
  return n >= cfg.numerator ? cfg : { numerator: n, denominator: cfg.denominator };
}

const UINT32_MAX = 4294967295;
// absl::SimpleAtoi for unsigned values: optional surrounding whitespace and '+', decimal digits.
const UNSIGNED = /^\s*\+?(\d+)\s*$/;

/** The header as an unsigned integer, or undefined when absent or malformed. */
function parseUint(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = UNSIGNED.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

