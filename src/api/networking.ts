// Istio's networking.istio.io API (v1alpha3, v1beta1, v1 share one schema),
// as weft reads it from YAML: camelCase field names, exactly Istio's. These
// are the input shapes; validation (src/control/validation) checks values.
// Fields marked @deprecated are accepted and mapped as Istio mapped them.

/** Kubernetes-style object metadata (the parts weft uses). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Set by weft when read from a file (for messages and config_dump). */
  generation?: number;
}

/** Any config object: apiVersion/kind/metadata/spec. */
export interface ConfigObject<K extends string = string, S = unknown> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
}

export const NETWORKING_GROUP = 'networking.istio.io';
export const NETWORKING_VERSIONS = ['v1alpha3', 'v1beta1', 'v1'] as const;
export const SECURITY_GROUP = 'security.istio.io';
/**
 * Istio's workload label that says whether a workload takes Istio mTLS
 * (`istio`: it has a sidecar; anything else or absent: it does not). The
 * injector sets it on pods; auto mTLS reads it from endpoints.
 */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

// ---- shared ----

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface PortSelector {
  number?: number;
}

export interface Percent {
  value?: number;
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HeaderOperations {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

// ---- VirtualService ----

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HTTPRoute[];
  tls?: TLSRoute[];
  tcp?: TCPRoute[];
  exportTo?: string[];
}

export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  redirect?: HTTPRedirect;
  directResponse?: HTTPDirectResponse;
  delegate?: { name?: string; namespace?: string };
  rewrite?: HTTPRewrite;
  /** Duration string, e.g. "10s". */
  timeout?: string;
  retries?: HTTPRetry;
  fault?: HTTPFaultInjection;
  mirror?: Destination;
  mirrors?: HTTPMirrorPolicy[];
  /** @deprecated use mirrorPercentage */
  mirrorPercent?: number;
  mirrorPercentage?: Percent;
  corsPolicy?: CorsPolicy;
  headers?: Headers;
}

export interface HTTPMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  withoutHeaders?: Record<string, StringMatch>;
  sourceNamespace?: string;
  statPrefix?: string;
}

export interface Destination {
  host: string;
  subset?: string;
  port?: PortSelector;
}

export interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  headers?: Headers;
}

export interface RouteDestination {
  destination: Destination;
  weight?: number;
}

export interface HTTPRedirect {
  uri?: string;
  authority?: string;
  port?: number;
  derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
  scheme?: string;
  redirectCode?: number;
}

export interface HTTPDirectResponse {
  status: number;
  body?: { string?: string; bytes?: string };
}

export interface HTTPRewrite {
  uri?: string;
  authority?: string;
  uriRegexRewrite?: { match?: string; rewrite?: string };
}

export interface HTTPRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
  retryRemoteLocalities?: boolean;
}

export interface HTTPFaultInjection {
  delay?: {
    fixedDelay?: string;
    /** @deprecated Istio 1.4-era integer percent; use percentage.value */
    percent?: number;
    percentage?: Percent;
    exponentialDelay?: string;
  };
  abort?: {
    httpStatus?: number;
    grpcStatus?: string;
    http2Error?: string;
    percentage?: Percent;
  };
}

export interface HTTPMirrorPolicy {
  destination: Destination;
  percentage?: Percent;
}

export interface CorsPolicy {
  allowOrigins?: StringMatch[];
  /** @deprecated use allowOrigins */
  allowOrigin?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: string;
  allowCredentials?: boolean;
  unmatchedPreflights?: 'FORWARD' | 'IGNORE';
}

export interface TLSRoute {
  match?: TLSMatchAttributes[];
  route?: RouteDestination[];
}

export interface TLSMatchAttributes {
  sniHosts?: string[];
  destinationSubnets?: string[];
  port?: number;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
}

export interface TCPRoute {
  match?: L4MatchAttributes[];
  route?: RouteDestination[];
}

export interface L4MatchAttributes {
  destinationSubnets?: string[];
  port?: number;
  sourceSubnet?: string;
  sourceLabels?: Record<string, string>;
  gateways?: string[];
  sourceNamespace?: string;
}

// ---- DestinationRule ----

export interface DestinationRuleSpec {
  host: string;
  trafficPolicy?: TrafficPolicy;
  subsets?: Subset[];
  exportTo?: string[];
  /** Istio's type.v1beta1.WorkloadSelector: `matchLabels` (not `labels`, unlike Sidecar/ServiceEntry). */
  workloadSelector?: { matchLabels?: Record<string, string> };
}

export interface Subset {
  name: string;
  labels?: Record<string, string>;
  trafficPolicy?: TrafficPolicy;
}

export interface TrafficPolicy {
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
  portLevelSettings?: PortTrafficPolicy[];
}

export interface PortTrafficPolicy {
  port?: PortSelector;
  loadBalancer?: LoadBalancerSettings;
  connectionPool?: ConnectionPoolSettings;
  outlierDetection?: OutlierDetection;
  tls?: ClientTLSSettings;
}

