// An in-memory PushContext for translator tests, following the documented
// semantics of the interface in src/control/model/types.ts (the ingest layer
// builds the real one). Test support only: not used by production code.
import type { DestinationRule, Gateway, Sidecar, VirtualService } from '../../api/networking.js';
import type { JwtKeyResolver } from '../model/jwt-key-resolver.js';
import { RequestAuthenticationIndex } from '../model/request-authentication-index.js';
import type { AuthorizationPolicy, PeerAuthentication, RequestAuthentication } from '../../api/security.js';
import { AuthorizationPolicyIndex } from '../model/authorization-policy-index.js';
import type { Telemetry } from '../../api/telemetry.js';
import { TelemetryIndex, type ApplicableTelemetry } from '../model/telemetry-index.js';
import { DEFAULT_MESH, type Accepted, type EffectiveMtls, type MeshConfig, type ProxyInfo, type PushContext, type ServiceEndpoint, type ServiceModel } from '../model/types.js';
import { PeerAuthenticationIndex } from '../model/peer-authentication-index.js';
import { hostCovers } from '../model/host-names.js';
import { labelsMatch } from './locality-endpoints.js';

export interface TestPushInput {
  services?: ServiceModel[];
  endpoints?: ServiceEndpoint[];
  virtualServices?: VirtualService[];
  destinationRules?: DestinationRule[];
  gateways?: Gateway[];
  sidecars?: Sidecar[];
  /** Oldest first. */
  peerAuthentications?: PeerAuthentication[];
  /** Oldest first. */
  telemetries?: Telemetry[];
  /** Oldest first. */
  requestAuthentications?: RequestAuthentication[];
  jwtKeyResolver?: JwtKeyResolver;
  authorizationPolicies?: AuthorizationPolicy[];
  mesh?: Partial<MeshConfig>;
  version?: string;
}

const accepted = <T extends { kind: string; metadata: { name: string; namespace?: string } }>(o: T): Accepted<T> =>
  ({ obj: o, key: `${o.kind} ${o.metadata.name}.${o.metadata.namespace ?? 'default'}` });

const nsOf = (o: { metadata: { namespace?: string } }) => o.metadata.namespace ?? 'default';

/** Whether an object with `exportTo` in `ownNs` is visible from `ns` (Istio: unset or '*' = everywhere, '.' = own). */
function exported(exportTo: readonly string[] | undefined, ownNs: string, ns: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? ownNs === ns : e === ns));
}

export class TestPushContext implements PushContext {
  readonly version: string;
  readonly mesh: MeshConfig;
  readonly services: readonly ServiceModel[];
  private readonly eps: readonly ServiceEndpoint[];
  private readonly vss: Accepted<VirtualService>[];
  private readonly drs: Accepted<DestinationRule>[];
  private readonly gws: Accepted<Gateway>[];
  private readonly scs: Accepted<Sidecar>[];
  private readonly peerAuth: PeerAuthenticationIndex;
  private readonly telemetries: TelemetryIndex;
  private readonly requestAuth: RequestAuthenticationIndex;
  readonly jwtKeyResolver: JwtKeyResolver | undefined;
  private readonly authz: AuthorizationPolicyIndex;

  constructor(input: TestPushInput) {
    this.version = input.version ?? 'test';
    this.mesh = { ...DEFAULT_MESH, ...(input.mesh ?? {}) };
    this.services = input.services ?? [];
    this.eps = input.endpoints ?? [];
    this.vss = (input.virtualServices ?? []).map(accepted);
    this.drs = (input.destinationRules ?? []).map(accepted);
    this.gws = (input.gateways ?? []).map(accepted);
    this.scs = (input.sidecars ?? []).map(accepted);
    // The model's own index: its composition rules are what these tests exercise through translation.
    this.peerAuth = new PeerAuthenticationIndex((input.peerAuthentications ?? []).map(accepted), this.mesh.rootNamespace);
    this.telemetries = new TelemetryIndex((input.telemetries ?? []).map(accepted), this.mesh.rootNamespace);
    this.requestAuth = new RequestAuthenticationIndex((input.requestAuthentications ?? []).map(accepted), this.mesh.rootNamespace);
    this.jwtKeyResolver = input.jwtKeyResolver;
    this.authz = new AuthorizationPolicyIndex((input.authorizationPolicies ?? []).map(accepted), this.mesh.rootNamespace);
  }

