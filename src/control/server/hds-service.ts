// Health Discovery Service: the control plane hands proxies endpoints to
// health-check (HealthCheckSpecifier, per node group) and receives their
// reports (EndpointHealthResponse), so health seen from inside the mesh can
// feed back into the config.
import type * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import { encodeBinary } from '../../xds/codec.js';
import type {
  envoy_config_core_v3_HealthStatus, envoy_config_core_v3_Node, envoy_config_endpoint_v3_Endpoint,
  envoy_service_health_v3_EndpointHealthResponse, envoy_service_health_v3_HealthCheckSpecifier,
} from '../../xds/gen/types.js';
import type { NodeHash } from '../cache/snapshot-cache.js';
import type { HdsRequest } from './service-definitions.js';

export type HealthCheckSpecifier = envoy_service_health_v3_HealthCheckSpecifier;
export type EndpointHealthResponse = envoy_service_health_v3_EndpointHealthResponse;

/** Called for every report a proxy sends; must not throw. */
export type HealthReportCallback = (node: envoy_config_core_v3_Node, report: EndpointHealthResponse) => void;

/** The latest health of one endpoint of one cluster, as last reported. */
export interface EndpointHealth {
  status: envoy_config_core_v3_HealthStatus;
  /** id of the node that reported it. */
  reporter: string;
  /** Wall-clock ms. */
  time: number;
}

const SPECIFIER_TYPE = 'envoy.service.health.v3.HealthCheckSpecifier';

/** `host:port` of an endpoint's socket address (the key healthOf() takes). */
export function endpointKey(ep: envoy_config_endpoint_v3_Endpoint | undefined): string | undefined {
  const sa = ep?.address?.socket_address;
  if (!sa?.address) return undefined;
  return `${sa.address}:${sa.port_value ?? 0}`;
}

interface HdsStream {
  call: grpc.ServerDuplexStream<HdsRequest, Buffer>;
  node: envoy_config_core_v3_Node | undefined;
  group: string | undefined;
}

export class HdsService {
  private specifiers = new Map<string, { spec: HealthCheckSpecifier; bytes: Buffer }>();
  private streams = new Set<HdsStream>();
  /** cluster → endpoint key → health. */
  private health = new Map<string, Map<string, EndpointHealth>>();

  constructor(
    private readonly nodeHash: NodeHash,
    private readonly clock: Clock,
    private readonly onReport: HealthReportCallback | undefined,
    private readonly log: Logger | undefined,
  ) {}

  /**
   * Sets what proxies of `group` health-check and sends it to those connected.
   * The specifier is in weft's canonical shape; it is encoded here once.
   */
  setSpecifier(group: string, spec: HealthCheckSpecifier): void {
    const bytes = Buffer.from(encodeBinary(SPECIFIER_TYPE, spec));
    this.specifiers.set(group, { spec, bytes });
    for (const s of this.streams) if (s.group === group) s.call.write(bytes);
  }

  /** The last reported health of `address` ("host:port") in `cluster`. */
  healthOf(cluster: string, address: string): EndpointHealth | undefined {
    return this.health.get(cluster)?.get(address);
  }

  /** gRPC handler of StreamHealthCheck. */
  handle(call: grpc.ServerDuplexStream<HdsRequest, Buffer>): void {
    const s: HdsStream = { call, node: undefined, group: undefined };
    this.streams.add(s);
    const done = (): void => {
      this.streams.delete(s);
    };
    call.on('data', (msg: HdsRequest) => {
      try {
        this.onMessage(s, msg);
      } catch (e) {
        this.log?.error(`HDS stream: ${(e as Error).message}`);
      }
    });
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('error', done);
    call.on('cancelled', done);
    call.on('close', done);
  }

  private onMessage(s: HdsStream, msg: HdsRequest): void {
    const req = msg.health_check_request;
    if (req) {
      if (!s.node) {
        s.node = req.node ?? {};
        s.group = this.nodeHash(s.node);
      }
      const spec = this.specifiers.get(s.group!);
      if (spec) s.call.write(spec.bytes);
      return;
    }
    const report = msg.endpoint_health_response;
    if (!report || !s.node) return;
    this.record(s, report);
    this.onReport?.(s.node, report);
  }

  private record(s: HdsStream, report: EndpointHealthResponse): void {
    const now = this.clock.wallNow();
    const reporter = s.node?.id ?? '';
    const set = (cluster: string, ep: envoy_config_endpoint_v3_Endpoint | undefined, status: envoy_config_core_v3_HealthStatus | undefined): void => {
      const key = endpointKey(ep);
      if (!key) return;
      let m = this.health.get(cluster);
      if (!m) this.health.set(cluster, (m = new Map()));
      m.set(key, { status: status ?? 'UNKNOWN', reporter, time: now });
    };
    for (const c of report.cluster_endpoints_health ?? []) {
      for (const le of c.locality_endpoints_health ?? []) {
        for (const eh of le.endpoints_health ?? []) set(c.cluster_name ?? '', eh.endpoint, eh.health_status);
      }
    }
    // The older flat list names no cluster: attribute each endpoint to the
    // clusters of this node's specifier that list it.
    if (report.endpoints_health?.length) {
      const spec = this.specifiers.get(s.group!)?.spec;
      for (const eh of report.endpoints_health) {
        const key = endpointKey(eh.endpoint);
        for (const chc of spec?.cluster_health_checks ?? []) {
          const listed = chc.locality_endpoints?.some((le) => le.endpoints?.some((e) => endpointKey(e) === key));
          if (listed) set(chc.cluster_name ?? '', eh.endpoint, eh.health_status);
        }
      }
    }
  }

  /** Ends every HDS stream (server shutdown). */
  close(): void {
    for (const s of [...this.streams]) s.call.end();
    this.streams.clear();
  }
}
