// Analyzers for Gateways, ServiceEntries, Sidecars and VirtualService hosts,
// as istioctl analyze's (each weft code carries Istio's beside it): Gateways
// that claim the same host and port for the same workloads (IST0145),
// ServiceEntries without addresses for TCP (IST0134) or with clashing
// protocols, Sidecar selectors that select nothing (IST0127) or the same
// workloads (IST0110, IST0111), and VirtualService hosts inside another one's
// wildcard. Objects only conflict where some namespace sees both (exportTo).
import type { Gateway, ServiceEntry, Sidecar, VirtualService } from '../../api/networking.js';
import { hostsOverlap, hostCovers } from '../model/host-names.js';
import { parseEgressHost } from '../model/sidecar-egress.js';
import { visibleTogether, type AcceptedObject, type AnalysisIndex, type AnalysisRegistry } from './analysis-index.js';
import { Reporter, type ValidationMessage } from './message.js';

export function reporterFor(a: AcceptedObject): Reporter {
  return new Reporter(a.key, a.file, a.lineOf);
}

export const labelText = (l: Readonly<Record<string, string>>): string => Object.entries(l).sort().map(([k, v]) => `${k}=${v}`).join(',') || '<all>';
const selects = (sel: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v);

/** Gateways with the same selector serving an overlapping host on the same port (IST0145). */
export function findGatewayConflicts(gateways: readonly AcceptedObject<Gateway>[]): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  for (let i = 0; i < gateways.length; i++) {
    const b = gateways[i]!;
    const r = reporterFor(b);
    for (let j = 0; j < i; j++) {
      const a = gateways[j]!;
      const selA = labelText(a.obj.spec.selector ?? {});
      if (selA !== labelText(b.obj.spec.selector ?? {})) continue;
      (b.obj.spec.servers ?? []).forEach((sb, si) => {
        for (const sa of a.obj.spec.servers ?? []) {
          if (!sa?.port || !sb?.port || sa.port.number !== sb.port.number) continue;
          const shared = (sb.hosts ?? []).filter((hb) => (sa.hosts ?? []).some((ha) => hostsOverlap(parseEgressHost(ha).host, parseEgressHost(hb).host)));
          if (shared.length === 0) continue;
          r.report('WEFT0311', `spec.servers[${si}]`, `conflicts with ${a.key} (workload selector ${selA}, port ${sb.port.number}, hosts ${shared.join(', ')}): only one of them can serve these requests`);
          return;
        }
      });
    }
    out.push(...r.messages);
  }
  return out;
}

/** The secrets folder as the analyzer sees it (the control plane's CredentialSnapshot fits). */
export interface AnalysisCredentials {
  readonly dir: string;
  readonly credentials: ReadonlyMap<string, { readonly certChainPem?: string; readonly caPem?: string }>;
  readonly issues: readonly { readonly name: string; readonly code: string; readonly reason: string }[];
}

/**
 * Gateway servers whose credentialName the secrets folder cannot serve
 * (Istio's InvalidGatewayCredential, IST0161): no such secret, a secret that
 * is invalid, one without a certificate and key, or, for MUTUAL, no CA bundle
 * (neither its ca.crt nor a `<name>-cacert` secret).
 */
export function analyzeGatewayCredentials(gateways: readonly AcceptedObject<Gateway>[], creds: AnalysisCredentials): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  for (const g of gateways) {
    const r = reporterFor(g);
    (g.obj.spec.servers ?? []).forEach((s, i) => {
      const tls = s?.tls;
      const name = tls?.credentialName;
      if (!tls || !name || tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'PASSTHROUGH' || tls.mode === 'AUTO_PASSTHROUGH' || tls.mode === undefined) return;
      const p = `spec.servers[${i}].tls.credentialName`;
      const c = creds.credentials.get(name);
      const bad = creds.issues.find((x) => x.name === name);
      if (!c || c.certChainPem === undefined) {
        const why = bad ? `is invalid: ${bad.reason} (${bad.code})` : c ? 'holds no certificate and key (tls.crt/tls.key or cert/key)' : 'does not exist';
        r.report('WEFT0320', p, `credential "${name}" ${why} in ${creds.dir}; the server cannot terminate TLS`);
        return;
      }
      if (bad) r.report('WEFT0320', p, `credential "${name}" was changed to something invalid: ${bad.reason} (${bad.code}); its last good version is still served`);
      if ((tls.mode === 'MUTUAL' || tls.mode === 'OPTIONAL_MUTUAL') && c.caPem === undefined && creds.credentials.get(`${name}-cacert`)?.caPem === undefined) {
        r.report('WEFT0320', p, `mode ${tls.mode} verifies clients, but credential "${name}" has no CA bundle (ca.crt or cacert) and there is no "${name}-cacert" credential in ${creds.dir}`);
      }
    });
    out.push(...r.messages);
  }
  return out;
}

