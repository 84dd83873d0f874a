// The containers and volumes the injector adds, shaped as Istio's
// sidecar template renders them: `istio-init` (capture rules, `weft
// iptables` with istio-iptables' flags), `istio-proxy` (the sidecar, UID
// 1337, its identity from the pod's service account), and the volumes
// holding the CA root, the projected token and the proxy's scratch space.
import type { InjectionSettings } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { INJECT_DEFAULTS, INJECTED_NAMES, SIDECAR_PATHS } from './defaults.js';
import type { Container } from './kube-types.js';

/** The sidecar's own ports, never captured inbound (Istio adds them to -d). */
const SIDECAR_PORTS = [INJECT_DEFAULTS.envoyPromPort, INJECT_DEFAULTS.healthPort, INJECT_DEFAULTS.statusPort];

function resources(s: InjectionSettings, c: InjectionConfig): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { ...c.resources.requests, ...(s.cpu ? { cpu: s.cpu } : {}), ...(s.memory ? { memory: s.memory } : {}) },
    limits: { ...c.resources.limits, ...(s.cpuLimit ? { cpu: s.cpuLimit } : {}), ...(s.memoryLimit ? { memory: s.memoryLimit } : {}) },
  };
}

/**
 * The arguments of `weft iptables` (the capture step; its flags are
 * istio-iptables' and are defined by src/kube/capture): outbound to 15001,
 * inbound to 15006, UID 1337 excluded, REDIRECT mode, then the pod's
 * include/exclude ranges and ports.
 */
export function iptablesArgs(s: InjectionSettings): string[] {
  const excludeInbound = [...new Set([...SIDECAR_PORTS, ...s.excludeInboundPorts])].sort((a, b) => a - b);
  const args = [
    'iptables',
    '-p', String(INJECT_DEFAULTS.outboundCapturePort),
    '-z', String(INJECT_DEFAULTS.inboundCapturePort),
    '-u', String(INJECT_DEFAULTS.proxyUid),
    '-m', 'REDIRECT',
    '-i', s.includeOutboundIpRanges,
    '-x', s.excludeOutboundIpRanges,
    '-b', s.includeInboundPorts,
    '-d', excludeInbound.join(','),
  ];
  if (s.excludeOutboundPorts.length) args.push('-o', s.excludeOutboundPorts.join(','));
  if (s.includeOutboundPorts.length) args.push('-q', s.includeOutboundPorts.join(','));
  return args;
}

export function buildInitContainer(s: InjectionSettings, c: InjectionConfig): Container {
  return {
    name: INJECTED_NAMES.initContainer,
    image: s.image ?? c.image,
    args: iptablesArgs(s),
    resources: resources(s, c),
    // Writing netfilter rules needs NET_ADMIN and NET_RAW, as root, and nothing else.
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
}

const fieldEnv = (name: string, fieldPath: string): object => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });

export interface SidecarInputs {
  settings: InjectionSettings;
  config: InjectionConfig;
  /** The app containers (before injection): their ports and names go into the sidecar's metadata. */
  appContainers: readonly Container[];
  workloadName: string;
  /** ISTIO_KUBE_APP_PROBERS, when probes were rewritten. */
  probers?: Record<string, unknown>;
  /** The app's prometheus.io annotations, which the merged metrics endpoint takes over. */
  appPrometheus?: Record<string, string>;
  native: boolean;
  hold: boolean;
}

export function buildSidecarContainer(i: SidecarInputs): Container {
  const { settings: s, config: c } = i;
  const podPorts = i.appContainers.flatMap((ct) => ct.ports ?? []).map((p) => ({ containerPort: p.containerPort, ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP' }));
  const proxyConfig = { ...s.proxyConfig, ...(i.hold ? { holdApplicationUntilProxyStarts: true } : {}) };
  const [caHost] = c.discoveryAddress.split(':');
  const env: object[] = [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    // The node agent's settings (src/agent/agent-config.ts reads these names).
    { name: 'CA_ADDR', value: c.discoveryAddress },
    { name: 'ISTIOD_SAN', value: caHost },
    { name: 'WEFT_CA_ROOT_CERT', value: SIDECAR_PATHS.rootCert },
    { name: 'WEFT_CA_TOKEN_FILE', value: SIDECAR_PATHS.token },
    { name: 'TRUST_DOMAIN', value: c.trustDomain },
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('INSTANCE_IP', 'status.podIP'),
    // The workload identity: spiffe://<trust domain>/ns/<POD_NAMESPACE>/sa/<SERVICE_ACCOUNT>.
    fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldEnv('HOST_IP', 'status.hostIP'),
    { name: 'ISTIO_CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
    { name: 'PROXY_CONFIG', value: JSON.stringify(proxyConfig) },
    { name: 'ISTIO_META_POD_PORTS', value: JSON.stringify(podPorts) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: i.appContainers.map((ct) => ct.name).join(',') },
    { name: 'ISTIO_META_CLUSTER_ID', value: c.clusterId },
    fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
    { name: 'ISTIO_META_WORKLOAD_NAME', value: i.workloadName },
    { name: 'ISTIO_META_MESH_ID', value: c.trustDomain },
  ];
  if (i.probers && Object.keys(i.probers).length) env.push({ name: 'ISTIO_KUBE_APP_PROBERS', value: JSON.stringify(i.probers) });
  if (i.appPrometheus && Object.keys(i.appPrometheus).length) env.push({ name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: JSON.stringify(i.appPrometheus) });
  const readiness = { httpGet: { path: '/healthz/ready', port: INJECT_DEFAULTS.healthPort }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 };
  const sidecar: Container = {
    name: INJECTED_NAMES.sidecar,
    image: s.image ?? c.image,
    // The in-pod sidecar: node agent + proxy, bootstrap from this environment (pilot-agent's `proxy sidecar`).
    args: ['sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
    ports: [{ containerPort: INJECT_DEFAULTS.envoyPromPort, name: 'http-envoy-prom', protocol: 'TCP' }],
    env,
    resources: resources(s, c),
    readinessProbe: readiness,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: INJECT_DEFAULTS.proxyGid,
      runAsNonRoot: true,
      runAsUser: INJECT_DEFAULTS.proxyUid,
    },
    volumeMounts: [
      { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
      { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
      { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
      { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
      { mountPath: '/var/lib/istio/data', name: 'istio-data' },
      { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
      { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
      { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
    ],
  };
  if (i.native) {
    // A native sidecar: kubelet starts the app containers only once this
    // startup probe passes, and stops the sidecar when they have ended.
    sidecar.restartPolicy = 'Always';
    sidecar.startupProbe = { httpGet: { path: '/healthz/ready', port: INJECT_DEFAULTS.healthPort }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 600 };
  } else if (i.hold) {
    // Istio's `pilot-agent wait`: the next container starts once the sidecar is ready.
    sidecar.lifecycle = { postStart: { exec: { command: ['weft', 'wait', '--timeout-seconds', '60'] } } };
  }
  return sidecar;
}

export function buildVolumes(): object[] {
  return [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    {
      name: 'istio-podinfo',
      downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] },
    },
    {
      name: 'istio-token',
      projected: { sources: [{ serviceAccountToken: { audience: INJECT_DEFAULTS.tokenAudience, expirationSeconds: INJECT_DEFAULTS.tokenExpirationSeconds, path: 'istio-token' } }] },
    },
    // The mesh's root certificate, published in every namespace (Istio's istio-ca-root-cert ConfigMap).
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
  ];
}
