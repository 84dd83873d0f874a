// `weft up`'s defaults, each with its reason.

export const UP_DEFAULTS = {
  /**
   * Where sidecar inbound listeners and exposed ports bind. Loopback: a
   * development mesh on a laptop must not be reachable from the network
   * unless asked (`--bind`). Istio's pods bind the wildcard, but a pod has
   * its own network namespace; processes on one machine do not.
   */
  bindAddress: '127.0.0.1',
  /** Drain time given to sidecars on shutdown: short, a local mesh has no load balancer to drain from. */
  sidecarDrainS: 1,
  /** A sidecar must report LIVE (admin /ready) within this time, or start-up fails. */
  sidecarReadyTimeoutMs: 20_000,
  /** An app must accept connections on its PORT within this time to count as running in the banner. */
  appReadyTimeoutMs: 20_000,
} as const;
