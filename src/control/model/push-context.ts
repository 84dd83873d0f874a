// The PushContext: one immutable, indexed view of accepted config, services
// and endpoints at a version (Istio's pilot/pkg/model/push_context.go).
// Everything is indexed once at build time; lookups are Map reads, and
// per-namespace answers are memoized (invisible to callers). Objects handed
// out are frozen copies with host names resolved; inputs are never mutated.
import type { ConfigObject, DestinationRule, Gateway, Sidecar, VirtualService } from '../../api/networking.js';
import type { AuthorizationPolicy, PeerAuthentication, RequestAuthentication } from '../../api/security.js';
import type { Telemetry } from '../../api/telemetry.js';
import { namespaceOf } from './config-key.js';
import { DestinationRuleIndex, type ModelNote } from './destination-rule-index.js';
import { AuthorizationPolicyIndex } from './authorization-policy-index.js';
import { deepFreeze } from './freeze.js';
import { resolveHostName } from './host-names.js';
import { selectorMatches } from './labels.js';
import type { JwtKeyResolver } from './jwt-key-resolver.js';
import { PeerAuthenticationIndex } from './peer-authentication-index.js';
import { RequestAuthenticationIndex } from './request-authentication-index.js';
import { ServiceIndex, type RegistryView } from './service-index.js';
import { egressHostsOf, egressSelects } from './sidecar-egress.js';
import { SidecarIndex } from './sidecar-index.js';
import { TelemetryIndex, type ApplicableTelemetry } from './telemetry-index.js';
import { DEFAULT_MESH, type Accepted, type EffectiveMtls, type MeshConfig, type ProxyInfo, type PushContext, type ServiceEndpoint, type ServiceModel } from './types.js';
import { VirtualServiceIndex } from './virtual-service-index.js';

export interface PushContextInput {
  /** Accepted config objects, oldest first (the order decides conflicts, like Istio's creation time). Kinds other than VirtualService, DestinationRule, Sidecar, Gateway, PeerAuthentication, RequestAuthentication, AuthorizationPolicy and Telemetry are kept in `configs` but not indexed. */
  readonly configs: readonly Accepted<ConfigObject>[];
  /** Services and endpoints; read once, at build time. */
  readonly registry?: RegistryView;
  readonly mesh?: Partial<MeshConfig>;
  /** Version string; a process-wide increasing counter when unset. */
  readonly version?: string;
  /** The control plane's JWKS fetcher, for RequestAuthentication jwksUri (Istio's push.JwtKeyResolver). */
  readonly jwtKeyResolver?: JwtKeyResolver | undefined;
}

let versionCounter = 0;

/** The next value of the process-wide version counter (decimal, increasing). */
export function nextPushVersion(): string {
  versionCounter += 1;
  return String(versionCounter);
}

const EMPTY_REGISTRY: RegistryView = { services: () => [], endpoints: () => [] };

/** Builds the immutable PushContext for `input`. */
export function buildPushContext(input: PushContextInput): IndexedPushContext {
  const mesh: MeshConfig = Object.freeze({ ...DEFAULT_MESH, ...(input.mesh ?? {}) });
  const services = ServiceIndex.fromRegistry(input.registry ?? EMPTY_REGISTRY);
  const configs = Object.freeze([...input.configs]);
  return new IndexedPushContext(input.version ?? nextPushVersion(), mesh, configs, services, undefined, input.jwtKeyResolver);
}

export class IndexedPushContext implements PushContext {
  readonly mesh: MeshConfig;
  /** Every accepted config object this context was built from, oldest first, as given (the ingest layer freezes its own). */
  readonly configs: readonly Accepted<ConfigObject>[];
  /** How conflicting config was combined (merged DestinationRules, ignored subsets): shown, never silent. */
  readonly notes: readonly ModelNote[];
  private readonly serviceIndex: ServiceIndex;
  private readonly namespaces: ReadonlySet<string>;
  private readonly vsIndex: VirtualServiceIndex;
  private readonly drIndex: DestinationRuleIndex;
  private readonly sidecarIndex: SidecarIndex;
  private readonly peerAuthIndex: PeerAuthenticationIndex;
  private readonly telemetryIndex: TelemetryIndex;
  private readonly requestAuthIndex: RequestAuthenticationIndex;
  readonly jwtKeyResolver: JwtKeyResolver | undefined;
  private readonly authzIndex: AuthorizationPolicyIndex;
  private readonly gateways: readonly { accepted: Accepted<Gateway>; selector: Readonly<Record<string, string>> }[];
  private readonly visibleMemo = new Map<string, readonly ServiceModel[]>();
  private readonly resolver: (host: string, ns: string) => string;

