// The field tables of networking.istio.io (v1alpha3, v1beta1 and v1 share
// them): every field Istio defines, with its type, as src/api/networking.ts
// spells it. Istio fields that weft does not implement are listed as
// unsupported so they are refused with a reason rather than reported as
// unknown (or, worse, ignored). Semantic rules live in the validate-*.ts files.
import {
  bool,
  deprecatedField,
  double,
  duration,
  enumOf,
  int32,
  list,
  map,
  obj,
  required,
  str,
  uint32,
  unsupportedField,
  type Shape,
} from './schema.js';

const stringMatch = obj({ exact: str, prefix: str, regex: str }, [['exact', 'prefix', 'regex']]);
const percent = obj({ value: double });
const portSelector = obj({ number: uint32 });
const destination = obj({ host: required(str), subset: str, port: portSelector });
const headerOperations = obj({ set: map(str), add: map(str), remove: list(str) });
const headers = obj({ request: headerOperations, response: headerOperations });
const labels = map(str);

// ---- VirtualService ----

const httpMatchRequest = obj({
  name: str,
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: map(stringMatch),
  port: uint32,
  sourceLabels: labels,
  gateways: list(str),
  queryParams: map(stringMatch),
  ignoreUriCase: bool,
  withoutHeaders: map(stringMatch),
  sourceNamespace: str,
  statPrefix: str,
});

const httpRoute = obj({
  name: str,
  match: list(httpMatchRequest),
  route: list(obj({ destination: required(destination), weight: int32, headers })),
  redirect: obj(
    {
      uri: str,
      authority: str,
      port: uint32,
      derivePort: enumOf('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'),
      scheme: str,
      redirectCode: uint32,
    },
    [['port', 'derivePort']],
  ),
  directResponse: obj({ status: required(uint32), body: obj({ string: str, bytes: str }, [['string', 'bytes']]) }),
  delegate: obj({ name: str, namespace: str }),
  rewrite: obj({ uri: str, authority: str, uriRegexRewrite: obj({ match: str, rewrite: str }) }),
  timeout: duration,
  retries: obj({
    attempts: int32,
    perTryTimeout: duration,
    retryOn: str,
    retryRemoteLocalities: bool,
    retryIgnorePreviousHosts: unsupportedField('retry host predicates are not implemented'),
    backoff: unsupportedField('a custom retry back-off is not implemented (Envoy\'s default 25ms base applies)'),
  }),
  fault: obj({
    delay: obj(
      {
        fixedDelay: duration,
        percent: deprecatedField(int32, 'WEFT0201', 'delay.percent is deprecated (Istio 1.4-era integer percent); weft reads it as delay.percentage.value: use "percentage: { value: N }"'),
        percentage: percent,
        exponentialDelay: duration,
      },
      [['fixedDelay', 'exponentialDelay'], ['percent', 'percentage']],
    ),
    abort: obj({ httpStatus: int32, grpcStatus: str, http2Error: str, percentage: percent }, [['httpStatus', 'grpcStatus', 'http2Error']]),
  }),
  mirror: destination,
  mirrors: list(obj({ destination: required(destination), percentage: percent })),
  mirrorPercent: deprecatedField(uint32, 'WEFT0203', 'mirrorPercent is deprecated; weft reads it as mirrorPercentage.value: use "mirrorPercentage: { value: N }"'),
  mirrorPercentage: percent,
  corsPolicy: obj({
    allowOrigins: list(stringMatch),
    allowOrigin: deprecatedField(list(str), 'WEFT0204', 'corsPolicy.allowOrigin is deprecated; weft reads each entry as an exact match in allowOrigins: use "allowOrigins: [{ exact: ... }]"'),
    allowMethods: list(str),
    allowHeaders: list(str),
    exposeHeaders: list(str),
    maxAge: duration,
    allowCredentials: bool,
    unmatchedPreflights: enumOf('UNSPECIFIED', 'FORWARD', 'IGNORE'),
  }),
  headers,
});

const routeDestination = obj({ destination: required(destination), weight: int32 });
const l4Common = { destinationSubnets: list(str), port: uint32, sourceLabels: labels, gateways: list(str), sourceNamespace: str };

const virtualService = obj({
  hosts: list(str),
  gateways: list(str),
  http: list(httpRoute),
  tls: list(obj({ match: list(obj({ sniHosts: list(str), ...l4Common })), route: list(routeDestination) })),
  tcp: list(obj({ match: list(obj({ ...l4Common, sourceSubnet: str })), route: list(routeDestination) })),
  exportTo: list(str),
});

// ---- DestinationRule ----

const loadBalancer = obj(
  {
    simple: enumOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
    consistentHash: obj(
      {
        httpHeaderName: str,
        httpCookie: obj({ name: str, path: str, ttl: duration }),
        useSourceIp: bool,
        httpQueryParameterName: str,
        ringHash: obj({ minimumRingSize: uint32 }),
        maglev: obj({ tableSize: uint32 }),
        minimumRingSize: deprecatedField(uint32, 'WEFT0205', 'consistentHash.minimumRingSize is deprecated; weft reads it as consistentHash.ringHash.minimumRingSize: use "ringHash: { minimumRingSize: N }"'),
      },
      [['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'], ['ringHash', 'maglev']],
    ),
    localityLbSetting: obj({
      distribute: list(obj({ from: str, to: map(uint32) })),
      failover: list(obj({ from: str, to: str })),
      failoverPriority: list(str),
      enabled: bool,
    }),
    warmupDurationSecs: duration,
    warmup: obj({ duration, minimumPercent: double, aggression: double }),
  },
  [['simple', 'consistentHash']],
);

