// Defaults of the xDS server, each with the reason for its value.

export const XDS_SERVER_DEFAULTS = {
  /** Ping an idle connection every 30 s so dead proxies (and NATs that forget the flow) are noticed (Istio's value). */
  keepaliveTimeMs: 30_000,
  /** A ping unanswered for 10 s closes the connection; the proxy reconnects and resyncs (Istio's value). */
  keepaliveTimeoutMs: 10_000,
  /** Envoy pings with `connection_keepalive`; accept pings this often without answering GOAWAY "too_many_pings". */
  minPingIntervalMs: 10_000,
  /**
   * Connections are closed after 30 minutes (plus grace) so proxies spread
   * over control plane replicas after a scale-up (Istio's MaxServerConnectionAge).
   * 0 disables.
   */
  maxConnectionAgeMs: 30 * 60_000,
  /** Time a stream has to finish a response in progress when its connection ages out. */
  maxConnectionAgeGraceMs: 10_000,
  /** NACKs carry error text and requests carry node metadata; 4 MiB (gRPC's default) is enough, 16 MiB is safe. */
  maxReceiveMessageBytes: 16 * 1024 * 1024,
  /** Streams pushed per event-loop turn after a snapshot change, so thousands of streams do not starve requests. */
  pushBatchSize: 200,
  /**
   * Bytes written to streams and not yet flushed. Above it, pushes wait for
   * writes to drain: memory stays bounded when many proxies read slowly.
   */
  maxBytesInFlight: 256 * 1024 * 1024,
  /**
   * 1: the discovery services are served on node:http2 with weft's own gRPC
   * framing (a response is framed once and the same buffer written to every
   * stream); grpc-js keeps the connections and serves HDS. 0: grpc-js serves
   * everything (it copies each message per stream).
   */
  nativeDiscovery: 1,
  /** close() ends streams, then waits this long for connections to finish before forcing them shut. */
  closeGraceMs: 5_000,
} as const;
