// Circuit breaking: counts of connections, pending requests, active requests
// and active retries per cluster, checked against the thresholds. An overflow
// fails at once (503 UO) — nothing queues past a limit.
import type { Thresholds } from './circuit-breaker-config.js';
import type { ClusterStats } from './cluster-stats.js';

export class ResourceManager {
  connections = 0;
  pending = 0;
  requests = 0;
  retries = 0;

  constructor(readonly limits: Thresholds, private readonly stats: ClusterStats) {}

  canCreateConnection(): boolean {
    return this.connections < this.limits.maxConnections;
  }
  canQueuePending(): boolean {
    return this.pending < this.limits.maxPendingRequests;
  }
  canStartRequest(): boolean {
    return this.requests < this.limits.maxRequests;
  }
  canRetry(): boolean {
    return this.retries < this.limits.maxRetries;
  }

  connectionOpened(): void {
    this.connections++;
    this.update();
  }
  connectionClosed(): void {
    this.connections--;
    this.update();
  }
  pendingAdded(): void {
    this.pending++;
    this.update();
  }
  pendingRemoved(): void {
    this.pending--;
    this.update();
  }
  requestStarted(): void {
    this.requests++;
    this.update();
  }
  requestEnded(): void {
    this.requests--;
    this.update();
  }
  retryStarted(): void {
    this.retries++;
    this.update();
  }
  retryEnded(): void {
    this.retries--;
    this.update();
  }

  /** Keeps the circuit_breakers.default.*_open gauges true (1 while at the limit). */
  private update(): void {
    const s = this.stats;
    const l = this.limits;
    s.cbCxOpen.set(this.connections >= l.maxConnections ? 1 : 0);
    s.cbRqPendingOpen.set(this.pending >= l.maxPendingRequests ? 1 : 0);
    s.cbRqOpen.set(this.requests >= l.maxRequests ? 1 : 0);
    s.cbRqRetryOpen.set(this.retries >= l.maxRetries ? 1 : 0);
  }
}
