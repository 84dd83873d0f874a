// istio.stats for TCP (envoy.filters.network.istio_stats): per connection,
// istio_tcp_connections_opened_total when it opens, the sent/received byte
// counters and istio_tcp_connections_closed_total when it closes, under
// Istio's TCP labels. Labels are computed once per connection.
//
// SEAM for the lead: the listener's filter chain has no place yet for a
// non-terminal network filter other than the rate limiter
// (src/proxy/config/listener.ts, src/proxy/extensions/network-filter-spec.ts,
// src/proxy/tcp/tcp-proxy.ts are other engineers' files this session). Wiring:
// decode `istio.stats` in a filter chain with decodeIstioStatsConfig, build one
// IstioTcpStatsFactory per chain, call `open(info)` once the tcp_proxy chose
// its cluster and `close()` when both sides are closed. The control plane
// side is `tcpStatsFilter()` in src/control/translate/telemetry-filters.ts.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { StreamInfo } from '../../access-log/stream-info.js';
import { responseFlagsToString } from '../../access-log/response-flags.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import { localWorkloadMetadata, type WorkloadMetadata } from '../common/workload-metadata.js';
import type { IstioStatsConfig } from './decode.js';
import { METRICS, SPECIAL_CLUSTERS } from './defaults.js';
import { peerLabels, serviceFromClusterMetadata, type Reporter, type ServiceInfo } from './labels.js';
import { principalsOf, type UriSans } from './principals.js';

export interface TcpStatsDeps {
  readonly stats: StatsStore;
  readonly node?: NodeIdentity;
  readonly clusters?: { get(name: string): { readonly config?: { readonly source?: { readonly metadata?: unknown } } } | undefined };
}

interface TcpMetricSet {
  readonly opened: Counter;
  readonly closed: Counter;
  readonly sent: Counter;
  readonly received: Counter;
}

/** One open connection's metrics; `close()` records its bytes and the close. */
export interface TcpConnectionStats {
  close(): void;
}

export class IstioTcpStatsFactory {
  private readonly sets = new Map<string, TcpMetricSet>();

  constructor(readonly reporter: Reporter, readonly config: IstioStatsConfig, private readonly deps: TcpStatsDeps) {}

  /**
   * A connection whose upstream cluster is known (info.upstreamCluster).
   * `peer` is the workload a TCP metadata exchange found (none in weft yet:
   * unknown), `sans` the connection's URI SANs (see principals.ts).
   */
  open(info: StreamInfo, peer?: WorkloadMetadata, sans?: UriSans): TcpConnectionStats {
    const service = this.serviceOf(info.upstreamCluster);
    const key = `${peer?.workloadName ?? ''}|${peer?.namespace ?? ''}|${sans?.peer ?? ''}|${sans?.local ?? ''}|${service.host}|${service.name}|${info.responseFlags}`;
    let set = this.sets.get(key);
    if (!set) {
      const principals = principalsOf(this.reporter, sans);
      const labels = {
        ...peerLabels({ reporter: this.reporter, local: localWorkloadMetadata(this.deps.node), peer, principals, service }),
        request_protocol: 'tcp',
        response_flags: responseFlagsToString(info.responseFlags),
        connection_security_policy: principals.securityPolicy,
      };
      const s = this.deps.stats;
      set = {
        opened: s.labeledCounter(METRICS.tcpOpened, labels),
        closed: s.labeledCounter(METRICS.tcpClosed, labels),
        sent: s.labeledCounter(METRICS.tcpSentBytes, labels),
        received: s.labeledCounter(METRICS.tcpReceivedBytes, labels),
      };
      this.sets.set(key, set);
    }
    set.opened.inc();
    const m = set;
    let done = false;
    return {
      close: () => {
        if (done) return;
        done = true;
        m.sent.add(info.bytesSent);
        m.received.add(info.bytesReceived);
        m.closed.inc();
      },
    };
  }

  private serviceOf(cluster: string | undefined): ServiceInfo {
    if (cluster === undefined) return { host: '', name: '' };
    if (SPECIAL_CLUSTERS.has(cluster)) return { host: '', name: cluster };
    const md = this.deps.clusters?.get(cluster)?.config?.source?.metadata;
    return serviceFromClusterMetadata(md, { host: '', name: '' });
  }
}
