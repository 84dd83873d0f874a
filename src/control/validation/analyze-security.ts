// Analyzers for PeerAuthentication (as istioctl analyze, with weft codes where
// Istio has none): a selector that selects no known workload (IST0127),
// several mesh- or namespace-wide policies or several selecting one workload
// (only the oldest applies, as Istio's composition), a selector in the root
// namespace (Istio ignores it), and the two ways a DestinationRule's tls and
// the server's PeerAuthentication exclude each other, so every request fails
// (Istio's MTLSPolicyConflict, IST0113): DISABLE or SIMPLE (plaintext or
// one-way TLS) towards a workload port that is STRICT, and ISTIO_MUTUAL
// towards one that is DISABLE (its sidecar takes plaintext only). Auto mTLS
// (no tls) follows the server's mode, except that it reads the namespace's
// mode alone for the cluster: a STRICT workload in a DISABLE namespace gets
// plaintext (WEFT0335).
import type { DestinationRule, TrafficPolicy } from '../../api/networking.js';
import type { PeerAuthentication, RequestAuthentication } from '../../api/security.js';
import type { EffectiveMtls } from '../model/types.js';
import { selectorMatches } from '../model/labels.js';
import { hasWorkloadSelector, mtlsModeForPort, PeerAuthenticationIndex } from '../model/peer-authentication-index.js';
import type { AcceptedObject, AnalysisIndex, AnalysisRegistry, KnownService } from './analysis-index.js';
import { labelText, reporterFor, workloadsIn } from './analyze-networking.js';
import { childPath } from './field-path.js';
import type { ValidationMessage } from './message.js';

/** PeerAuthentication scopes and selectors. */
export function analyzePeerAuthentications(index: AnalysisIndex, registry: AnalysisRegistry | undefined, rootNamespace: string): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const byNs = new Map<string, AcceptedObject<PeerAuthentication>[]>();
  for (const p of index.peerAuthentications) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
  for (const [ns, list] of byNs) {
    const wide = list.filter((p) => !hasWorkloadSelector(p.obj.spec));
    for (const p of wide.slice(1)) {
      const r = reporterFor(p);
      const scope = ns === rootNamespace ? `mesh-wide (no selector, root namespace ${ns})` : `namespace-wide (no selector) in ${ns}`;
      r.report('WEFT0330', 'metadata.name', `${wide.map((x) => x.key).join(', ')} are all ${scope}: only the oldest, ${wide[0]!.key}, applies (as Istio)`);
      out.push(...r.messages);
    }
    const selecting = list.filter((p) => hasWorkloadSelector(p.obj.spec));
    if (ns === rootNamespace) {
      for (const p of selecting) {
        const r = reporterFor(p);
        r.report('WEFT0331', 'spec.selector', `a PeerAuthentication with a selector in the root namespace ${rootNamespace} applies to no workload (Istio ignores it); put it in the workloads' namespace, or drop the selector to make it mesh-wide`);
        out.push(...r.messages);
      }
      continue;
    }
    const workloads = workloadsIn(ns, index, registry);
    const claimed = new Map<string, AcceptedObject<PeerAuthentication>>();
    for (const p of selecting) {
      const r = reporterFor(p);
      const sel = p.obj.spec.selector?.matchLabels ?? {};
      const matched = workloads.filter((w) => selectorMatches(sel, w.labels));
      // Only judged where workloads of the namespace are known at all.
      if (matched.length === 0 && workloads.length > 0) r.report('WEFT0314', 'spec.selector.matchLabels', `selector ${labelText(sel)} selects no known workload in namespace ${ns}`);
      for (const w of matched) {
        const prev = claimed.get(w.name);
        if (prev) r.report('WEFT0332', 'spec.selector.matchLabels', `${prev.key} and ${p.key} both select workload ${w.name}: only the oldest, ${prev.key}, applies (as Istio)`);
        else claimed.set(w.name, p);
      }
      out.push(...r.messages);
    }
  }
  return out;
}

/**
 * RequestAuthentication selectors that select no known workload (IST0127).
 * In the root namespace a selector applies in every namespace (this kind's
 * scoping), so it is judged against every namespace's workloads there.
 */
