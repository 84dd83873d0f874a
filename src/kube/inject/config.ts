// The injector's cluster-wide settings (Istio's sidecar injector ConfigMap
// values): what every injected pod gets unless its annotations say otherwise.
import { INJECT_DEFAULTS } from './defaults.js';

export type NativeSidecarMode = 'auto' | 'enabled' | 'disabled';

export interface InjectionConfig {
  /** The image of the init container and the sidecar. */
  image: string;
  /** The revision this injector serves (namespace label istio.io/rev). */
  revision: string;
  /** The control plane's xDS/CA address (host:port) the sidecar dials. */
  discoveryAddress: string;
  trustDomain: string;
  clusterId: string;
  /**
   * Native sidecars (init container with restartPolicy: Always, so Jobs end
   * when their app ends): 'auto' turns them on from Kubernetes 1.29 (needs
   * kubeVersion), 'enabled' and 'disabled' force. The pod's
   * sidecar.istio.io/nativeSidecar annotation wins over all three.
   */
  nativeSidecars: NativeSidecarMode;
  /** The cluster's version (the API server's /version), for 'auto'. */
  kubeVersion?: { major: number; minor: number };
  /** Mesh-wide default of ProxyConfig holdApplicationUntilProxyStarts. */
  holdApplicationUntilProxyStarts: boolean;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  /**
   * Istio's metrics merging: injected pods get prometheus.io annotations for
   * the sidecar's merged endpoint (15020); the app's own move to
   * ISTIO_PROMETHEUS_ANNOTATIONS. Off: the pod's annotations stay as they are.
   */
  prometheusMerge: boolean;
}

export function defaultInjectionConfig(overrides: Partial<InjectionConfig> = {}): InjectionConfig {
  return {
    image: INJECT_DEFAULTS.image,
    revision: INJECT_DEFAULTS.revision,
    discoveryAddress: INJECT_DEFAULTS.discoveryAddress,
    trustDomain: INJECT_DEFAULTS.trustDomain,
    clusterId: INJECT_DEFAULTS.clusterId,
    nativeSidecars: 'auto',
    holdApplicationUntilProxyStarts: false,
    prometheusMerge: true,
    resources: { requests: { ...INJECT_DEFAULTS.resources.requests }, limits: { ...INJECT_DEFAULTS.resources.limits } },
    ...overrides,
  };
}

/** "1.29", "v1.30.2", "1.28+" (GKE's minor): the API server's version as {major, minor}. */
export function parseKubeVersion(text: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function nativeSidecarsOn(config: InjectionConfig, annotation: boolean | undefined): boolean {
  if (annotation !== undefined) return annotation;
  if (config.nativeSidecars !== 'auto') return config.nativeSidecars === 'enabled';
  const v = config.kubeVersion;
  const min = INJECT_DEFAULTS.nativeSidecarMinVersion;
  return v !== undefined && (v.major > min.major || (v.major === min.major && v.minor >= min.minor));
}
