// Passive health checking (outlier detection). Placeholder: see outlier-config.ts.
import type { ClusterDeps } from './cluster.js';
import type { UpstreamHost } from './host.js';
import type { OutlierConfig } from './outlier-config.js';

/** What the detector needs from its cluster. */
export interface OutlierCluster {
  readonly hosts: readonly UpstreamHost[];
  readonly statPrefix: string;
  /** Call after changing any host's health flags (and host.refreshHealth()): updates gauges and load balancing. */
  onHealthChanged(): void;
}

/** Local-origin failures (the proxy could not talk to the host at all). */
export type LocalOriginEvent = 'connect_failed' | 'timeout' | 'reset' | 'success';

export class OutlierDetector {
  constructor(readonly cluster: OutlierCluster, readonly config: OutlierConfig, readonly deps: ClusterDeps) {}
  /** An HTTP response from `host` (externally originated result). */
  putHttpResult(_host: UpstreamHost, _status: number): void {}
  /** A local-origin result for `host`. */
  putLocalOrigin(_host: UpstreamHost, _event: LocalOriginEvent): void {}
  /** The host set changed (new hosts start healthy; removed hosts are forgotten). */
  onHostsChanged(): void {}
  close(): void {}
}
