// Outbound clusters for every service port a proxy can see: the default
// cluster outbound|<port>||<host> and one per DestinationRule subset
// outbound|<port>|<subset>|<host>, each with the merged traffic policy.
// Discovery follows the service's resolution as Istio does: EDS for
// registry-resolved services (STATIC, NONE), STRICT_DNS for DNS and
// LOGICAL_DNS for DNS_ROUND_ROBIN.
import { buildPassthroughCluster } from './build-capture-listeners.js';
import type { DestinationRule, Subset } from '../../api/networking.js';
import type { Accepted, ServiceEndpoint, ServiceModel, ServicePortModel } from '../model/types.js';
import type { envoy_config_cluster_v3_Cluster } from '../../xds/gen/types.js';
import { applyConnectionPool } from './apply-connection-pool.js';
import { applyLoadBalancer } from './apply-load-balancer.js';
import { applyOutlierDetection } from './apply-outlier-detection.js';
import { applyUpstreamTls } from './apply-upstream-tls.js';
import { destinationRuleTlsMode, serviceMtlsMode, withDestinationMtls } from './destination-mtls.js';
import { finishDraft, newDraft, type ClusterDraft } from './cluster-draft.js';
import { NAMES, TRANSLATE_DEFAULTS } from './defaults.js';
import { buildLocalityLbEndpoints, labelsMatch } from './locality-endpoints.js';
import { MESSAGE_CODES } from './messages.js';
import { configKey, configPath, istioMtlsSni, outboundClusterName } from './names.js';
import { adsConfigSource, durationFromMs } from './proto-helpers.js';
import { serviceAccounts } from './service-accounts.js';
import { effectiveTrafficPolicy, policyPartPath, type EffectivePolicy } from './traffic-policy.js';
import { isHttp2Protocol, isHttpProtocol, serviceKey, type TranslateContext } from './translate-context.js';
import { tcpMetadataExchangeFilter } from './telemetry-filters.js';

/** Every outbound cluster of the proxy's visible services, plus BlackHoleCluster (sorted by name). */
export function buildOutboundClusters(ctx: TranslateContext): envoy_config_cluster_v3_Cluster[] {
  const grpc = ctx.proxy.type === 'grpc';
  const out: envoy_config_cluster_v3_Cluster[] = [];
  for (const svc of ctx.services) {
    const dr = ctx.destinationRule(svc.hostname);
    for (const port of svc.ports) {
      if (port.protocol === 'UDP') continue;
      out.push(buildServiceCluster(ctx, svc, port, dr, undefined, -1));
      (dr?.obj.spec.subsets ?? []).forEach((subset, i) => {
        out.push(buildServiceCluster(ctx, svc, port, dr, subset, i));
      });
    }
  }
  // STATIC clusters are not something proxyless gRPC accepts.
  if (!grpc) out.push(buildBlackHoleCluster());
  // Captured traffic to destinations outside the registry (virtualOutbound, ALLOW_ANY routes).
  if (!grpc && ctx.options.capture) out.push(buildPassthroughCluster());
  return out.sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
}

/** Istio's BlackHoleCluster: STATIC with no endpoints, so requests routed to it fail fast. */
export function buildBlackHoleCluster(): envoy_config_cluster_v3_Cluster {
  return { name: NAMES.blackHoleCluster, type: 'STATIC', connect_timeout: durationFromMs(TRANSLATE_DEFAULTS.connectTimeoutMs) };
}

/** How a service's endpoints reach the proxy. */
export function discoveryType(svc: ServiceModel, grpc: boolean): 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' {
  if (svc.resolution === 'DNS') return grpc ? 'LOGICAL_DNS' : 'STRICT_DNS';
  if (svc.resolution === 'DNS_ROUND_ROBIN') return 'LOGICAL_DNS';
  return 'EDS';
}