const connectionPool = obj({
  tcp: obj({
    maxConnections: int32,
    connectTimeout: duration,
    tcpKeepalive: obj({ probes: uint32, time: duration, interval: duration }),
    maxConnectionDuration: duration,
    idleTimeout: duration,
  }),
  http: obj({
    http1MaxPendingRequests: int32,
    http2MaxRequests: int32,
    maxRequestsPerConnection: int32,
    maxRetries: int32,
    idleTimeout: duration,
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: bool,
    maxConcurrentStreams: int32,
  }),
});

const outlierDetection = obj({
  consecutiveErrors: deprecatedField(
    int32,
    'WEFT0202',
    'outlierDetection.consecutiveErrors is deprecated; Istio (1.1 and later) applies it as consecutiveGatewayErrors (502, 503, 504 and connection failures) with 5xx ejection off, and so does weft: write "consecutiveGatewayErrors: N, consecutive5xxErrors: 0" to keep that, or consecutive5xxErrors to eject on any 5xx',
  ),
  splitExternalLocalOriginErrors: bool,
  consecutiveLocalOriginFailures: uint32,
  consecutiveGatewayErrors: uint32,
  consecutive5xxErrors: uint32,
  interval: duration,
  baseEjectionTime: duration,
  maxEjectionPercent: int32,
  minHealthPercent: int32,
});

const clientTls = obj({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: str,
  privateKey: str,
  caCertificates: str,
  credentialName: str,
  subjectAltNames: list(str),
  sni: str,
  insecureSkipVerify: bool,
  caCrl: str,
});

const portTrafficPolicy = obj({ port: portSelector, loadBalancer, connectionPool, outlierDetection, tls: clientTls });

const trafficPolicy = obj({
  loadBalancer,
  connectionPool,
  outlierDetection,
  tls: clientTls,
  portLevelSettings: list(portTrafficPolicy),
  tunnel: unsupportedField('HTTP CONNECT/POST tunneling to upstreams is not implemented'),
  proxyProtocol: unsupportedField('PROXY protocol to upstreams is not implemented'),
});

const destinationRule = obj({
  host: required(str),
  trafficPolicy,
  subsets: list(obj({ name: required(str), labels, trafficPolicy })),
  exportTo: list(str),
  workloadSelector: obj({ matchLabels: labels }),
});

// ---- ServiceEntry / WorkloadEntry ----

const workloadEntry = obj({
  address: str,
  ports: map(uint32),
  labels,
  network: str,
  locality: str,
  weight: uint32,
  serviceAccount: str,
});

const serviceEntry = obj({
  hosts: required(list(str)),
  addresses: list(str),
  ports: list(obj({ number: required(uint32), protocol: str, name: required(str), targetPort: uint32 })),
  location: enumOf('MESH_EXTERNAL', 'MESH_INTERNAL'),
  resolution: enumOf('NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'),
  endpoints: list(workloadEntry),
  workloadSelector: obj({ labels }),
  exportTo: list(str),
  subjectAltNames: list(str),
});

// ---- Sidecar ----

const sidecarPort = obj({ number: uint32, protocol: str, name: str, targetPort: uint32 });
const captureMode = enumOf('DEFAULT', 'IPTABLES', 'NONE');

const sidecar = obj({
  workloadSelector: obj({ labels }),
  ingress: list(
    obj({
      port: required(sidecarPort),
      bind: str,
      captureMode,
      defaultEndpoint: str,
      tls: unsupportedField('TLS termination on sidecar ingress listeners is not implemented'),
      connectionPool: unsupportedField('per-listener inbound connection pools are not implemented'),
    }),
  ),
  egress: list(obj({ port: sidecarPort, bind: str, captureMode, hosts: required(list(str)) })),
  outboundTrafficPolicy: obj({ mode: enumOf('REGISTRY_ONLY', 'ALLOW_ANY'), egressProxy: destination }),
  inboundConnectionPool: unsupportedField('inbound connection pools are not implemented'),
});

// ---- Gateway ----

const tlsVersion = enumOf('TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3');

const gateway = obj({
  servers: list(
    obj({
      port: required(obj({ number: uint32, protocol: required(str), name: required(str), targetPort: uint32 })),
      bind: str,
      hosts: required(list(str)),
      tls: obj({
        httpsRedirect: bool,
        mode: enumOf('PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL'),
        serverCertificate: str,
        privateKey: str,
        caCertificates: str,
        credentialName: str,
        subjectAltNames: list(str),
        minProtocolVersion: tlsVersion,
        maxProtocolVersion: tlsVersion,
        cipherSuites: list(str),
        credentialNames: unsupportedField('multiple credentials per server are not implemented'),
        tlsCertificates: unsupportedField('multiple certificates per server are not implemented'),
        verifyCertificateSpki: list(str),
        verifyCertificateHash: list(str),
        caCrl: unsupportedField('certificate revocation lists are not implemented'),
      }),
      name: str,
      defaultEndpoint: unsupportedField('gateway default endpoints are not implemented'),
    }),
  ),
  selector: labels,
});

/** The spec schema of each networking kind. */
export const SPEC_SCHEMAS: Readonly<Record<string, Shape>> = {
  VirtualService: virtualService,
  DestinationRule: destinationRule,
  ServiceEntry: serviceEntry,
  WorkloadEntry: workloadEntry,
  Sidecar: sidecar,
  Gateway: gateway,
};
