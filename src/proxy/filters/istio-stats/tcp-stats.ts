// istio.stats for TCP (envoy.filters.network.istio_stats, before tcp_proxy in
// a filter chain): per connection, istio_tcp_connections_opened_total when it
// opens, the sent/received byte counters and
// istio_tcp_connections_closed_total when it closes, under Istio's TCP labels.
// Labels are computed once per distinct key, as the HTTP filter does.
//
// Peer identity: the connection's certificates (principals.ts). Peer workload
// labels: what Istio's TCP metadata exchange (tcp-metadata-exchange/, ALPN
// `istio-peer-exchange` over mTLS) put in the connection's peer state: the
// client (downstream) on the server side, the server (upstream) on the client
// side. Without an exchange the peer is unknown, except its namespace, read
// from its SPIFFE ID.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { StreamInfo } from '../../access-log/stream-info.js';
import { responseFlagsToString } from '../../access-log/response-flags.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import { localWorkloadMetadata, type WorkloadMetadata } from '../common/workload-metadata.js';
import type { IstioStatsConfig } from './decode.js';
import { METRICS, SPECIAL_CLUSTERS } from './defaults.js';
import { peerLabels, serviceFromClusterMetadata, type Reporter, type ServiceInfo } from './labels.js';
import { downstreamUriSans, principalsOf, upstreamUriSans } from './principals.js';
import { findPeerState } from '../peer-metadata/peer-state.js';

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

/** One open connection's metrics; `close()` records its bytes and the close (once). */
export interface TcpConnectionStats {
  close(): void;
}

export class IstioTcpStatsFactory {
  private readonly sets = new Map<string, TcpMetricSet>();

  constructor(readonly reporter: Reporter, readonly config: IstioStatsConfig, private readonly deps: TcpStatsDeps) {}

  /**
   * A connection whose upstream is chosen (or failed: its response flags are
   * set). The peer is the one the metadata exchange found for this side, if any.
   */
  open(info: StreamInfo): TcpConnectionStats {
    const service = this.serviceOf(info.upstreamCluster);
    const sans = this.reporter === 'destination' ? downstreamUriSans(info) : upstreamUriSans(info);
    const state = findPeerState(info);
    const record = this.reporter === 'destination' ? state?.downstream : state?.upstream;
    const peer: WorkloadMetadata | undefined = record?.meta;
    // The record key stands for every peer field (records are unique per distinct peer payload).
    const key = `${record?.key ?? 0}|${sans?.peer ?? ''}|${sans?.local ?? ''}|${service.host}|${service.name}|${info.responseFlags}`;
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
