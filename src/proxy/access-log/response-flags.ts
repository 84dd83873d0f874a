// Envoy's response flags: why a request ended the way it did (UH, UF, NR, …).
// Kept as a bitmask on StreamInfo so setting one is a single OR on the hot path;
// the bit order is Envoy's flag order, so printing walks bits low to high and
// yields the same comma-separated sequence Envoy prints.

/** Local service failed a health check request. */
export const LH = 1 << 0;
/** No healthy upstream host in the cluster. */
export const UH = 1 << 1;
/** Upstream request timeout. */
export const UT = 1 << 2;
/** Connection local reset. */
export const LR = 1 << 3;
/** Upstream remote reset. */
export const UR = 1 << 4;
/** Upstream connection failure. */
export const UF = 1 << 5;
/** Upstream connection termination. */
export const UC = 1 << 6;
/** Upstream overflow (circuit breaking). */
export const UO = 1 << 7;
/** No route configured. */
export const NR = 1 << 8;
/** Request delayed by fault injection. */
export const DI = 1 << 9;
/** Request aborted by fault injection. */
export const FI = 1 << 10;
/** Rate limited locally. */
export const RL = 1 << 11;
/** Denied by an external authorization service. */
export const UAEX = 1 << 12;
/** Rate limit service error. */
export const RLSE = 1 << 13;
/** Downstream connection termination. */
export const DC = 1 << 14;
/** Upstream retry limit (HTTP) or max connect attempts (TCP) exceeded. */
export const URX = 1 << 15;
/** Stream idle timeout. */
export const SI = 1 << 16;
/** Invalid value in an x-envoy-* request header. */
export const IH = 1 << 17;
/** Downstream HTTP protocol error. */
export const DPE = 1 << 18;
/** Upstream request reached max stream duration. */
export const UMSDR = 1 << 19;
/** Response served from the cache filter. */
export const RFCF = 1 << 20;
/** No filter config found (ECDS). */
export const NFCF = 1 << 21;
/** Max connection or stream duration reached. */
export const DT = 1 << 22;
/** Upstream HTTP protocol error. */
export const UPE = 1 << 23;
/** The routed-to cluster does not exist. */
export const NC = 1 << 24;
/** Terminated by the overload manager. */
export const OM = 1 << 25;
/** DNS resolution failed. */
export const DF = 1 << 26;
/** Dropped by drop_overload in the load assignment. */
export const DO = 1 << 27;

/** One flag: short name (access log), long name (RESPONSE_FLAGS_LONG), bit. */
export interface ResponseFlagInfo {
  readonly short: string;
  readonly long: string;
  readonly bit: number;
}

/** Every flag in Envoy's order (the order its access log prints them). */
export const RESPONSE_FLAGS: readonly ResponseFlagInfo[] = [
  { short: 'LH', long: 'FailedLocalHealthCheck', bit: LH },
  { short: 'UH', long: 'NoHealthyUpstream', bit: UH },
  { short: 'UT', long: 'UpstreamRequestTimeout', bit: UT },
  { short: 'LR', long: 'LocalReset', bit: LR },
  { short: 'UR', long: 'UpstreamRemoteReset', bit: UR },
  { short: 'UF', long: 'UpstreamConnectionFailure', bit: UF },
  { short: 'UC', long: 'UpstreamConnectionTermination', bit: UC },
  { short: 'UO', long: 'UpstreamOverflow', bit: UO },
  { short: 'NR', long: 'NoRouteFound', bit: NR },
  { short: 'DI', long: 'DelayInjected', bit: DI },
  { short: 'FI', long: 'FaultInjected', bit: FI },
  { short: 'RL', long: 'RateLimited', bit: RL },
  { short: 'UAEX', long: 'UnauthorizedExternalService', bit: UAEX },
  { short: 'RLSE', long: 'RateLimitServiceError', bit: RLSE },
  { short: 'DC', long: 'DownstreamConnectionTermination', bit: DC },
  { short: 'URX', long: 'UpstreamRetryLimitExceeded', bit: URX },
  { short: 'SI', long: 'StreamIdleTimeout', bit: SI },
  { short: 'IH', long: 'InvalidEnvoyRequestHeaders', bit: IH },
  { short: 'DPE', long: 'DownstreamProtocolError', bit: DPE },
  { short: 'UMSDR', long: 'UpstreamMaxStreamDurationReached', bit: UMSDR },
  { short: 'RFCF', long: 'ResponseFromCacheFilter', bit: RFCF },
  { short: 'NFCF', long: 'NoFilterConfigFound', bit: NFCF },
  { short: 'DT', long: 'DurationTimeout', bit: DT },
  { short: 'UPE', long: 'UpstreamProtocolError', bit: UPE },
  { short: 'NC', long: 'NoClusterFound', bit: NC },
  { short: 'OM', long: 'OverloadManagerTerminated', bit: OM },
  { short: 'DF', long: 'DnsResolutionFailed', bit: DF },
  { short: 'DO', long: 'DropOverload', bit: DO },
];

const byShort = new Map(RESPONSE_FLAGS.map((f) => [f.short, f.bit] as const));

/** The bit of a short flag name (`UH`), or undefined when Envoy has no such flag. */
export function responseFlagBit(short: string): number | undefined {
  return byShort.get(short);
}

// Few flag combinations ever occur, so each printed form is built once and
// reused; the caps keep a misbehaving caller from growing the caches forever.
const CACHE_LIMIT = 256;
const shortCache = new Map<number, string>();
const longCache = new Map<number, string>();

function render(mask: number, long: boolean, cache: Map<number, string>): string {
  if (mask === 0) return '-';
  const hit = cache.get(mask);
  if (hit !== undefined) return hit;
  let out = '';
  for (const f of RESPONSE_FLAGS) {
    if ((mask & f.bit) !== 0) out = out === '' ? (long ? f.long : f.short) : `${out},${long ? f.long : f.short}`;
  }
  if (out === '') out = '-';
  if (cache.size < CACHE_LIMIT) cache.set(mask, out);
  return out;
}

/** `UH,UF` style (Envoy's %RESPONSE_FLAGS%); `-` when no flag is set. */
export function responseFlagsToString(mask: number): string {
  return render(mask, false, shortCache);
}

/** `NoHealthyUpstream,UpstreamConnectionFailure` style (%RESPONSE_FLAGS_LONG%). */
export function responseFlagsToLongString(mask: number): string {
  return render(mask, true, longCache);
}
