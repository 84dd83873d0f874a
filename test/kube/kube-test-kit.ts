// Shared pieces of the Kubernetes-mode tests: a double with a client for it,
// a bounded condition wait, a log that records lines, and real-shaped objects.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../src/common/log.js';
import { createKubeClient, type KubeClient } from '../../src/kube/kube-client.js';
import { KubeApiDouble, type KubeApiDoubleOptions, type KubeObject } from '../helpers/kube-api-double.js';

export async function startDouble(opts: KubeApiDoubleOptions = {}): Promise<{ double: KubeApiDouble; client: KubeClient; kc: KubeConfig }> {
  const double = await KubeApiDouble.start(opts);
  const kc = new KubeConfig();
  kc.loadFromString(double.kubeconfigYaml());
  return { double, client: createKubeClient(kc), kc };
}

/** Waits until `cond()` holds, checking every few ms; fails with `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Logger that keeps its lines (level + text). */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const make = (prefix: string): Logger => ({
    debug: (m) => lines.push(`debug ${prefix}${m}`),
    info: (m) => lines.push(`info ${prefix}${m}`),
    warn: (m) => lines.push(`warn ${prefix}${m}`),
    error: (m) => lines.push(`error ${prefix}${m}`),
    child: (c) => make(`${prefix}${c}: `),
  });
  return Object.assign(make(''), { lines });
}

export const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export function pod(name: string, namespace: string, labels: Record<string, string>, opts: { ip?: string; node?: string; sa?: string; sidecar?: boolean } = {}): KubeObject {
  const extra: Record<string, string> = opts.sidecar ? { 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': labels.app ?? name } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { ...labels, ...extra }, annotations: opts.sidecar ? { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } : {} },
    spec: {
      serviceAccountName: opts.sa ?? 'default',
      nodeName: opts.node ?? 'node-a',
      containers: [{ name: 'app', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1', ports: [{ containerPort: 9080 }] }, ...(opts.sidecar ? [{ name: 'istio-proxy', image: 'weft/proxy' }] : [])],
    },
    status: { phase: 'Running', podIP: opts.ip ?? '10.244.0.10', podIPs: [{ ip: opts.ip ?? '10.244.0.10' }] },
  };
}
