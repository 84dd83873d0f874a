// The runtime keys weft reads, with Envoy's defaults in one place. A key set
// in a layer that is not here (and not under a known prefix) is still served
// by /runtime, and logged once as a warning: Envoy has hundreds of keys, and a
// bootstrap written for Envoy must start even when it sets some weft ignores.

/** `overload.global_downstream_max_connections`: unset means no global cap (Envoy warns about that). */
export const RK_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS = 'overload.global_downstream_max_connections';
/** Premature stream resets: streams closed sooner than this many seconds after they opened count as premature. */
export const RK_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS = 'overload.premature_reset_min_stream_lifetime_seconds';
export const DEFAULT_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS = 1;
/** Premature stream resets: the check starts once a connection has opened this many streams. */
export const RK_PREMATURE_RESET_TOTAL_STREAM_COUNT = 'overload.premature_reset_total_stream_count';
export const DEFAULT_PREMATURE_RESET_TOTAL_STREAM_COUNT = 500;

/** A listener's own connection cap (Envoy's edge-proxy advice sets it in a static layer); unset means no cap. */
export function listenerConnectionLimitKey(listenerName: string): string {
  return `envoy.resource_limits.listener.${listenerName}.connection_limit`;
}

/** The fault filter's keys (its *_runtime fields default to these; each can be renamed in the filter's config). */
export const FAULT_RUNTIME_KEYS = {
  delayPercent: 'fault.http.delay.fixed_delay_percent',
  abortPercent: 'fault.http.abort.abort_percent',
  delayDuration: 'fault.http.delay.fixed_duration_ms',
  abortHttpStatus: 'fault.http.abort.http_status',
  abortGrpcStatus: 'fault.http.abort.grpc_status',
  maxActiveFaults: 'fault.http.max_active_faults',
} as const;

const KNOWN = new Set<string>([
  RK_GLOBAL_DOWNSTREAM_MAX_CONNECTIONS,
  RK_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS,
  RK_PREMATURE_RESET_TOTAL_STREAM_COUNT,
  ...Object.values(FAULT_RUNTIME_KEYS),
]);

/** `fault.http.<downstream cluster>.abort.abort_percent` and friends: per calling cluster, read when x-envoy-downstream-service-cluster is set. */
const KNOWN_PREFIXES = ['fault.http.'];

/** Does weft read this key (by default name)? `extra` holds the key names a config chose (e.g. a fault filter's abort_percent_runtime). */
export function isKnownRuntimeKey(key: string, extra: ReadonlySet<string> = new Set()): boolean {
  return KNOWN.has(key) || extra.has(key) || KNOWN_PREFIXES.some((p) => key.startsWith(p))
    || (key.startsWith('envoy.resource_limits.listener.') && key.endsWith('.connection_limit'));
}

/**
 * Runtime key names a config chose itself: the *_runtime fields of every
 * fault filter config in it (listener filters and typed_per_filter_config).
 */
export function runtimeKeysNamedIn(config: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const isFault = typeof o['@type'] === 'string' && o['@type'].endsWith('/envoy.extensions.filters.http.fault.v3.HTTPFault');
    for (const [k, x] of Object.entries(o)) {
      if (isFault && k.endsWith('_runtime') && typeof x === 'string' && x !== '') out.add(x);
      else walk(x);
    }
  };
  walk(config);
  return out;
}