  serviceByHost(hostname: string): ServiceModel | undefined {
    return this.services.find((s) => s.hostname === hostname);
  }

  endpoints(hostname: string, port: number): readonly ServiceEndpoint[] {
    return this.eps.filter((e) => e.hostname === hostname && e.servicePort === port);
  }

  /** In the given order (oldest first); a VirtualService without gateways is bound to 'mesh'. */
  virtualServices(namespace: string, gateway: string): readonly Accepted<VirtualService>[] {
    return this.vss.filter((v) => {
      const ns = nsOf(v.obj);
      if (!exported(v.obj.spec.exportTo, ns, namespace)) return false;
      const gws = v.obj.spec.gateways && v.obj.spec.gateways.length > 0 ? v.obj.spec.gateways : ['mesh'];
      return gws.some((g) => (g === 'mesh' || g.includes('/') ? g : `${ns}/${g}`) === gateway);
    });
  }

  /** Istio's lookup order: the proxy's namespace, then the service's, then the root namespace. */
  destinationRule(namespace: string, hostname: string): Accepted<DestinationRule> | undefined {
    const svcNs = this.serviceByHost(hostname)?.namespace;
    for (const ns of [namespace, svcNs, this.mesh.rootNamespace]) {
      if (ns === undefined) continue;
      const candidates = this.drs.filter((d) => nsOf(d.obj) === ns && exported(d.obj.spec.exportTo, ns, namespace));
      const exact = candidates.find((d) => this.resolveHost(d.obj.spec.host, ns) === hostname);
      if (exact) return exact;
      const wild = candidates
        .filter((d) => d.obj.spec.host.startsWith('*') && hostCovers(d.obj.spec.host, hostname))
        .sort((a, b) => b.obj.spec.host.length - a.obj.spec.host.length)[0];
      if (wild) return wild;
    }
    return undefined;
  }

  sidecarFor(proxy: ProxyInfo): Accepted<Sidecar> | undefined {
    const inNs = this.scs.filter((s) => nsOf(s.obj) === proxy.namespace);
    return inNs.find((s) => s.obj.spec.workloadSelector && labelsMatch(s.obj.spec.workloadSelector.labels, proxy.labels))
      ?? inNs.find((s) => !s.obj.spec.workloadSelector)
      ?? this.scs.find((s) => nsOf(s.obj) === this.mesh.rootNamespace && !s.obj.spec.workloadSelector);
  }

  gatewaysFor(proxy: ProxyInfo): readonly Accepted<Gateway>[] {
    return this.gws.filter((g) => g.obj.spec.selector && labelsMatch(g.obj.spec.selector, proxy.labels));
  }

  servicesVisibleTo(proxy: ProxyInfo): readonly ServiceModel[] {
    const egress = this.sidecarFor(proxy)?.obj.spec.egress;
    return this.services.filter((s) => {
      if (!exported(s.exportTo, s.namespace, proxy.namespace)) return false;
      if (!egress || egress.length === 0) return true;
      return egress.some((e) => e.hosts.some((h) => {
        const [ns, host] = h.includes('/') ? h.split('/', 2) as [string, string] : ['*', h];
        const nsOk = ns === '*' || (ns === '.' ? s.namespace === proxy.namespace : s.namespace === ns);
        return nsOk && hostCovers(host === '*' ? '*' : host, s.hostname);
      }));
    });
  }

  /** Istio's ResolveShortnameToFQDN: a name without dots gets `.<ns>.svc.<suffix>`; others stay. */
  resolveHost(host: string, namespace: string): string {
    if (host === '*' || host.includes('.') || host.includes(':')) return host;
    return `${host}.${namespace}.svc.${this.mesh.domainSuffix}`;
  }

  peerAuthentication(namespace: string, labels: Readonly<Record<string, string>>): EffectiveMtls {
    return this.peerAuth.forWorkload(namespace, labels);
  }

  telemetry(namespace: string, labels: Readonly<Record<string, string>>): ApplicableTelemetry {
    return this.telemetries.forWorkload(namespace, labels);
  }

  requestAuthentications(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<RequestAuthentication>[] {
    return this.requestAuth.forWorkload(namespace, labels);
  }

  authorizationPolicies(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<AuthorizationPolicy>[] {
    return this.authz.forWorkload(namespace, labels);
  }
}
