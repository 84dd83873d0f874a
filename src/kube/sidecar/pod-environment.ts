// What the injected istio-proxy container knows about its pod, decoded at one
// boundary from the environment the injector wrote (Istio's variable names)
// and the downward API's labels file. Every problem is reported at once.
import fs from 'node:fs';
import { isRecord } from '../inject/kube-types.js';

export interface PodEnvironment {
  podName: string;
  namespace: string;
  instanceIp: string;
  serviceAccount: string;
  workloadName: string;
  clusterId: string;
  meshId: string;
  labels: Record<string, string>;
  appContainers: string[];
  podPorts: unknown[];
  proxyConfig: Record<string, unknown>;
  /** ISTIO_KUBE_APP_PROBERS: /app-health/<container>/<kind> → the app's original probe. */
  probers: Record<string, AppProbe>;
  /** host:port of the control plane's xDS (PROXY_CONFIG discoveryAddress, else CA_ADDR's host on 15010). */
  discoveryAddress: string;
}

export interface AppProbe {
  httpGet?: { path?: string; port: number; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number; host?: string };
  grpc?: { port: number; service?: string };
  timeoutSeconds?: number;
}

/** The plaintext xDS port of weft control (Istio's 15010). */
export const XDS_PORT = 15010;

/** The downward API's labels file: one `key="value"` per line, values quoted as Go strings. */
export function parseDownwardLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const raw = line.slice(i + 1).trim();
    let value = raw;
    try {
      value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    } catch {
      value = raw.replace(/^"|"$/g, '');
    }
    out[line.slice(0, i).trim()] = value;
  }
  return out;
}

export function decodePodEnvironment(env: Readonly<Record<string, string | undefined>>, labelsFile?: string): { pod?: PodEnvironment; errors: string[] } {
  const errors: string[] = [];
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') errors.push(`${name}: not set (the injector sets it from the downward API)`);
    return v ?? '';
  };
  const json = <T>(name: string, fallback: T, check: (v: unknown) => boolean, what: string): T => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    try {
      const parsed: unknown = JSON.parse(v);
      if (check(parsed)) return parsed as T;
    } catch {
      // reported below
    }
    errors.push(`${name}: not ${what}`);
    return fallback;
  };
  const podName = need('POD_NAME');
  const namespace = need('POD_NAMESPACE');
  const instanceIp = need('INSTANCE_IP');
  const serviceAccount = need('SERVICE_ACCOUNT');
  const proxyConfig = json<Record<string, unknown>>('PROXY_CONFIG', {}, isRecord, 'a JSON ProxyConfig object');
  const probers = json<Record<string, AppProbe>>('ISTIO_KUBE_APP_PROBERS', {}, (v) => isRecord(v) && Object.values(v).every(isRecord), 'a JSON map of probes');
  const podPorts = json<unknown[]>('ISTIO_META_POD_PORTS', [], Array.isArray, 'a JSON list');
  let labels: Record<string, string> = {};
  if (labelsFile && fs.existsSync(labelsFile)) labels = parseDownwardLabels(fs.readFileSync(labelsFile, 'utf8'));
  const caHost = (env.CA_ADDR ?? '').split(':')[0];
  const discoveryAddress = typeof proxyConfig.discoveryAddress === 'string' ? proxyConfig.discoveryAddress : caHost ? `${caHost}:${XDS_PORT}` : '';
  if (!discoveryAddress) errors.push('PROXY_CONFIG.discoveryAddress or CA_ADDR: the control plane\'s address is unknown');
  else if (!/^[^:\s]+:\d{1,5}$/.test(discoveryAddress)) errors.push(`discovery address "${discoveryAddress}" is not host:port`);
  if (errors.length) return { errors };
  return {
    pod: {
      podName, namespace, instanceIp, serviceAccount,
      workloadName: env.ISTIO_META_WORKLOAD_NAME || podName,
      clusterId: env.ISTIO_META_CLUSTER_ID || 'Kubernetes',
      meshId: env.ISTIO_META_MESH_ID || env.TRUST_DOMAIN || 'cluster.local',
      labels,
      appContainers: (env.ISTIO_META_APP_CONTAINERS ?? '').split(',').filter(Boolean),
      podPorts, proxyConfig, probers, discoveryAddress,
    },
    errors,
  };
}
