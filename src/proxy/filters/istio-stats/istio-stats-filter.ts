// istio.stats for HTTP: at the end of each request, Istio's standard metrics
// (istio_requests_total, the duration and size histograms, and for gRPC the
// message counters) under Istio's labels. The labels are computed once per
// distinct (peer, service, code, flags, …) and the metric objects kept, so a
// request costs one string key, one map lookup and the increments.
import type { Counter } from '../../../stats/counter.js';
import type { Histogram } from '../../../stats/histogram.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import { responseFlagsToString } from '../../access-log/response-flags.js';
import type { FilterDecodeContext, FilterStream, HttpFilter, HttpFilterFactory } from '../../http/filter.js';
import { grpcStatusForHttp } from '../../http/local-reply.js';
import { localWorkloadMetadata } from '../common/workload-metadata.js';
import { findPeerState } from '../peer-metadata/peer-state.js';
import type { IstioStatsConfig } from './decode.js';
import { MAX_LABEL_VALUE_LENGTH, MAX_REQUEST_DERIVED_VALUES, METRICS, SPECIAL_CLUSTERS, UNKNOWN } from './defaults.js';
import { GrpcFrameCounter } from './grpc-frames.js';
import { planMetrics, withOverrides, type HttpMetricPlans } from './metric-overrides.js';
import { peerLabels, reporterOf, serviceFromClusterMetadata, type Reporter, type ServiceInfo } from './labels.js';
import { downstreamUriSans, principalsOf, upstreamUriSans } from './principals.js';

/** The metrics of one label set; undefined where a Telemetry override drops the metric. */
interface HttpMetricSet {
  readonly requests: Counter | undefined;
  readonly duration: Histogram | undefined;
  readonly requestBytes: Histogram | undefined;
  readonly responseBytes: Histogram | undefined;
  readonly requestMessages: Counter | undefined;
  readonly responseMessages: Counter | undefined;
}

/** One label identity (what the map key is built from) with its metric set. */
interface LastLabels {
  readonly code: number;
  readonly flags: number;
  readonly peerKey: number;
  readonly sansPeer: string;
  readonly sansLocal: string;
  readonly host: string;
  readonly name: string;
  readonly set: HttpMetricSet;
}

const NO_SERVICE: ServiceInfo = Object.freeze({ host: '', name: '' });

function overflow(s: FilterStream): void {
  s.hcm.ctx.stats.counter('istio_stats.label_value_overflow').inc();
}

/** Client (source) or server (destination) side: the listener's direction, else Istio's stat prefix convention. */
export function reporterFor(ctx: FilterDecodeContext): Reporter {
  return reporterOf(ctx.trafficDirection, ctx.statPrefix);
}

/** gRPC status of a finished stream: trailers, then a trailers-only head, then the HTTP status mapped (Envoy's rule). */
function grpcStatusOf(s: FilterStream): string {
  const info = s.info;
  const v = info.responseTrailers?.get('grpc-status') ?? info.responseHeaders?.get('grpc-status');
  if (v !== undefined) return /^\d{1,2}$/.test(v) ? v : UNKNOWN;
  if (info.responseCode === 0 || info.responseCode === 200) return '';
  return String(grpcStatusForHttp(info.responseCode));
}

export class IstioStatsFilterFactory implements HttpFilterFactory {
  readonly reporter: Reporter;
  private readonly sets = new Map<string, HttpMetricSet>();
  /** Services by cluster config object (a new CDS version is a new object). */
  private readonly services = new WeakMap<object, ServiceInfo>();
  /** Host header values taken so far (bounded; see MAX_REQUEST_DERIVED_VALUES). */
  private readonly hosts = new Map<string, ServiceInfo>();
  private readonly plain: HttpFilter;
  /** Telemetry overrides per metric, compiled once per config. */
  private readonly plans: HttpMetricPlans;
  /** The label identity of the last plain-HTTP request recorded, and its metrics. */
  private last: LastLabels | undefined;

  constructor(readonly name: string, readonly config: IstioStatsConfig, ctx: FilterDecodeContext) {
    this.reporter = reporterFor(ctx);
    this.plain = { onDestroy: (s) => this.record(s, undefined) };
    this.plans = planMetrics(config.metrics);
  }

  create(s: FilterStream): HttpFilter {
    if (!s.isGrpc) return this.plain;
    // Only gRPC streams pay for body hooks: they count messages both ways.
    const req = new GrpcFrameCounter();
    const resp = new GrpcFrameCounter();
    return {
      decodeData: (_s, chunk) => {
        req.add(chunk);
        return chunk;
      },
      encodeData: (_s, chunk) => {
        resp.add(chunk);
        return chunk;
      },
      onDestroy: (st) => this.record(st, [req, resp]),
    };
  }

