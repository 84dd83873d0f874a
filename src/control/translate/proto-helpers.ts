// Small builders for the canonical proto shape (docs/architecture/protobuf.md):
// Durations as {seconds, nanos}, wrappers as {value}, Any as {'@type', ...}.
// Translators use them so every resource has one spelling of each part.
import type {
  AnyMessage,
  envoy_config_core_v3_ConfigSource,
  envoy_type_v3_FractionalPercent,
  google_protobuf_Duration,
} from '../../xds/gen/types.js';
import { parseDurationMs } from '../model/duration.js';

export const TYPE_PREFIX = 'type.googleapis.com/';

/** Type URLs of the messages translators pack into Anys. */
export const TYPE_URLS = {
  hcm: `${TYPE_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  tcpProxy: `${TYPE_PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  router: `${TYPE_PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  fault: `${TYPE_PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  httpProtocolOptions: `${TYPE_PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  previousHosts: `${TYPE_PREFIX}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
  tlsInspector: `${TYPE_PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  originalDst: `${TYPE_PREFIX}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`,
  cors: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  corsPolicy: `${TYPE_PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  fileAccessLog: `${TYPE_PREFIX}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  downstreamTlsContext: `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  httpRbac: `${TYPE_PREFIX}envoy.extensions.filters.http.rbac.v3.RBAC`,
  networkRbac: `${TYPE_PREFIX}envoy.extensions.filters.network.rbac.v3.RBAC`,
  extAuthz: `${TYPE_PREFIX}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
} as const;

/** Filter names, as Envoy's well-known names. */
export const FILTER_NAMES = {
  hcm: 'envoy.filters.network.http_connection_manager',
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  router: 'envoy.filters.http.router',
  fault: 'envoy.filters.http.fault',
  tlsInspector: 'envoy.filters.listener.tls_inspector',
  originalDst: 'envoy.filters.listener.original_dst',
  cors: 'envoy.filters.http.cors',
  fileAccessLog: 'envoy.access_loggers.file',
  tlsTransportSocket: 'envoy.transport_sockets.tls',
  httpProtocolOptionsKey: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

/** An Any of `typeUrl` carrying `fields`. */
export function anyOf(typeUrl: string, fields: object = {}): AnyMessage {
  return { '@type': typeUrl, ...fields };
}

/** A Duration of `ms` milliseconds. */
export function durationFromMs(ms: number): google_protobuf_Duration {
  const whole = Math.floor(ms / 1000);
  return { seconds: whole, nanos: Math.round((ms - whole * 1000) * 1e6) };
}

/** A Duration from an Istio duration string, or undefined when it does not parse. */
export function duration(s: string | undefined): google_protobuf_Duration | undefined {
  const ms = parseDurationMs(s);
  return ms === undefined ? undefined : durationFromMs(ms);
}

/** The config source every dynamic reference uses: the ADS stream, v3. */
export function adsConfigSource(): envoy_config_core_v3_ConfigSource {
  return { ads: {}, resource_api_version: 'V3' };
}

/**
 * Istio's Percent (0..100, double) as a FractionalPercent per MILLION, the
 * way Istio converts it (value × 10000, truncated), so 0.1% stays exact.
 */
export function percentToFractional(value: number): envoy_type_v3_FractionalPercent {
  const numerator = Math.trunc(value * 10_000);
  return numerator === 0 ? { denominator: 'MILLION' } : { numerator, denominator: 'MILLION' };
}

/**
 * An integer percent (Istio's deprecated `percent` / `mirrorPercent`) per
 * HUNDRED; HUNDRED is the enum's zero value, so the canonical shape leaves the
 * denominator out.
 */
export function integerToFractional(value: number): envoy_type_v3_FractionalPercent {
  return value === 0 ? {} : { numerator: Math.trunc(value) };
}

/** Sorted copy of `xs` by a string key (deterministic output). */
export function sortBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  return [...xs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Sorted own keys of a record (Istio sorts map-derived lists so output is stable). */
export function sortedKeys(r: Readonly<Record<string, unknown>> | undefined): string[] {
  return Object.keys(r ?? {}).sort();
}