  /** Use buildPushContext; the constructor is shared with withEndpoints. */
  constructor(
    readonly version: string,
    mesh: MeshConfig,
    configs: readonly Accepted<ConfigObject>[],
    services: ServiceIndex,
    shared?: IndexedPushContext,
    jwtKeyResolver?: JwtKeyResolver,
  ) {
    this.mesh = mesh;
    this.jwtKeyResolver = shared ? shared.jwtKeyResolver : jwtKeyResolver;
    this.configs = configs;
    this.serviceIndex = services;
    if (shared) {
      this.namespaces = shared.namespaces;
      this.resolver = shared.resolver;
      this.vsIndex = shared.vsIndex;
      this.drIndex = shared.drIndex;
      this.sidecarIndex = shared.sidecarIndex;
      this.peerAuthIndex = shared.peerAuthIndex;
      this.telemetryIndex = shared.telemetryIndex;
      this.requestAuthIndex = shared.requestAuthIndex;
      this.authzIndex = shared.authzIndex;
      this.gateways = shared.gateways;
      this.notes = shared.notes;
      return;
    }
    const namespaces = new Set<string>([mesh.rootNamespace]);
    for (const s of services.services) namespaces.add(s.namespace);
    const vs: Accepted<VirtualService>[] = [];
    const dr: Accepted<DestinationRule>[] = [];
    const sc: Accepted<Sidecar>[] = [];
    const gw: { accepted: Accepted<Gateway>; selector: Readonly<Record<string, string>> }[] = [];
    const pa: Accepted<PeerAuthentication>[] = [];
    const tel: Accepted<Telemetry>[] = [];
    const ra: Accepted<RequestAuthentication>[] = [];
    const authz: Accepted<AuthorizationPolicy>[] = [];
    for (const c of configs) {
      namespaces.add(namespaceOf(c.obj));
      switch (c.obj.kind) {
        case 'VirtualService':
          vs.push(c as Accepted<VirtualService>);
          break;
        case 'DestinationRule':
          dr.push(c as Accepted<DestinationRule>);
          break;
        case 'Sidecar':
          sc.push(c as Accepted<Sidecar>);
          break;
        case 'PeerAuthentication':
          pa.push(c as Accepted<PeerAuthentication>);
          break;
        case 'Telemetry':
          tel.push(c as Accepted<Telemetry>);
          break;
        case 'RequestAuthentication':
          ra.push(c as Accepted<RequestAuthentication>);
          break;
        case 'AuthorizationPolicy':
          authz.push(c as Accepted<AuthorizationPolicy>);
          break;
        case 'Gateway': {
          const copy = deepFreeze(structuredClone(c) as Accepted<Gateway>);
          gw.push({ accepted: copy, selector: copy.obj.spec?.selector ?? {} });
          break;
        }
      }
    }
    this.namespaces = namespaces;
    const suffix = mesh.domainSuffix;
    this.resolver = (host, ns) => resolveHostName(host, ns, suffix, (n) => namespaces.has(n));
    this.vsIndex = new VirtualServiceIndex(vs, this.resolver);
    this.drIndex = new DestinationRuleIndex(dr, this.resolver, mesh.rootNamespace);
    this.sidecarIndex = new SidecarIndex(sc, mesh.rootNamespace);
    this.peerAuthIndex = new PeerAuthenticationIndex(pa, mesh.rootNamespace);
    this.telemetryIndex = new TelemetryIndex(tel, mesh.rootNamespace);
    this.requestAuthIndex = new RequestAuthenticationIndex(ra, mesh.rootNamespace);
    this.authzIndex = new AuthorizationPolicyIndex(authz, mesh.rootNamespace);
    this.gateways = gw;
    this.notes = Object.freeze([...this.drIndex.notes]);
  }

  /**
   * A context with the same config and services and endpoints re-read from
   * `registry`: for endpoint-only changes (EDS pushes) without re-indexing config.
   */
  withEndpoints(registry: RegistryView, version: string = nextPushVersion()): IndexedPushContext {
    return new IndexedPushContext(version, this.mesh, this.configs, this.serviceIndex.withEndpointsFrom(registry), this);
  }

  get services(): readonly ServiceModel[] {
    return this.serviceIndex.services;
  }

  /** The oldest service with this hostname (ServiceEntries may repeat a host across namespaces). */
  serviceByHost(hostname: string): ServiceModel | undefined {
    return this.serviceIndex.first(hostname);
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.serviceIndex.endpoints(hostname, port);
  }

  /**
   * VirtualServices for `gateway` ("mesh" or "ns/name") visible from
   * `namespace`, in Istio's precedence order (see virtual-service-index.ts).
   * Not merged: translators take the first per host for sidecars and merge
   * routes per host for gateways.
   */
  virtualServices(namespace: string, gateway: string): readonly Accepted<VirtualService>[] {
    return this.vsIndex.forGateway(namespace, gateway);
  }

  /** VirtualServices without hosts (delegates); weft does not merge delegates yet. */
  get delegateVirtualServices(): readonly Accepted<VirtualService>[] {
    return this.vsIndex.delegates;
  }

