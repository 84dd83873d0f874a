// envoy.extensions.filters.http.fault.v3.HTTPFault decoded into immutable
// FaultSettings. The same decoder serves the listener-level filter and a
// route's typed_per_filter_config (how Istio's VirtualService `fault` arrives).
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported, durationMs } from '../../config/support.js';
import { decodeHeaderMatcher, type HeaderCondition } from '../../route/route-match-header.js';
import type {
  envoy_extensions_filters_common_fault_v3_FaultDelay,
  envoy_extensions_filters_http_fault_v3_FaultAbort,
  envoy_extensions_filters_http_fault_v3_HTTPFault,
  envoy_type_v3_FractionalPercent,
} from '../../../xds/gen/types.js';
import { FAULT_RUNTIME_KEYS } from '../../runtime/known-keys.js';
import { DEFAULT_FAULT_PERCENTAGE, MAX_ABORT_STATUS_EXCLUSIVE, MIN_ABORT_STATUS, UNLIMITED_ACTIVE_FAULTS } from './defaults.js';

/** A FractionalPercent kept as numerator/denominator: header percentages are capped by the numerator. */
export interface FaultPercentage {
  readonly numerator: number;
  readonly denominator: number;
}

export type DelaySpec =
  | { readonly kind: 'fixed'; readonly ms: number; readonly percentage: FaultPercentage }
  /** Duration from x-envoy-fault-delay-request; percentage overridable by x-envoy-fault-delay-request-percentage. */
  | { readonly kind: 'header'; readonly percentage: FaultPercentage };

export type AbortSpec =
  | { readonly kind: 'http'; readonly status: number; readonly percentage: FaultPercentage }
  | { readonly kind: 'grpc'; readonly grpcStatus: number; readonly percentage: FaultPercentage }
  /** Status from x-envoy-fault-abort-request or x-envoy-fault-abort-grpc-request. */
  | { readonly kind: 'header'; readonly percentage: FaultPercentage };

/** What one HTTPFault asks for. */
export interface FaultSettings {
  readonly delay: DelaySpec | undefined;
  readonly abort: AbortSpec | undefined;
  /** Only requests routed to this cluster get faults; undefined: any. */
  readonly upstreamCluster: string | undefined;
  /** All must match the request. */
  readonly headers: readonly HeaderCondition[];
  /** Only callers whose x-envoy-downstream-service-node is listed; undefined: any. */
  readonly downstreamNodes: ReadonlySet<string> | undefined;
  /** Streams with an active fault, beyond which no new fault starts (faults_overflow). */
  readonly maxActiveFaults: number;
  readonly disableDownstreamClusterStats: boolean;
  /** Runtime keys that override the percentages, delay, statuses and max_active_faults (the *_runtime fields, or Envoy's default names). */
  readonly runtimeKeys: FaultRuntimeKeys;
}

export type FaultRuntimeKeys = { readonly [K in keyof typeof FAULT_RUNTIME_KEYS]: string };

const SUPPORTED = [
  'delay', 'abort', 'upstream_cluster', 'headers', 'downstream_nodes', 'max_active_faults',
  // Runtime keys: read from the bootstrap's layered_runtime at request time.
  'delay_percent_runtime', 'abort_percent_runtime', 'delay_duration_runtime', 'abort_http_status_runtime',
  'max_active_faults_runtime', 'response_rate_limit_percent_runtime', 'abort_grpc_status_runtime',
  'disable_downstream_cluster_stats',
];
const UINT32_MAX = 4294967295;
const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** Decodes one HTTPFault; undefined (every error reported with its path) when unusable. */
export function decodeHttpFault(cfg: envoy_extensions_filters_http_fault_v3_HTTPFault, path: string, errs: ConfigErrors): FaultSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, SUPPORTED);
  const delay = cfg.delay ? decodeDelay(cfg.delay, joinPath(path, 'delay'), errs) : undefined;
  const abort = cfg.abort ? decodeAbort(cfg.abort, joinPath(path, 'abort'), errs) : undefined;
  const headers: HeaderCondition[] = [];
  (cfg.headers ?? []).forEach((m, i) => {
    const c = decodeHeaderMatcher(m, joinPath(joinPath(path, 'headers'), i), errs);
    if (c) headers.push(c);
  });
  const nodes = cfg.downstream_nodes ?? [];
  let maxActiveFaults = UNLIMITED_ACTIVE_FAULTS;
  if (cfg.max_active_faults !== undefined) {
    const v = cfg.max_active_faults.value ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) errs.error(joinPath(path, 'max_active_faults'), `must be an integer in [0, ${UINT32_MAX}] (got ${v})`);
    else maxActiveFaults = v;
  }
  if (errs.errors.length > before) return undefined;
  return {
    delay,
    abort,
    upstreamCluster: cfg.upstream_cluster || undefined,
    headers,
    downstreamNodes: nodes.length > 0 ? new Set(nodes) : undefined,
    maxActiveFaults,
    disableDownstreamClusterStats: cfg.disable_downstream_cluster_stats === true,
    runtimeKeys: {
      delayPercent: cfg.delay_percent_runtime || FAULT_RUNTIME_KEYS.delayPercent,
      abortPercent: cfg.abort_percent_runtime || FAULT_RUNTIME_KEYS.abortPercent,
      delayDuration: cfg.delay_duration_runtime || FAULT_RUNTIME_KEYS.delayDuration,
      abortHttpStatus: cfg.abort_http_status_runtime || FAULT_RUNTIME_KEYS.abortHttpStatus,
      abortGrpcStatus: cfg.abort_grpc_status_runtime || FAULT_RUNTIME_KEYS.abortGrpcStatus,
      maxActiveFaults: cfg.max_active_faults_runtime || FAULT_RUNTIME_KEYS.maxActiveFaults,
    },
  };
}

