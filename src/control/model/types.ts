// The control plane's model: services and workloads (from a registry) and
// Istio config, indexed into one immutable PushContext per config version.
// Translators (src/control/translate) read only these types: never YAML,
// never a registry directly. The ingest layer (src/control/ingest) builds them.
import type { ApplicableTelemetry } from './telemetry-index.js';
import type { JwtKeyResolver } from './jwt-key-resolver.js';
import type { RequestAuthentication } from '../../api/security.js';
import type {
  DestinationRule,
  Gateway,
  Sidecar,
  VirtualService,
} from '../../api/networking.js';
import type { AuthorizationPolicy } from '../../api/security.js';
import { CA_DEFAULTS } from '../ca/defaults.js';

/** Istio's port protocols, upper-cased ("http" → "HTTP"); unknown names become 'UNSUPPORTED'. */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'GRPC-WEB' | 'HTTPS' | 'TLS' | 'TCP' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP' | 'UNSUPPORTED';

export interface ServicePortModel {
  name: string;
  port: number;
  protocol: PortProtocol;
  /** Port on the workload, when it differs (ServiceEntry targetPort). */
  targetPort?: number;
}

/** One service (a ServiceEntry host, or later a Kubernetes Service). */
export interface ServiceModel {
  /** Fully qualified, e.g. reviews.default.svc.cluster.local or api.example.com. */
  readonly hostname: string;
  readonly namespace: string;
  readonly ports: readonly ServicePortModel[];
  readonly resolution: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  readonly location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  /** Namespaces the service is visible in; ['*'] = all, ['.'] = own namespace (Istio's exportTo). */
  readonly exportTo: readonly string[];
  readonly addresses: readonly string[];
  /** Where it came from, for messages: e.g. "ServiceEntry reviews.default". */
  readonly source: string;
  /** ServiceEntry subjectAltNames: identities the service's servers present (Istio adds them to the service's accounts). */
  readonly subjectAltNames?: readonly string[];
}

/** One endpoint of a service port. */
export interface ServiceEndpoint {
  readonly hostname: string;
  /** Service port number this endpoint serves. */
  readonly servicePort: number;
  readonly address: string;
  /** Port to connect to on the workload. */
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly weight: number;
  /** region/zone/subzone */
  readonly locality: string;
  readonly healthy: boolean;
  /** Workload name (WorkloadEntry name), for the graph and messages. */
  readonly workload: string;
  /**
   * Whether the workload takes Istio mTLS (its `security.istio.io/tlsMode`
   * label is `istio`: it has a sidecar) or not ('disabled', the default as in
   * Istio). Auto mTLS sends mTLS only to 'istio' endpoints.
   */
  readonly tlsMode: 'istio' | 'disabled';
}

/**
 * A source of services and endpoints. The file-based registry (ServiceEntry,
 * WorkloadEntry, `weft up`'s workloads file) implements it now; a Kubernetes
 * registry (Services, EndpointSlices, Pods) plugs in later.
 */
export interface ServiceRegistry {
  services(): readonly ServiceModel[];
  /** Endpoints of `hostname` on service port `port`. */
  endpoints(hostname: string, port: number): readonly ServiceEndpoint[];
  /** Called with what changed: 'endpoints' (EDS-only push) or 'services'. */
  onChange(cb: (what: 'endpoints' | 'services') => void): void;
}

