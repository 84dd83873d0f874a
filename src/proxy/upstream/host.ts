// One upstream endpoint of a cluster: address, weight, health, and its
// connections (HTTP/1.1 idle keep-alive sockets, or one HTTP/2 session).
import type { LbHost } from '../lb/types.js';
import { formatAddr } from '../config/address.js';
import type { SocketMatchMetadata } from './transport-socket-match.js';
import { PLAINTEXT_TRANSPORT, type UpstreamTransport } from './upstream-connect.js';

export class UpstreamHost implements LbHost {
  healthy: boolean;
  activeRequests = 0;
  /** `ip:port` as Envoy prints it (stats, access logs, /clusters). */
  readonly key: string;
  // Per-host counters for admin /clusters.
  cxTotal = 0;
  cxActive = 0;
  cxConnectFail = 0;
  rqTotal = 0;
  rqError = 0;
  rqSuccess = 0;
  rqTimeout = 0;
  /** Health flags as /clusters shows them (failed_active_hc, failed_outlier_check, failed_eds_health). */
  readonly healthFlags = new Set<string>();
  /** Set when the host left the cluster: its connections drain and close. */
  removed = false;
  /** When the host joined, or last became healthy by active health checking (slow start). */
  slowStartFrom: number | undefined = undefined;
  /** The endpoint's transport_socket_match labels (kept so a cluster update can re-resolve them). */
  socketMatch: SocketMatchMetadata | undefined = undefined;
  /** The transport socket its new connections use; the cluster sets it from transport_socket_matches. */
  transport: UpstreamTransport = PLAINTEXT_TRANSPORT;

  constructor(
    readonly address: string,
    readonly port: number,
    public weight: number,
    public priority: number,
    public locality: string,
    readonly hostname: string,
    edsHealthy: boolean,
  ) {
    this.key = formatAddr(address, port);
    this.healthy = edsHealthy;
    if (!edsHealthy) this.healthFlags.add('failed_eds_health');
  }

  /** Recomputes `healthy` from the flags (EDS, active health check, outlier ejection). */
  refreshHealth(): void {
    this.healthy = this.healthFlags.size === 0;
  }
}