  /** Records one finished request. Never throws into the stream (the stream catches, but a metric must not cost a request). */
  private record(s: FilterStream, grpc: [GrpcFrameCounter, GrpcFrameCounter] | undefined): void {
    const info = s.info;
    const peers = findPeerState(info);
    const peer = this.reporter === 'destination' ? peers?.downstream : peers?.upstream;
    const sans = this.reporter === 'destination' ? downstreamUriSans(info) : upstreamUriSans(info);
    const service = this.serviceOf(s);
    const code = info.responseCode;
    const grpcStatus = grpc ? grpcStatusOf(s) : '';
    // Tag override values are part of the identity of a label set (no expressions: nothing to compute).
    const tags = this.plans.values.length === 0 ? undefined : this.plans.values.map((v) => v.evaluate(info, () => overflow(s)));
    const peerKey = peer?.key ?? 0;
    const sansPeer = sans?.peer ?? '';
    const sansLocal = sans?.local ?? '';
    const flags = info.responseFlags;
    // Steady traffic repeats the previous request's labels: compare them
    // field by field before building the map key (the key string was most of
    // this method's cost). Only plain HTTP without tag overrides takes this path.
    const last = this.last;
    let set: HttpMetricSet | undefined;
    if (last !== undefined && grpc === undefined && tags === undefined && last.code === code && last.flags === flags && last.peerKey === peerKey && last.sansPeer === sansPeer && last.sansLocal === sansLocal && last.host === service.host && last.name === service.name) {
      set = last.set;
    } else {
      let key = `${peerKey}|${sansPeer}|${sansLocal}|${service.host}|${service.name}|${code}|${grpc ? 'g' : 'h'}${grpcStatus}|${flags}`;
      if (tags) key += `|${tags.join('\u0000')}`;
      set = this.sets.get(key);
      if (!set) {
        set = this.createSet(s.hcm.ctx.stats, s, peer?.meta, sans, service, grpcStatus, grpc !== undefined, tags ?? []);
        this.sets.set(key, set);
      }
      if (grpc === undefined && tags === undefined) this.last = { code, flags, peerKey, sansPeer, sansLocal, host: service.host, name: service.name, set };
    }
    set.requests?.inc();
    if (info.duration !== undefined) set.duration?.record(info.duration);
    set.requestBytes?.record(info.bytesReceived);
    set.responseBytes?.record(info.bytesSent);
    if (grpc) {
      set.requestMessages?.add(grpc[0].count);
      set.responseMessages?.add(grpc[1].count);
    }
  }

  private createSet(stats: StatsStore, s: FilterStream, peer: Parameters<typeof peerLabels>[0]['peer'], sans: Parameters<typeof principalsOf>[1], service: ServiceInfo, grpcStatus: string, isGrpc: boolean, tags: readonly string[]): HttpMetricSet {
    const principals = principalsOf(this.reporter, sans);
    const labels = {
      ...peerLabels({ reporter: this.reporter, local: localWorkloadMetadata(s.hcm.ctx.node), peer, principals, service }),
      request_protocol: isGrpc ? 'grpc' : 'http',
      response_code: String(s.info.responseCode),
      grpc_response_status: grpcStatus,
      response_flags: responseFlagsToString(s.info.responseFlags),
      connection_security_policy: principals.securityPolicy,
    };
    const p = this.plans.byMetric;
    const l = (plan: (typeof p)[keyof typeof p]) => withOverrides(labels, plan, tags);
    return {
      requests: p.requestsTotal.drop ? undefined : stats.labeledCounter(METRICS.requestsTotal, l(p.requestsTotal)),
      duration: p.requestDuration.drop ? undefined : stats.labeledHistogram(METRICS.requestDuration, l(p.requestDuration), 'milliseconds'),
      requestBytes: p.requestBytes.drop ? undefined : stats.labeledHistogram(METRICS.requestBytes, l(p.requestBytes), 'bytes'),
      responseBytes: p.responseBytes.drop ? undefined : stats.labeledHistogram(METRICS.responseBytes, l(p.responseBytes), 'bytes'),
      requestMessages: isGrpc && !p.requestMessages.drop ? stats.labeledCounter(METRICS.requestMessages, l(p.requestMessages)) : undefined,
      responseMessages: isGrpc && !p.responseMessages.drop ? stats.labeledCounter(METRICS.responseMessages, l(p.responseMessages)) : undefined,
    };
  }

  /** destination_service and destination_service_name, as Istio's stats filter derives them. */
  private serviceOf(s: FilterStream): ServiceInfo {
    const info = s.info;
    if (info.routeName === 'block_all') return { host: this.hostFallback(s).host, name: 'BlackHoleCluster' };
    if (info.routeName === 'allow_any') return { host: this.hostFallback(s).host, name: 'PassthroughCluster' };
    const clusterName = info.upstreamCluster;
    if (clusterName !== undefined) {
      if (SPECIAL_CLUSTERS.has(clusterName)) return { host: this.hostFallback(s).host, name: clusterName };
      const source = s.hcm.ctx.clusters?.get(clusterName)?.config?.source;
      if (source) {
        let svc = this.services.get(source);
        if (!svc) {
          svc = serviceFromClusterMetadata(source.metadata, NO_SERVICE);
          this.services.set(source, svc);
        }
        if (svc !== NO_SERVICE) return svc;
      }
    }
    return this.hostFallback(s);
  }

  /** The Host header as the service (client side, unless disabled), bounded in length and in distinct values. */
  private hostFallback(s: FilterStream): ServiceInfo {
    if (this.config.disableHostHeaderFallback) return NO_SERVICE;
    const host = s.info.authority ?? s.authority;
    if (!host) return NO_SERVICE;
    let svc = this.hosts.get(host);
    if (svc) return svc;
    if (this.hosts.size >= MAX_REQUEST_DERIVED_VALUES) {
      overflow(s);
      return { host: UNKNOWN, name: UNKNOWN };
    }
    const v = host.slice(0, MAX_LABEL_VALUE_LENGTH);
    svc = { host: v, name: v };
    this.hosts.set(host, svc);
    return svc;
  }
}