/** Who is asking for config: decoded from the xDS node (id, cluster, metadata). */
export interface ProxyInfo {
  readonly id: string;
  /** sidecar (weft proxy / Envoy beside a workload), router (a Gateway), grpc (proxyless gRPC client). */
  readonly type: 'sidecar' | 'router' | 'grpc';
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Workload IP addresses (node metadata INSTANCE_IPS), used for inbound config. */
  readonly ips: readonly string[];
  readonly serviceAccount: string;
  /** Workload name (node metadata WORKLOAD_NAME), optional. */
  readonly workloadName: string;
  /** Raw node metadata. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A config object accepted by validation, with where it came from. */
export interface Accepted<T> {
  readonly obj: T;
  /** "Kind name.namespace" */
  readonly key: string;
  /** File it was read from, when from a file. */
  readonly file?: string;
  /** 1-based line in `file` where the object's document starts, when known. */
  readonly line?: number;
}

/**
 * One immutable, indexed view of all config and services at a version. Built
 * by the ingest layer; read by translators. Nothing here changes after
 * construction; a new version is a new PushContext.
 */
export interface PushContext {
  readonly version: string;
  /** Mesh-wide settings (domain suffix, default outbound policy, root namespace). */
  readonly mesh: MeshConfig;
  readonly services: readonly ServiceModel[];
  serviceByHost(hostname: string): ServiceModel | undefined;
  endpoints(hostname: string, port: number): readonly ServiceEndpoint[];
  /** VirtualServices visible from `namespace` bound to gateway `gateway` ('mesh' for sidecars), oldest first; not merged (translators merge). */
  virtualServices(namespace: string, gateway: string): readonly Accepted<VirtualService>[];
  /**
   * The DestinationRule for `hostname` as seen from `namespace` (Istio's lookup
   * order: proxy ns, service ns, root ns). With `proxyLabels`, rules with a
   * workloadSelector that matches them apply too (Istio's selector rules).
   */
  destinationRule(namespace: string, hostname: string, proxyLabels?: Readonly<Record<string, string>>): Accepted<DestinationRule> | undefined;
  /** The Sidecar resource that applies to a proxy (workloadSelector match, else namespace default, else root). */
  sidecarFor(proxy: ProxyInfo): Accepted<Sidecar> | undefined;
  /** Gateways whose selector matches the proxy's labels. */
  gatewaysFor(proxy: ProxyInfo): readonly Accepted<Gateway>[];
  /** Services the proxy may see (exportTo, then Sidecar egress hosts). */
  servicesVisibleTo(proxy: ProxyInfo): readonly ServiceModel[];
  /** Resolves a short host as Istio does (`reviews` in `default` → `reviews.default.svc.cluster.local`). */
  resolveHost(host: string, namespace: string): string;
  /**
   * The effective PeerAuthentication of a workload (its namespace and labels):
   * mesh → namespace → workload selector, UNSET inherits, default PERMISSIVE,
   * portLevelMtls per workload port (see peer-authentication-index.ts).
   */
  peerAuthentication(namespace: string, labels: Readonly<Record<string, string>>): EffectiveMtls;
  /** The AuthorizationPolicies that apply to a workload (root namespace, namespace, selector), oldest first (see authorization-policy-index.ts). */
  authorizationPolicies(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<AuthorizationPolicy>[];
  /** The Telemetry objects that apply to a workload: root namespace, namespace, workload selector (see telemetry-index.ts). */
  telemetry(namespace: string, labels: Readonly<Record<string, string>>): ApplicableTelemetry;
  /** The RequestAuthentications that apply to a workload: its namespace's, then the root namespace's (see request-authentication-index.ts). */
  requestAuthentications(namespace: string, labels: Readonly<Record<string, string>>): readonly Accepted<RequestAuthentication>[];
  /** Where translation gets the keys of a jwksUri (the control plane's fetcher); absent: none, every jwksUri fails closed. */
  readonly jwtKeyResolver?: JwtKeyResolver | undefined;
}

/** Istio's effective mTLS modes (UNSET never survives composition). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** A workload's composed PeerAuthentication. */
export interface EffectiveMtls {
  /** The workload's mode (ports not in perPort). */
  readonly mode: MtlsMode;
  /** Workload port → mode, from the workload policy's portLevelMtls. */
  readonly perPort: ReadonlyMap<number, MtlsMode>;
  /** Keys of the policies that apply (mesh, namespace, workload scope), widest first. */
  readonly policies: readonly string[];
  /** Key of the policy that set `mode`; absent when it is the default. */
  readonly source?: string;
}

/** MeshConfig.ExtensionProvider, the kinds weft translates (others are refused when a Telemetry names them). */
export interface ExtensionProvider {
  readonly name: string;
  readonly prometheus?: Record<string, never>;
  readonly envoyFileAccessLog?: {
    /** Default /dev/stdout. */
    readonly path?: string;
    /** One of text (a format string) or labels (JSON fields); absent: Istio's default text format. */
    readonly logFormat?: { readonly text?: string; readonly labels?: Readonly<Record<string, string>> };
  };
  /** Istio's ZipkinTracingProvider: spans as Zipkin v2 JSON to `service`:`port` (a mesh host). */
  readonly zipkin?: ZipkinTracingProvider;
  /** Istio's OpenTelemetryTracingProvider: OTLP over gRPC (default) or HTTP (`http` set) to `service`:`port`. */
  readonly opentelemetry?: OpenTelemetryTracingProvider;
  /** An HTTP external authorizer for AuthorizationPolicy CUSTOM (Istio's EnvoyExternalAuthorizationHttpProvider). */
  readonly envoyExtAuthzHttp?: ExtAuthzHttpProvider;
  /** A gRPC external authorizer (envoy.service.auth.v3.Authorization) for AuthorizationPolicy CUSTOM (Istio's EnvoyExternalAuthorizationGrpcProvider). */
  readonly envoyExtAuthzGrpc?: ExtAuthzGrpcProvider;
}

/** MeshConfig.ExtensionProvider.ZipkinTracingProvider. */
export interface ZipkinTracingProvider {
  /** The collector's host in the mesh registry, e.g. zipkin.istio-system.svc.cluster.local. */
  readonly service: string;
  readonly port: number;
  /** Longest path tag (Envoy's max_path_tag_length); 0 or absent: Envoy's 256. */
  readonly maxTagLength?: number;
  /** Collector path; default /api/v2/spans. */
  readonly path?: string;
}

/** MeshConfig.ExtensionProvider.OpenTelemetryTracingProvider. */
export interface OpenTelemetryTracingProvider {
  readonly service: string;
  readonly port: number;
  readonly maxTagLength?: number;
  /** OTLP/HTTP (protobuf): path (default /v1/traces), timeout in ms, headers added to each export. */
  readonly http?: { readonly path?: string; readonly timeoutMs?: number; readonly headers?: readonly { readonly name: string; readonly value: string }[] };
  /** OTLP/gRPC (the default transport): timeout in ms, initial metadata. */
  readonly grpc?: { readonly timeoutMs?: number; readonly initialMetadata?: readonly { readonly name: string; readonly value: string }[] };
}

/** A tracing custom tag, as Telemetry's and ProxyConfig's customTags say it (one of the three). */
export interface MeshTracingCustomTag {
  readonly literal?: { readonly value: string };
  readonly environment?: { readonly name: string; readonly defaultValue?: string };
  readonly header?: { readonly name: string; readonly defaultValue?: string };
}

/** meshConfig.defaultConfig.tracing (ProxyConfig.Tracing), the parts weft reads. */
export interface MeshDefaultTracing {
  /** Percent of requests sampled (0..100); absent: Istio's 1. */
  readonly sampling?: number;
  /** The legacy Zipkin collector, `host:port`. */
  readonly zipkin?: { readonly address: string };
  readonly customTags?: Readonly<Record<string, MeshTracingCustomTag>>;
  readonly maxPathTagLength?: number;
}

/** Istio's BodySettings of an ext authz provider (includeRequestBodyInCheck). */
export interface ExtAuthzBodySettings {
  readonly maxRequestBytes?: number;
  readonly allowPartialMessage?: boolean;
  readonly packAsBytes?: boolean;
}

/** Fields both ext authz provider kinds share, Istio's names. */
export interface ExtAuthzProviderBase {
  /** The authorizer's service: "[<namespace>/]<hostname>" of a registry service. */
  readonly service: string;
  readonly port: number;
  /** Istio duration string; default 600s. */
  readonly timeout?: string;
  /** Allow the request when the authorizer cannot be reached (Envoy's failure_mode_allow). */
  readonly failOpen?: boolean;
  readonly includeRequestBodyInCheck?: ExtAuthzBodySettings;
}

export interface ExtAuthzHttpProvider extends ExtAuthzProviderBase {
  readonly pathPrefix?: string;
  /** HTTP status when the authorizer fails (default 403, Envoy's); a number as a string, as Istio's field. */
  readonly statusOnError?: string;
  readonly includeRequestHeadersInCheck?: readonly string[];
  readonly includeAdditionalHeadersInCheck?: Readonly<Record<string, string>>;
  readonly headersToUpstreamOnAllow?: readonly string[];
  readonly headersToDownstreamOnDeny?: readonly string[];
  readonly headersToDownstreamOnAllow?: readonly string[];
}

export interface ExtAuthzGrpcProvider extends ExtAuthzProviderBase {
  /** HTTP status when the authorizer fails (default 403). */
  readonly statusOnError?: string;
}

export interface MeshConfig {
  /** "cluster.local" */
  readonly domainSuffix: string;
  /** "istio-system" (where mesh-wide defaults live). */
  readonly rootNamespace: string;
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** SPIFFE trust domain of workload identities (the CA's; spiffe://<trustDomain>/ns/…/sa/…). */
  readonly trustDomain: string;
  /**
   * Istio's meshConfig.enableAutoMtls: clients originate Istio mTLS to
   * endpoints that have a sidecar when no DestinationRule sets tls.
   */
  readonly enableAutoMtls: boolean;
  /**
   * Whether the mesh's sidecars hold Istio workload certificates (SDS
   * `default` and `ROOTCA` from a node agent, issued by a CA). Auto mTLS needs
   * them: without them no sidecar could present or verify a mesh
   * certificate, so clusters stay plaintext (a DestinationRule ISTIO_MUTUAL is
   * still built as written, with a translation warning: never plaintext).
   * Inbound: when true, listeners are built exactly as Istio builds them
   * (PERMISSIVE: an mTLS chain beside the plaintext one); when false,
   * PERMISSIVE and DISABLE ports are plaintext-only and STRICT ports still
   * get only their mTLS chain (never a plaintext fallback), with a warning.
   */
  readonly workloadCertificates: boolean;
  /** Istio's meshConfig.extensionProviders, with Istio's built-in `prometheus` and `envoy` (stdout) always there. */
  readonly extensionProviders: readonly ExtensionProvider[];
  /** Istio's meshConfig.defaultProviders: used where no Telemetry names providers (Istio's default: metrics from prometheus). */
  readonly defaultProviders: { readonly metrics?: readonly string[]; readonly accessLogging?: readonly string[]; readonly tracing?: readonly string[] };
  /**
   * Istio's meshConfig.enableTracing (default true): whether the legacy
   * tracer of defaultConfig.tracing runs when neither a Telemetry nor
   * defaultProviders.tracing names a provider.
   */
  readonly enableTracing: boolean;
  /** Istio's meshConfig.defaultConfig.tracing; weft has no default collector address (Istio's zipkin.istio-system:9411), so no legacy tracer unless set. */
  readonly defaultTracing?: MeshDefaultTracing;
  /** Istio's meshConfig.accessLogFile: every sidecar logs here when no Telemetry or default provider says otherwise (a sidecar's own WEFT_ACCESS_LOG_FILE wins). */
  readonly accessLogFile?: string;
  /** Istio's meshConfig.accessLogFormat: the text format of accessLogFile (a sidecar's WEFT_ACCESS_LOG_FORMAT wins). */
  readonly accessLogFormat?: string;
  /** Istio's meshConfig.accessLogEncoding: the format of the built-in `envoy` provider and of accessLogFile. */
  readonly accessLogEncoding: 'TEXT' | 'JSON';
}

export const DEFAULT_MESH: MeshConfig = {
  domainSuffix: 'cluster.local',
  rootNamespace: 'istio-system',
  outboundTrafficPolicy: 'ALLOW_ANY',
  // One trust domain default for the CA and the SANs clients expect.
  trustDomain: CA_DEFAULTS.trustDomain,
  // Istio's default (on since 1.5).
  enableAutoMtls: true,
  // Off until the control plane runs a CA and sidecars run the node agent; `weft up` turns it on then.
  workloadCertificates: false,
  // Istio adds these two to every mesh config (the built-ins weft implements).
  extensionProviders: [{ name: 'prometheus', prometheus: {} }, { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } }],
  defaultProviders: { metrics: ['prometheus'] },
  enableTracing: true,
  accessLogEncoding: 'TEXT',
};

/** Canonical xDS resources for one proxy, in weft's canonical proto shape (src/xds/codec.ts). */
export interface ProxyResources {
  listeners: unknown[];
  routes: unknown[];
  clusters: unknown[];
  endpoints: unknown[];
}