export function analyzeRequestAuthentications(index: AnalysisIndex, registry: AnalysisRegistry | undefined, rootNamespace: string): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  for (const p of index.requestAuthentications) {
    const sel = p.obj.spec.selector?.matchLabels ?? {};
    if (Object.keys(sel).length === 0) continue;
    const namespaces = p.namespace === rootNamespace ? [...new Set((registry?.services() ?? []).map((s) => s.namespace).concat(index.workloadEntries.map((w) => w.namespace)))] : [p.namespace];
    const workloads = namespaces.flatMap((ns) => workloadsIn(ns, index, registry));
    // Only judged where workloads are known at all.
    if (workloads.length === 0 || workloads.some((w) => selectorMatches(sel, w.labels))) continue;
    const r = reporterFor(p);
    r.report('WEFT0314', 'spec.selector.matchLabels', `selector ${labelText(sel)} selects no known workload ${p.namespace === rootNamespace ? 'in any namespace' : `in namespace ${p.namespace}`}`);
    out.push(...r.messages);
  }
  return out;
}

interface TlsChoice {
  readonly mode: string;
  readonly path: string;
}

/** The tls mode a traffic policy sets for a port (port-level first), with its field path. */
function tlsOf(tp: TrafficPolicy | undefined, port: number, path: string): TlsChoice | undefined {
  const i = (tp?.portLevelSettings ?? []).findIndex((s) => s?.port?.number === port && s.tls?.mode !== undefined);
  if (i >= 0) return { mode: tp!.portLevelSettings![i]!.tls!.mode!, path: childPath(childPath(childPath(childPath(path, 'portLevelSettings'), i), 'tls'), 'mode') };
  const mode = tp?.tls?.mode;
  return mode === undefined ? undefined : { mode, path: childPath(childPath(path, 'tls'), 'mode') };
}

/** The DestinationRule tls modes a server mode refuses, with the code reporting them. */
const CONFLICTS = {
  STRICT: { modes: new Set(['DISABLE', 'SIMPLE']), code: 'WEFT0333' },
  DISABLE: { modes: new Set(['ISTIO_MUTUAL']), code: 'WEFT0334' },
} as const;

/**
 * DestinationRules whose tls mode the destination workload port's
 * PeerAuthentication refuses (IST0113): DISABLE or SIMPLE towards STRICT
 * (WEFT0333), ISTIO_MUTUAL towards DISABLE (WEFT0334).
 */
export function analyzeMtlsConflicts(index: AnalysisIndex, rootNamespace: string): ValidationMessage[] {
  if (index.peerAuthentications.length === 0) return [];
  const policies = new PeerAuthenticationIndex(index.peerAuthentications, rootNamespace);
  const out: ValidationMessage[] = [];
  for (const dr of index.destinationRules) {
    const svc = index.findService(dr.obj.spec.host ?? '', dr.namespace);
    if (!svc?.workloads || svc.workloads.length === 0) continue;
    const r = reporterFor(dr);
    const reported = new Set<string>();
    for (const port of svc.ports) {
      const workloadPort = svc.targetPorts?.get(port) ?? port;
      for (const labels of svc.workloads) {
        const eff = policies.forWorkload(svc.namespace, labels);
        const mode = mtlsModeForPort(eff, workloadPort);
        if (mode === 'PERMISSIVE') continue;
        const conflict = CONFLICTS[mode];
        const tls = tlsFor(dr.obj, labels, port);
        if (!tls || !conflict.modes.has(tls.mode) || reported.has(`${tls.path}|${port}`)) continue;
        reported.add(`${tls.path}|${port}`);
        const where = describe(svc, port, workloadPort);
        const source = modeSource(eff, workloadPort) ?? 'PeerAuthentication';
        r.report(conflict.code, tls.path, mode === 'STRICT'
          ? `tls mode ${tls.mode} sends ${tls.mode === 'DISABLE' ? 'plaintext' : 'TLS without a client certificate'} to ${where}, but ${source} makes it STRICT (mTLS only): every request fails; use ISTIO_MUTUAL or remove tls to let auto mTLS choose`
          : `tls mode ISTIO_MUTUAL sends Istio mTLS to ${where}, but ${source} makes it DISABLE (plaintext only): every request fails; remove tls (auto mTLS then sends plaintext to it) or use DISABLE`);
      }
    }
    out.push(...r.messages);
  }
  return out;
}