/** Endpoints of one cluster: the service port's, narrowed to the subset's labels. */
export function clusterEndpoints(ctx: TranslateContext, svc: ServiceModel, port: number, subset: Subset | undefined): ServiceEndpoint[] {
  const eps = ctx.push.endpoints(svc.hostname, port);
  return subset ? eps.filter((e) => labelsMatch(subset.labels, e.labels)) : [...eps];
}

function buildServiceCluster(
  ctx: TranslateContext,
  svc: ServiceModel,
  port: ServicePortModel,
  dr: Accepted<DestinationRule> | undefined,
  subset: Subset | undefined,
  subsetIndex: number,
): envoy_config_cluster_v3_Cluster {
  const grpc = ctx.proxy.type === 'grpc';
  const name = outboundClusterName(port.port, subset?.name, svc.hostname);
  const type = discoveryType(svc, grpc);
  const c: envoy_config_cluster_v3_Cluster = {
    name,
    type,
    connect_timeout: durationFromMs(TRANSLATE_DEFAULTS.connectTimeoutMs),
  };
  if (type === 'EDS') {
    c.eds_cluster_config = { eds_config: adsConfigSource(), service_name: name };
    if (svc.resolution === 'NONE' && subsetIndex < 0 && ctx.push.endpoints(svc.hostname, port.port).length === 0) {
      ctx.messages.warn(MESSAGE_CODES.RESOLUTION_NONE, serviceKey(svc), `ports[${port.name || port.port}]`,
        'resolution NONE passes traffic to the original destination (ORIGINAL_DST), which weft\'s proxy does not support; with no endpoints in the registry, requests to this service fail');
    }
  } else {
    const localities = dnsEndpoints(ctx, svc, port, subset, type, name);
    c.load_assignment = { cluster_name: name, ...(localities.length > 0 ? { endpoints: localities } : {}) };
    c.dns_lookup_family = 'V4_ONLY';
    c.dns_refresh_rate = durationFromMs(TRANSLATE_DEFAULTS.dnsRefreshRateMs);
  }
  c.metadata = { filter_metadata: { istio: clusterMetadata(svc, port, dr, subset) } };
  // Istio's TCPClusterMx: the client half of the TCP peer exchange, which
  // runs when the mTLS handshake picks istio-peer-exchange (apply-upstream-tls.ts
  // offers it first). HTTP services exchange peers in headers instead.
  if (!grpc && !isHttpProtocol(port.protocol)) c.filters = [tcpMetadataExchangeFilter() as never];

  const d = newDraft(c);
  if (isHttp2Protocol(port.protocol)) d.protocol = 'http2';
  const policy = effectiveTrafficPolicy(dr?.obj.spec, port.port, subset);
  const key = dr ? configKey('DestinationRule', dr.obj.metadata.name, dr.obj.metadata.namespace) : serviceKey(svc);
  const spec = dr?.obj.spec;
  const path = (part: Parameters<typeof policyPartPath>[4]) => policyPartPath(spec, port.port, subset, subsetIndex, part);
  applyConnectionPool(d, policy?.connectionPool, ctx, key, path('connectionPool'));
  const h2 = policy?.connectionPool?.http?.h2UpgradePolicy;
  if (h2 === 'UPGRADE' && d.protocol !== 'downstream') d.protocol = 'http2';
  applyOutlierDetection(d, policy?.outlierDetection);
  applyLoadBalancer(d, policy?.loadBalancer, ctx, { grpc, key, path: path('loadBalancer') });
  applyClusterTls(ctx, d, svc, port.port, subset, policy, key, path('tls'));
  return finishDraft(d);
}

/**
 * TLS of one outbound cluster. Auto mTLS needs workload certificates and a
 * destination Istio would infer mTLS for (BestEffortInferServiceMTLSMode): a
 * mesh-internal service that is not passthrough (resolution NONE or
 * loadBalancer PASSTHROUGH) and whose namespace's PeerAuthentication mode
 * (namespace-wide, else mesh-wide) is not DISABLE. Workload-scope and
 * port-level DISABLE act per endpoint (destination-mtls.ts).
 * Proxyless gRPC clients get no auto mTLS (as in Istio) and no TLS from a
 * DestinationRule yet: said, not silently dropped.
 */