  /**
   * The DestinationRule for `hostname` seen from `namespace`. With
   * `proxyLabels`, rules with a matching workloadSelector in `namespace` come first.
   */
  destinationRule(namespace: string, hostname: string, proxyLabels?: Readonly<Record<string, string>>): Accepted<DestinationRule> | undefined {
    const svcNamespaces = this.serviceIndex.all(hostname).map((s) => s.namespace);
    return this.drIndex.lookup(namespace, hostname, svcNamespaces, proxyLabels);
  }

  sidecarFor(proxy: ProxyInfo): Accepted<Sidecar> | undefined {
    return this.sidecarIndex.forProxy(proxy);
  }

  /** Gateways selecting a router proxy (any namespace, as Istio's default); sidecars get none. */
  gatewaysFor(proxy: ProxyInfo): readonly Accepted<Gateway>[] {
    if (proxy.type !== 'router') return [];
    const out: Accepted<Gateway>[] = [];
    for (const g of this.gateways) if (selectorMatches(g.selector, proxy.labels)) out.push(g.accepted);
    return out;
  }

  /**
   * Services visible by exportTo from the proxy's namespace (one per
   * hostname, own namespace first), narrowed by its Sidecar's egress hosts.
   * As Istio, services that VirtualServices selected by the egress hosts
   * route to are kept too; the proxy's own namespace is not added implicitly.
   */
  servicesVisibleTo(proxy: ProxyInfo): readonly ServiceModel[] {
    const sidecar = this.sidecarFor(proxy);
    const memoKey = `${proxy.namespace}|${sidecar?.key ?? ''}`;
    const hit = this.visibleMemo.get(memoKey);
    if (hit) return hit;
    const base = this.serviceIndex.visibleFrom(proxy.namespace);
    let out = base;
    if (sidecar) {
      const egress = egressHostsOf(sidecar.obj);
      const chosen = new Set<ServiceModel>();
      for (const s of base) if (egressSelects(egress, proxy.namespace, s.namespace, s.hostname)) chosen.add(s);
      const byHost = new Map(base.map((s) => [s.hostname, s] as const));
      for (const vs of this.selectedVirtualServices(proxy.namespace, egress)) {
        for (const host of destinationHosts(vs.obj)) {
          const s = byHost.get(host);
          if (s) chosen.add(s);
        }
      }
      out = base.filter((s) => chosen.has(s));
    }
    out = Object.freeze(out);
    this.visibleMemo.set(memoKey, out);
    return out;
  }

  /** Mesh VirtualServices the proxy's Sidecar egress hosts select (all of them without a Sidecar). */
  virtualServicesVisibleTo(proxy: ProxyInfo): readonly Accepted<VirtualService>[] {
    const sidecar = this.sidecarFor(proxy);
    const all = this.virtualServices(proxy.namespace, 'mesh');
    return sidecar ? this.selectedVirtualServices(proxy.namespace, egressHostsOf(sidecar.obj)) : all;
  }

  resolveHost(host: string, namespace: string): string {
    return this.resolver(host, namespace);
  }

  peerAuthentication(namespace: string, labels: Readonly<Record<string, string>>): EffectiveMtls {
    return this.peerAuthIndex.forWorkload(namespace, labels);
  }

  telemetry(namespace: string, labels: Readonly<Record<string, string>>): ApplicableTelemetry {
    return this.telemetryIndex.forWorkload(namespace, labels);
  }

  requestAuthentications(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<RequestAuthentication>[] {
    return this.requestAuthIndex.forWorkload(namespace, labels);
  }

  authorizationPolicies(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<AuthorizationPolicy>[] {
    return this.authzIndex.forWorkload(namespace, labels);
  }

  private selectedVirtualServices(namespace: string, egress: ReturnType<typeof egressHostsOf>): Accepted<VirtualService>[] {
    const out: Accepted<VirtualService>[] = [];
    for (const vs of this.virtualServices(namespace, 'mesh')) {
      const vsNs = namespaceOf(vs.obj);
      if ((vs.obj.spec.hosts ?? []).some((h) => egressSelects(egress, namespace, vsNs, h))) out.push(vs);
    }
    return out;
  }
}

/** Hosts a VirtualService routes or mirrors to (already resolved). */
function destinationHosts(vs: VirtualService): Set<string> {
  const out = new Set<string>();
  const spec = vs.spec;
  for (const r of spec.http ?? []) {
    for (const d of r.route ?? []) if (d.destination?.host) out.add(d.destination.host);
    if (r.mirror?.host) out.add(r.mirror.host);
    for (const m of r.mirrors ?? []) if (m.destination?.host) out.add(m.destination.host);
  }
  for (const r of [...(spec.tcp ?? []), ...(spec.tls ?? [])]) {
    for (const d of r.route ?? []) if (d.destination?.host) out.add(d.destination.host);
  }
  return out;
}
