// The seam between the health checker's state machine (timers, thresholds,
// host flags) and the wire (HTTP, TCP, gRPC). A probe owns at most one
// connection to one host and runs one check at a time.
import type { HealthCheckConfig } from './health-check-config.js';
import type { HealthCheckStats } from './health-check-stats.js';
import type net from 'node:net';
import { connectUpstream, PLAINTEXT_TRANSPORT, type UpstreamConnectFailure, type UpstreamTransport } from './upstream-connect.js';

/** How one check ended. `network` failures (connect error, reset) count toward unhealthy_threshold; others are immediate unless `retriable`. */
export type ProbeOutcome =
  | { readonly ok: true; readonly degraded: boolean }
  | { readonly ok: false; readonly network: boolean; readonly retriable: boolean; readonly reason: string };

export interface HealthProbe {
  /** Starts one check; `done` is called exactly once, unless abort() or close() comes first. */
  start(done: (outcome: ProbeOutcome) => void): void;
  /** The check timed out: drop it and its connection (the next check reconnects); `done` is not called. */
  abort(): void;
  /** The host left or the checker stopped: release everything. */
  close(): void;
}

export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  /** Default Host / :authority (the cluster name). */
  readonly clusterName: string;
  /** The host's transport socket (TLS when the cluster's, or its transport_socket_matches entry, is); plaintext when absent. */
  readonly transport?: UpstreamTransport;
  /** The endpoint's hostname, for the TLS provider. */
  readonly hostname?: string;
}

/**
 * A connection to the probe's host through the connect seam (plaintext or
 * TLS with the host's transport socket). `onFailed` learns why a connect or
 * TLS handshake failed; the socket is then closed without a response.
 */
export function probeConnect(
  target: ProbeTarget,
  alpn: readonly string[],
  cb: { onConnected?: (s: net.Socket) => void; onFailed?: (f: UpstreamConnectFailure) => void } = {},
): net.Socket {
  return connectUpstream({ address: target.address, port: target.port, hostname: target.hostname ?? target.address }, { transport: target.transport ?? PLAINTEXT_TRANSPORT, alpnFallback: alpn }, {
    onConnected: (s) => cb.onConnected?.(s),
    onFailed: (f) => cb.onFailed?.(f),
  });
}

export type ProbeFactory = (target: ProbeTarget, config: HealthCheckConfig, stats: HealthCheckStats) => HealthProbe;

export const OK: ProbeOutcome = { ok: true, degraded: false };
export const OK_DEGRADED: ProbeOutcome = { ok: true, degraded: true };

export function networkFailure(reason: string): ProbeOutcome {
  return { ok: false, network: true, retriable: false, reason };
}

export function activeFailure(reason: string, retriable = false): ProbeOutcome {
  return { ok: false, network: false, retriable, reason };
}
