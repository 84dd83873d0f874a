// Readiness through the sidecar: Istio's app-probe rewrite. With mTLS STRICT
// the kubelet's plain HTTP probe cannot reach the app through the inbound
// capture, so each httpGet/tcpSocket/grpc probe of an app container is
// pointed at the agent's status port (/app-health/<container>/<kind>) and the
// original probe travels in ISTIO_KUBE_APP_PROBERS for the agent to run from
// inside the pod (where the probe skips the sidecar).
import { INJECT_DEFAULTS } from './defaults.js';
import type { Container, Probe } from './kube-types.js';

const KINDS = [
  ['readinessProbe', 'readyz'],
  ['livenessProbe', 'livez'],
  ['startupProbe', 'startupz'],
] as const;

/** Istio's prober entry: the original probe with named ports resolved. */
export type AppProber = { httpGet?: unknown; tcpSocket?: unknown; grpc?: unknown; timeoutSeconds?: number };

function resolvePort(port: number | string, c: Container): number | string {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort ?? port;
}

/**
 * Rewrites the app containers' probes in place; returns the probers for
 * ISTIO_KUBE_APP_PROBERS (empty: nothing to rewrite) and names of probes
 * left alone because a named port could not be resolved.
 */
export function rewriteAppProbes(containers: Container[], statusPort: number = INJECT_DEFAULTS.statusPort): { probers: Record<string, AppProber>; unresolved: string[] } {
  const probers: Record<string, AppProber> = {};
  const unresolved: string[] = [];
  for (const c of containers) {
    for (const [field, suffix] of KINDS) {
      const probe: Probe | undefined = c[field];
      if (!probe) continue;
      const key = `/app-health/${c.name}/${suffix}`;
      let prober: AppProber | undefined;
      if (probe.httpGet) {
        const port = resolvePort(probe.httpGet.port, c);
        if (typeof port === 'string') { unresolved.push(`${c.name}.${field}`); continue; }
        prober = { httpGet: { ...probe.httpGet, port } };
      } else if (probe.tcpSocket) {
        const port = resolvePort(probe.tcpSocket.port, c);
        if (typeof port === 'string') { unresolved.push(`${c.name}.${field}`); continue; }
        prober = { tcpSocket: { ...probe.tcpSocket, port } };
      } else if (probe.grpc) {
        prober = { grpc: { ...probe.grpc } };
      } else continue; // exec probes run inside the container: nothing to rewrite
      if (probe.timeoutSeconds !== undefined) prober.timeoutSeconds = probe.timeoutSeconds;
      probers[key] = prober;
      const { httpGet: _h, tcpSocket: _t, grpc: _g, ...rest } = probe;
      c[field] = { ...rest, httpGet: { path: key, port: statusPort, scheme: 'HTTP' } };
    }
  }
  return { probers, unresolved };
}