function decodeDelay(d: envoy_extensions_filters_common_fault_v3_FaultDelay, path: string, errs: ConfigErrors): DelaySpec | undefined {
  checkSupported(d, path, errs, ['fixed_delay', 'header_delay', 'percentage']);
  const percentage = decodePercentage(d.percentage, joinPath(path, 'percentage'), errs);
  const set = (['fixed_delay', 'header_delay'] as const).filter((k) => d[k] !== undefined);
  if (set.length !== 1) {
    errs.required(path, set.length === 0 ? 'one of fixed_delay, header_delay is required' : 'only one of fixed_delay, header_delay may be set');
    return undefined;
  }
  if (d.header_delay) {
    checkSupported(d.header_delay, joinPath(path, 'header_delay'), errs, []);
    return { kind: 'header', percentage };
  }
  const ms = durationMs(d.fixed_delay)!;
  if (!(ms > 0)) {
    errs.error(joinPath(path, 'fixed_delay'), 'must be greater than 0s');
    return undefined;
  }
  // Envoy works in whole milliseconds; a delay that rounds to 0 ms is not injected.
  return { kind: 'fixed', ms: Math.floor(ms), percentage };
}

function decodeAbort(a: envoy_extensions_filters_http_fault_v3_FaultAbort, path: string, errs: ConfigErrors): AbortSpec | undefined {
  checkSupported(a, path, errs, ['http_status', 'grpc_status', 'header_abort', 'percentage']);
  const percentage = decodePercentage(a.percentage, joinPath(path, 'percentage'), errs);
  const set = (['http_status', 'grpc_status', 'header_abort'] as const).filter((k) => a[k] !== undefined);
  if (set.length !== 1) {
    errs.required(path, set.length === 0 ? 'one of http_status, grpc_status, header_abort is required' : `only one of http_status, grpc_status, header_abort may be set (found ${set.join(', ')})`);
    return undefined;
  }
  if (a.http_status !== undefined) {
    const s = a.http_status;
    if (!Number.isInteger(s) || s < MIN_ABORT_STATUS || s >= MAX_ABORT_STATUS_EXCLUSIVE) {
      errs.error(joinPath(path, 'http_status'), `must be in [${MIN_ABORT_STATUS}, ${MAX_ABORT_STATUS_EXCLUSIVE}) (got ${s})`);
      return undefined;
    }
    return { kind: 'http', status: s, percentage };
  }
  if (a.grpc_status !== undefined) {
    const g = a.grpc_status;
    if (!Number.isInteger(g) || g < 0 || g > UINT32_MAX) {
      errs.error(joinPath(path, 'grpc_status'), `must be a non-negative integer (got ${g})`);
      return undefined;
    }
    return { kind: 'grpc', grpcStatus: g, percentage };
  }
  checkSupported(a.header_abort, joinPath(path, 'header_abort'), errs, []);
  return { kind: 'header', percentage };
}

function decodePercentage(p: envoy_type_v3_FractionalPercent | undefined, path: string, errs: ConfigErrors): FaultPercentage {
  if (!p) {
    errs.warn(path, 'percentage is unset, so this fault is never injected (Envoy evaluates an unset percentage as 0%); set e.g. {numerator: 100}');
    return DEFAULT_FAULT_PERCENTAGE;
  }
  checkSupported(p, path, errs, ['numerator', 'denominator']);
  const numerator = p.numerator ?? 0;
  const denominator = DENOMINATORS[p.denominator ?? 'HUNDRED'];
  if (denominator === undefined) {
    errs.error(joinPath(path, 'denominator'), `unknown denominator ${String(p.denominator)} (HUNDRED, TEN_THOUSAND, MILLION)`);
    return DEFAULT_FAULT_PERCENTAGE;
  }
  if (!Number.isInteger(numerator) || numerator < 0 || numerator > UINT32_MAX) {
    errs.error(joinPath(path, 'numerator'), `must be a non-negative integer (got ${numerator})`);
    return DEFAULT_FAULT_PERCENTAGE;
  }
  return { numerator, denominator };
}