/**
 * STRICT workload ports in a namespace whose own mode (namespace-wide
 * policy, else mesh-wide) is DISABLE (WEFT0335): auto mTLS decides per
 * cluster from the namespace alone (Istio's BestEffortInferServiceMTLSMode),
 * so mesh clients send such a port plaintext and every request fails, unless
 * a DestinationRule sets ISTIO_MUTUAL for it. Reported on the policy that
 * makes the port STRICT.
 */
export function analyzeStrictUnderDisabledNamespace(index: AnalysisIndex, rootNamespace: string): ValidationMessage[] {
  if (index.peerAuthentications.length === 0) return [];
  const policies = new PeerAuthenticationIndex(index.peerAuthentications, rootNamespace);
  const byKey = new Map(index.peerAuthentications.map((p) => [p.key, p]));
  const reporters = new Map<string, ReturnType<typeof reporterFor>>();
  const reported = new Set<string>();
  for (const svc of index.services) {
    if (!svc.workloads || svc.workloads.length === 0) continue;
    // No labels: no workload policy selects, so this is the namespace's (else the mesh's) mode.
    if (policies.forWorkload(svc.namespace, {}).mode !== 'DISABLE') continue;
    const rules = index.destinationRules.filter((dr) => index.findService(dr.obj.spec.host ?? '', dr.namespace)?.host === svc.host);
    for (const port of svc.ports) {
      const workloadPort = svc.targetPorts?.get(port) ?? port;
      for (const labels of svc.workloads) {
        const eff = policies.forWorkload(svc.namespace, labels);
        if (mtlsModeForPort(eff, workloadPort) !== 'STRICT') continue;
        if (rules.some((dr) => tlsFor(dr.obj, labels, port)?.mode === 'ISTIO_MUTUAL')) continue;
        const source = modeSource(eff, workloadPort);
        const pa = source !== undefined ? byKey.get(source) : undefined;
        if (!pa) continue;
        const path = eff.perPort.has(workloadPort) ? childPath(childPath(childPath('spec', 'portLevelMtls'), String(workloadPort)), 'mode') : 'spec.mtls.mode';
        if (reported.has(`${pa.key}|${path}`)) continue;
        reported.add(`${pa.key}|${path}`);
        let r = reporters.get(pa.key);
        if (!r) reporters.set(pa.key, (r = reporterFor(pa)));
        const ns = policies.forWorkload(svc.namespace, {}).source ?? `namespace ${svc.namespace}`;
        r.report('WEFT0335', path, `makes ${describe(svc, port, workloadPort)} STRICT, but ${ns} makes namespace ${svc.namespace} DISABLE and auto mTLS follows the namespace's mode (as Istio): mesh clients send this port plaintext and every request fails; add a DestinationRule with tls mode ISTIO_MUTUAL for ${svc.host}, or make the namespace PERMISSIVE`);
      }
    }
  }
  return [...reporters.values()].flatMap((r) => r.messages);
}

/** The policy that set a workload port's mode: the workload policy for a portLevelMtls entry, else the one that set the workload's mode. */
function modeSource(eff: EffectiveMtls, port: number): string | undefined {
  return eff.perPort.has(port) ? eff.policies[eff.policies.length - 1] : eff.source;
}

/** The tls a DestinationRule applies to a workload's port: its subset's policy first (Istio merges subset over rule). */
function tlsFor(dr: DestinationRule, labels: Readonly<Record<string, string>>, port: number): TlsChoice | undefined {
  for (const [i, s] of (dr.spec.subsets ?? []).entries()) {
    if (!s || !selectorMatches(s.labels ?? {}, labels)) continue;
    const t = tlsOf(s.trafficPolicy, port, `spec.subsets[${i}].trafficPolicy`);
    if (t) return t;
  }
  return tlsOf(dr.spec.trafficPolicy, port, 'spec.trafficPolicy');
}

function describe(svc: KnownService, port: number, workloadPort: number): string {
  return `${svc.host}:${port}${workloadPort !== port ? ` (workload port ${workloadPort})` : ''}`;
}