export interface LoadBalancerSettings {
  simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
  consistentHash?: {
    httpHeaderName?: string;
    httpCookie?: { name: string; path?: string; ttl?: string };
    useSourceIp?: boolean;
    httpQueryParameterName?: string;
    ringHash?: { minimumRingSize?: number };
    maglev?: { tableSize?: number };
    /** @deprecated use ringHash.minimumRingSize */
    minimumRingSize?: number;
  };
  localityLbSetting?: {
    distribute?: { from?: string; to?: Record<string, number> }[];
    failover?: { from?: string; to?: string }[];
    failoverPriority?: string[];
    enabled?: boolean;
  };
  /** Deprecated by warmup; still honoured. */
  warmupDurationSecs?: string;
  warmup?: { duration?: string; minimumPercent?: number; aggression?: number };
}

export interface ConnectionPoolSettings {
  tcp?: {
    maxConnections?: number;
    connectTimeout?: string;
    tcpKeepalive?: { probes?: number; time?: string; interval?: string };
    maxConnectionDuration?: string;
    idleTimeout?: string;
  };
  http?: {
    http1MaxPendingRequests?: number;
    http2MaxRequests?: number;
    maxRequestsPerConnection?: number;
    maxRetries?: number;
    idleTimeout?: string;
    h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
    useClientProtocol?: boolean;
    maxConcurrentStreams?: number;
  };
}

export interface OutlierDetection {
  /** @deprecated Istio 1.4-era; use consecutive5xxErrors / consecutiveGatewayErrors */
  consecutiveErrors?: number;
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailures?: number;
  consecutiveGatewayErrors?: number;
  consecutive5xxErrors?: number;
  interval?: string;
  baseEjectionTime?: string;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
}

export interface ClientTLSSettings {
  mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
  /** File with a certificate revocation list (PEM) to check the server's certificate against (SIMPLE, MUTUAL). */
  caCrl?: string;
}

// ---- ServiceEntry / WorkloadEntry ----

export interface ServicePort {
  number: number;
  /** HTTP | HTTPS | GRPC | HTTP2 | MONGO | TCP | TLS (case-insensitive in Istio). */
  protocol?: string;
  name: string;
  targetPort?: number;
}

export interface ServiceEntrySpec {
  hosts: string[];
  addresses?: string[];
  ports?: ServicePort[];
  location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';
  endpoints?: WorkloadEntrySpec[];
  workloadSelector?: WorkloadSelector;
  exportTo?: string[];
  subjectAltNames?: string[];
}

export interface WorkloadEntrySpec {
  address?: string;
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}

export interface WorkloadSelector {
  labels?: Record<string, string>;
}

// ---- Sidecar ----

export interface SidecarSpec {
  workloadSelector?: WorkloadSelector;
  ingress?: IstioIngressListener[];
  egress?: IstioEgressListener[];
  outboundTrafficPolicy?: { mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY'; egressProxy?: Destination };
}

export interface IstioIngressListener {
  port: { number: number; protocol?: string; name?: string };
  bind?: string;
  captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
  defaultEndpoint?: string;
}

export interface IstioEgressListener {
  port?: { number: number; protocol?: string; name?: string };
  bind?: string;
  captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
  hosts: string[];
}

// ---- Gateway ----

export interface GatewaySpec {
  servers?: GatewayServer[];
  selector?: Record<string, string>;
}

export interface GatewayServer {
  port: { number: number; protocol: string; name: string; targetPort?: number };
  bind?: string;
  hosts: string[];
  tls?: {
    httpsRedirect?: boolean;
    mode?: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
    serverCertificate?: string;
    privateKey?: string;
    caCertificates?: string;
    credentialName?: string;
    subjectAltNames?: string[];
    /** Client certificate pins (MUTUAL): base64 SHA-256 of the SPKI, hex SHA-256 of the certificate. */
    verifyCertificateSpki?: string[];
    verifyCertificateHash?: string[];
    minProtocolVersion?: string;
    maxProtocolVersion?: string;
    cipherSuites?: string[];
  };
  name?: string;
}

export type VirtualService = ConfigObject<'VirtualService', VirtualServiceSpec>;
export type DestinationRule = ConfigObject<'DestinationRule', DestinationRuleSpec>;
export type ServiceEntry = ConfigObject<'ServiceEntry', ServiceEntrySpec>;
export type WorkloadEntry = ConfigObject<'WorkloadEntry', WorkloadEntrySpec>;
export type Sidecar = ConfigObject<'Sidecar', SidecarSpec>;
export type Gateway = ConfigObject<'Gateway', GatewaySpec>;

export type NetworkingObject = VirtualService | DestinationRule | ServiceEntry | WorkloadEntry | Sidecar | Gateway;

export const NETWORKING_KINDS = ['VirtualService', 'DestinationRule', 'ServiceEntry', 'WorkloadEntry', 'Sidecar', 'Gateway'] as const;
export const SECURITY_KINDS = ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'] as const;
