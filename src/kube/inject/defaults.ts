// Defaults of sidecar injection, each with the reason for its value. Ports,
// UIDs and names are Istio's, so that tools, dashboards and NetworkPolicies
// written for Istio keep working with weft.
import { CA_DEFAULTS } from '../../control/ca/defaults.js';
import { WEFT_VERSION } from '../../common/version.js';

export const INJECT_DEFAULTS = {
  /** The image holding `weft` (built from the repository's Dockerfile; no public registry is assumed). */
  image: `weft:${WEFT_VERSION}`,
  /** Istio's revision name when none is given (`istio.io/rev=default`). */
  revision: 'default',
  /** istio-proxy's UID and GID (Istio's 1337): the capture rules exclude this UID's traffic. */
  proxyUid: 1337,
  proxyGid: 1337,
  /** Outbound capture (virtualOutbound) and inbound capture (virtualInbound) ports. */
  outboundCapturePort: 15001,
  inboundCapturePort: 15006,
  /** The agent's status port: app probes rewritten here (/app-health/...), merged metrics (/stats/prometheus). */
  statusPort: 15020,
  /** Istio's health port: GET /healthz/ready is the sidecar's readiness. */
  healthPort: 15021,
  /** Envoy's Prometheus port in Istio (http-envoy-prom). */
  envoyPromPort: 15090,
  /** Istio's default sidecar resources (values.global.proxy.resources). */
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
  /** Where the control plane's xDS and CA listen in the cluster (istiod's Service, Istio's port 15012). */
  discoveryAddress: `istiod.istio-system.svc:${CA_DEFAULTS.port}`,
  trustDomain: CA_DEFAULTS.trustDomain,
  clusterId: 'Kubernetes',
  /** Namespaces whose pods are never injected (Istio ignores the cluster's own). */
  ignoredNamespaces: ['kube-system', 'kube-public'] as readonly string[],
  /**
   * First Kubernetes minor version whose kubelet runs native sidecars (init
   * containers with restartPolicy: Always) by default: the SidecarContainers
   * feature gate is beta and on from 1.29.
   */
  nativeSidecarMinVersion: { major: 1, minor: 29 },
  /** Audience of the projected token the sidecar shows the CA (Istio's istio-ca). */
  tokenAudience: 'istio-ca',
  /** Lifetime of that token (Istio's 43200 s). */
  tokenExpirationSeconds: 43200,
} as const;

/** Names of what the injector adds, as Istio names them. */
export const INJECTED_NAMES = {
  initContainer: 'istio-init',
  sidecar: 'istio-proxy',
  volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'] as readonly string[],
} as const;

/** Where the sidecar finds its identity material (Istio's paths). */
export const SIDECAR_PATHS = {
  rootCert: '/var/run/secrets/istio/root-cert.pem',
  token: '/var/run/secrets/tokens/istio-token',
} as const;
