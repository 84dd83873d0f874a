// Istio's defaults for generated config, each in one place with its reason.
// Values are Istio's (pilot/pkg/networking/core, mesh config defaults), so a
// mesh behaves the same under weft as under Istio.

export const TRANSLATE_DEFAULTS = {
  /** Mesh connectTimeout: Istio's default is 10 s (Envoy's own is 5 s). */
  connectTimeoutMs: 10_000,
  /**
   * Circuit-breaker thresholds Istio sets on every cluster: effectively
   * unlimited (Envoy's 1024 / 3 retries trip during pod churn before new
   * endpoints arrive, giving client-facing 503s).
   */
  circuitBreakerMax: 4294967295,
  /** Ring hash minimum_ring_size when a consistentHash sets none (Envoy's default). */
  minimumRingSize: 1024,
  /** Route-level upper bound on direct_response bodies (Istio: 1 MiB; Envoy's own default is 4 KiB). */
  maxDirectResponseBodyBytes: 1024 * 1024,
  /** DNS refresh rate for STRICT_DNS/LOGICAL_DNS clusters (mesh dnsRefreshRate: 60 s). */
  dnsRefreshRateMs: 60_000,
  /** Outbound bind address for per-port listeners; node metadata OUTBOUND_BIND_ADDRESS overrides it. */
  outboundBindAddress: '0.0.0.0',
  /**
   * Local mode (`weft up`): address the per-port inbound listeners bind when
   * node metadata WEFT_INBOUND_BIND_ADDRESS is unset. Loopback, so a mesh on
   * one machine is not reachable from the network unless asked (`--bind`).
   */
  localInboundBindAddress: '127.0.0.1',
  /** Istio's outbound capture port (virtualOutbound, built for proxies with INTERCEPTION_MODE REDIRECT). */
  virtualOutboundPort: 15001,
  /** Istio's inbound capture port (virtualInbound). */
  virtualInboundPort: 15006,
  /** Address the sidecar reaches its own app on (inbound clusters). */
  inboundAppAddress: '127.0.0.1',
  /** warmup.aggression when unset: 1 ramps traffic up linearly (Istio's setWarmup). */
  slowStartAggression: 1,
  /** warmup.minimumPercent when unset: Envoy's default minimum weight, 10% (Istio's setWarmup). */
  slowStartMinWeightPercent: 10,
  /** Envoy requires a runtime key on RuntimeDouble; Istio sets this fixed one, which names no runtime value. */
  slowStartRuntimeKey: '(',
  /**
   * CA bundle a DestinationRule SIMPLE/MUTUAL client verifies the server with
   * when it names no caCertificates: the system's roots, as Istio does
   * (caCertificates defaults to "system", which istio-agent resolves to the
   * OS bundle; this is the Debian/Ubuntu path it tries first). Envoy has no
   * "system roots" setting of its own (system_root_certs is not implemented),
   * so the file is named.
   */
  systemRootCertsFile: '/etc/ssl/certs/ca-certificates.crt',
} as const;

/**
 * Istio's default HTTP retry policy (route/retry/retry.go): 2 retries on
 * connection failures, refused streams, gRPC unavailable/cancelled and 503,
 * trying other hosts (previous_hosts, up to 5 host selections).
 */
export const DEFAULT_RETRY = {
  numRetries: 2,
  retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  retriableStatusCodes: [503] as readonly number[],
  hostSelectionRetryMaxAttempts: 5,
} as const;

/** Well-known names, as Istio spells them. */
export const NAMES = {
  blackHoleCluster: 'BlackHoleCluster',
  passthroughCluster: 'PassthroughCluster',
  virtualOutbound: 'virtualOutbound',
  virtualInbound: 'virtualInbound',
  /** Virtual host answering unknown hosts under REGISTRY_ONLY. */
  blockAll: 'block_all',
  /** Virtual host answering unknown hosts under ALLOW_ANY. */
  allowAny: 'allow_any',
  /** Route name of a route built without a VirtualService. */
  defaultRoute: 'default',
  /** Local mode (`weft up`): the outbound HTTP proxy listener and its route configuration. */
  localOutboundHttp: 'weft_outbound_http',
  /** The 'mesh' gateway: sidecars. */
  meshGateway: 'mesh',
} as const;

/** Node metadata keys weft reads (strings or JSON). */
export const METADATA_KEYS = {
  /** Bind address for per-port outbound listeners (default 0.0.0.0). */
  outboundBindAddress: 'OUTBOUND_BIND_ADDRESS',
  /** Local mode: port of the 127.0.0.1 outbound HTTP proxy listener apps use as HTTP_PROXY. */
  outboundHttpProxyPort: 'WEFT_OUTBOUND_HTTP_PROXY_PORT',
  /** Local mode: JSON map service port → port the sidecar listens on for inbound traffic. */
  inboundPorts: 'WEFT_INBOUND_PORTS',
  /** Local mode: JSON map service port → port the app listens on (127.0.0.1). */
  appPorts: 'WEFT_APP_PORTS',
  /** Local mode: address the inbound listeners bind (default 127.0.0.1; `weft up --bind`). */
  inboundBindAddress: 'WEFT_INBOUND_BIND_ADDRESS',
  /**
   * Like Istio's mesh config `accessLogFile`: a path (`/dev/stdout`) every
   * HTTP connection manager and tcp_proxy logs to in Envoy's default format;
   * unset or empty, no access log.
   */
  accessLogFile: 'WEFT_ACCESS_LOG_FILE',
  /**
   * Like Istio's mesh config `accessLogFormat`: the text format (Envoy's
   * command operators) of those access logs; unset or empty, the default.
   */
  accessLogFormat: 'WEFT_ACCESS_LOG_FORMAT',
  /**
   * Istio's own key (the injector sets ISTIO_META_INTERCEPTION_MODE): REDIRECT
   * means iptables captures the pod's traffic (`weft iptables`), so the
   * sidecar gets virtualOutbound (15001, use_original_dst) and per-port
   * outbound listeners that do not bind; NONE or unset, listeners bind their
   * ports (weft up's loopback mode).
   */
  interceptionMode: 'INTERCEPTION_MODE',
} as const;