function applyClusterTls(
  ctx: TranslateContext, d: ClusterDraft, svc: ServiceModel, port: number, subset: Subset | undefined,
  policy: EffectivePolicy | undefined, key: string, tlsPath: string,
): void {
  const tls = policy?.tls;
  if (ctx.proxy.type === 'grpc') {
    if (tls?.mode && tls.mode !== 'DISABLE') {
      ctx.messages.warn(MESSAGE_CODES.GRPC_UNSUPPORTED, key, `${tlsPath}.mode`,
        `tls mode ${tls.mode} is not configured for proxyless gRPC clients: their channel credentials decide whether ${svc.hostname} is reached over TLS`);
    }
    return;
  }
  const mesh = ctx.push.mesh;
  if (tls?.mode === 'ISTIO_MUTUAL' && !mesh.workloadCertificates) {
    ctx.messages.warn(MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES, key, `${tlsPath}.mode`,
      `tls mode ISTIO_MUTUAL needs workload certificates, which this mesh does not issue (no CA): connections to ${svc.hostname} fail rather than go out in plaintext`);
  }
  const passthrough = svc.resolution === 'NONE' || policy?.loadBalancer?.simple === 'PASSTHROUGH';
  applyUpstreamTls(d, {
    tls,
    autoMtls: mesh.enableAutoMtls && mesh.workloadCertificates && svc.location === 'MESH_INTERNAL' && !passthrough
      && serviceMtlsMode(ctx.push, svc.namespace) !== 'DISABLE',
    istioSni: istioMtlsSni(port, subset?.name, svc.hostname),
    serviceAccounts: serviceAccounts(ctx.push, svc),
    serviceEntry: svc.source.startsWith('ServiceEntry '),
  });
}

function dnsEndpoints(ctx: TranslateContext, svc: ServiceModel, port: ServicePortModel, subset: Subset | undefined, type: string, name: string) {
  let eps = clusterEndpoints(ctx, svc, port.port, subset);
  if (eps.length === 0 && (!subset || type === 'LOGICAL_DNS')) {
    // A DNS service without endpoints resolves its own hostname (ServiceEntry without endpoints);
    // LOGICAL_DNS needs exactly one name, so an empty subset falls back to it too.
    eps = [{
      hostname: svc.hostname, servicePort: port.port, address: svc.hostname, port: port.targetPort ?? port.port,
      labels: {}, serviceAccount: '', namespace: svc.namespace, weight: 1, locality: '', healthy: true, workload: '', tlsMode: 'disabled',
    }];
  }
  if (type === 'LOGICAL_DNS' && eps.length > 1) {
    ctx.messages.info(MESSAGE_CODES.FIELD_IGNORED, serviceKey(svc), 'endpoints', `${name}: LOGICAL_DNS resolves one name; using ${eps[0]!.address} and ignoring ${eps.length - 1} other endpoint(s)`);
    eps = [eps[0]!];
  }
  const drMode = destinationRuleTlsMode(ctx.destinationRule(svc.hostname)?.obj, port.port, subset);
  return buildLocalityLbEndpoints(withDestinationMtls(ctx.push, eps, drMode), { healthStatus: false });
}

function clusterMetadata(svc: ServiceModel, port: ServicePortModel, dr: Accepted<DestinationRule> | undefined, subset: Subset | undefined): Record<string, unknown> {
  const shortName = svc.hostname.split('.')[0]!;
  return {
    ...(dr ? { config: configPath('destination-rule', dr.obj.metadata.name, dr.obj.metadata.namespace) } : {}),
    default_original_port: port.port,
    services: [{ host: svc.hostname, name: shortName, namespace: svc.namespace }],
    ...(subset ? { subset: subset.name } : {}),
  };
}