/** ServiceEntries: addresses needed for TCP (IST0134); one host and port given two protocols. */
export function analyzeServiceEntries(entries: readonly AcceptedObject<ServiceEntry>[], index: AnalysisIndex): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const byHostPort = new Map<string, { se: AcceptedObject<ServiceEntry>; protocol: string }[]>();
  for (const se of entries) {
    const r = reporterFor(se);
    const spec = se.obj.spec;
    (spec.ports ?? []).forEach((p, i) => {
      if (!p) return;
      const protocol = (p.protocol ?? '').toUpperCase();
      // Istio's analyzer: a port with no protocol or TCP, and no addresses.
      if ((spec.addresses ?? []).length === 0 && (protocol === '' || protocol === 'TCP')) {
        r.report('WEFT0312', `spec.ports[${i}]`, `port ${p.number} (${protocol || 'no protocol'}): ServiceEntry addresses are required for this protocol; without them TCP traffic to port ${p.number} cannot tell ${(spec.hosts ?? []).join(', ')} from other services on that port`);
      }
      for (const h of spec.hosts ?? []) {
        const k = `${index.resolve(h, se.namespace)}|${p.number}`;
        const list = byHostPort.get(k) ?? [];
        list.push({ se, protocol: protocol || 'TCP' });
        byHostPort.set(k, list);
      }
    });
    out.push(...r.messages);
  }
  for (const [k, list] of byHostPort) {
    const [host, port] = k.split('|') as [string, string];
    for (let i = 1; i < list.length; i++) {
      const b = list[i]!;
      const a = list.slice(0, i).find((x) => x.se !== b.se && x.protocol !== b.protocol && visibleTogether({ exportTo: x.se.obj.spec.exportTo, namespace: x.se.namespace }, { exportTo: b.se.obj.spec.exportTo, namespace: b.se.namespace }));
      if (!a) continue;
      const r = reporterFor(b.se);
      r.report('WEFT0313', 'spec.ports', `port ${port} of ${host} is ${b.protocol} here and ${a.protocol} in ${a.se.key}: only one protocol can apply`);
      out.push(...r.messages);
    }
  }
  return out;
}

/** Workload label sets known in a namespace: registry endpoints and WorkloadEntries. */
export function workloadsIn(namespace: string, index: AnalysisIndex, registry: AnalysisRegistry | undefined): { name: string; labels: Readonly<Record<string, string>> }[] {
  const out = new Map<string, Readonly<Record<string, string>>>();
  for (const s of registry?.services() ?? []) {
    for (const p of s.ports) for (const e of registry!.endpoints(s.hostname, p.port)) {
      if (e.namespace === namespace) out.set(e.workload || `${e.address}:${e.port}`, e.labels);
    }
  }
  for (const we of index.workloadEntries) if (we.namespace === namespace) out.set(we.key, we.obj.spec.labels ?? {});
  return [...out].map(([name, labels]) => ({ name, labels }));
}

/** Sidecars: a selector that selects nothing (IST0127), several selecting one workload (IST0110), several without selector (IST0111). */
export function analyzeSidecars(sidecars: readonly AcceptedObject<Sidecar>[], index: AnalysisIndex, registry: AnalysisRegistry | undefined): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const byNs = new Map<string, AcceptedObject<Sidecar>[]>();
  for (const sc of sidecars) byNs.set(sc.namespace, [...(byNs.get(sc.namespace) ?? []), sc]);
  for (const [ns, list] of byNs) {
    const workloads = workloadsIn(ns, index, registry);
    const unselected = list.filter((sc) => !sc.obj.spec.workloadSelector);
    for (const sc of unselected.slice(1)) {
      const r = reporterFor(sc);
      r.report('WEFT0316', 'metadata.name', `Sidecars ${unselected.map((x) => x.key).join(', ')} in namespace ${ns} have no workloadSelector: which one applies is undefined`);
      out.push(...r.messages);
    }
    const selected = list.filter((sc) => sc.obj.spec.workloadSelector);
    const claimed = new Map<string, AcceptedObject<Sidecar>>();
    for (const sc of selected) {
      const r = reporterFor(sc);
      const sel = sc.obj.spec.workloadSelector?.labels ?? {};
      const matched = workloads.filter((w) => selects(sel, w.labels));
      // Only judged where workloads of the namespace are known at all.
      if (matched.length === 0 && workloads.length > 0) r.report('WEFT0314', 'spec.workloadSelector.labels', `workloadSelector ${labelText(sel)} selects no known workload in namespace ${ns}`);
      for (const w of matched) {
        const prev = claimed.get(w.name);
        if (prev) r.report('WEFT0315', 'spec.workloadSelector.labels', `${prev.key} and ${sc.key} both select workload ${w.name}: which one applies is undefined`);
        else claimed.set(w.name, sc);
      }
      out.push(...r.messages);
    }
  }
  return out;
}

/**
 * A mesh VirtualService host inside another one's wildcard host: Istio uses
 * the most specific host's VirtualService alone for those names, so the
 * wildcard one's routes never apply to them (often a surprise).
 */
export function findWildcardOverlaps(vss: readonly AcceptedObject<VirtualService>[], index: AnalysisIndex, boundToMesh: (vs: VirtualService) => boolean): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const mesh = vss.filter((v) => boundToMesh(v.obj));
  for (const a of mesh) {
    const r = reporterFor(a);
    (a.obj.spec.hosts ?? []).forEach((h, i) => {
      if (!h) return;
      const host = index.resolve(h, a.namespace);
      for (const b of mesh) {
        if (b === a || !visibleTogether({ exportTo: a.obj.spec.exportTo, namespace: a.namespace }, { exportTo: b.obj.spec.exportTo, namespace: b.namespace })) continue;
        const wild = (b.obj.spec.hosts ?? []).find((w) => w !== undefined && w.startsWith('*') && w !== host && hostCovers(w, host));
        if (wild) r.report('WEFT0317', `spec.hosts[${i}]`, `${host} is also matched by ${wild} of ${b.key}; requests to ${host} use only this VirtualService, never ${b.key}'s routes`);
      }
    });
    out.push(...r.messages);
  }
  return out;
}
