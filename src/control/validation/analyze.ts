// Cross-resource analysis (Istio's analyzers, re-expressed): references that
// point nowhere, subsets that do not exist or select nothing, weights, route
// conflicts between VirtualServices, Sidecars that hide routed hosts. Runs on
// the objects that pass validation; returns only WEFT03xx messages (callers
// print validation messages themselves).
import type { Destination, HTTPRoute, RouteDestination, ServiceEntry, VirtualService } from '../../api/networking.js';
import type { IstioObject } from '../../api/security.js';
import { DEFAULT_MESH } from '../model/types.js';
import { AnalysisIndex, visibleTogether, type AcceptedObject, type AnalysisRegistry } from './analysis-index.js';
import { analyzeGatewayCredentials, analyzeServiceEntries, analyzeSidecars, findGatewayConflicts, findWildcardOverlaps, type AnalysisCredentials } from './analyze-networking.js';
import { analyzeAuthorizationPolicies } from './analyze-authz.js';
import { analyzeMtlsConflicts, analyzePeerAuthentications, analyzeRequestAuthentications, analyzeStrictUnderDisabledNamespace } from './analyze-security.js';
import { analyzeTelemetries } from './analyze-telemetry.js';
import { childPath } from './field-path.js';
import { resolveGatewayName } from '../model/gateway-name.js';
import { egressHostsOf, egressSelects } from '../model/sidecar-egress.js';
import { Reporter, type LineLocator, type ValidationMessage } from './message.js';
import { validateObject } from './validate-object.js';
import { matchKey } from './validate-virtual-service.js';

/** One document to analyze: as parsed (validated again here) and where it came from. */
export interface AnalyzeInput {
  readonly obj: unknown;
  readonly file?: string;
  readonly lineOf?: LineLocator;
}

export interface AnalyzeOptions {
  /** Services and endpoints beyond the ServiceEntries in the input (weft up's workloads, Kubernetes). */
  readonly registry?: AnalysisRegistry;
  /** Kubernetes domain suffix for short host names; default cluster.local. */
  readonly domainSuffix?: string;
  /** Istio's root namespace (mesh-wide PeerAuthentication); default istio-system. */
  readonly rootNamespace?: string;
  /**
   * How to report a reference to an object that is not among the inputs (no
   * DestinationRule for a subset's host, a Gateway or delegate not found).
   * 'error' (default) when the inputs are the whole config (`weft analyze`,
   * the control plane); 'info' when they are a few files judged on their own
   * (`weft validate`, as `istioctl validate` does: IST0101 is an analyzer
   * message, not a validation error).
   */
  readonly missingReferences?: 'error' | 'info';
  /** The credentialName secrets folder; omitted, credentialName references are not checked. */
  readonly credentials?: AnalysisCredentials;
}

interface DestinationRef {
  readonly dest: Destination;
  readonly path: string;
}

function routeDestinations(vs: VirtualService): DestinationRef[] {
  const out: DestinationRef[] = [];
  const add = (d: Destination | undefined, path: string): void => {
    if (d?.host) out.push({ dest: d, path });
  };
  (vs.spec.http ?? []).forEach((h, i) => {
    if (!h) return;
    (h.route ?? []).forEach((rd, j) => add(rd?.destination, `spec.http[${i}].route[${j}].destination`));
    add(h.mirror, `spec.http[${i}].mirror`);
    (h.mirrors ?? []).forEach((m, j) => add(m?.destination, `spec.http[${i}].mirrors[${j}].destination`));
  });
  for (const kind of ['tcp', 'tls'] as const) {
    (vs.spec[kind] ?? []).forEach((t, i) => (t?.route ?? []).forEach((rd, j) => add(rd?.destination, `spec.${kind}[${i}].route[${j}].destination`)));
  }
  return out;
}

function boundToMesh(vs: VirtualService): boolean {
  const gws = vs.spec.gateways ?? [];
  return gws.length === 0 || gws.includes('mesh');
}

function reporterFor(a: AcceptedObject): Reporter {
  return new Reporter(a.key, a.file, a.lineOf);
}

/** Cross-resource checks over a set of documents (a folder, or the control plane's whole config). */
export function analyze(docs: readonly AnalyzeInput[], options: AnalyzeOptions = {}): ValidationMessage[] {
  const accepted: AcceptedObject[] = [];
  const out: ValidationMessage[] = [];
  const seen = new Map<string, AcceptedObject>();
  /** Objects that exist but were rejected ("Kind name.namespace" → where), so a reference to one says "invalid", not "missing". */
  const rejected = new Map<string, string>();
  for (const d of docs) {
    const res = validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {});
    if (!res.object) {
      const key = res.messages.find((m) => m.key)?.key;
      if (key && !rejected.has(key)) rejected.set(key, d.file ? `${d.file}${d.lineOf?.('') ? `:${d.lineOf('')}` : ''}` : 'the input');
      continue;
    }
    const o: IstioObject = res.object;
    const namespace = o.metadata.namespace ?? 'default';
    const a: AcceptedObject = { obj: o, key: `${o.kind} ${o.metadata.name}.${namespace}`, namespace, ...(d.file !== undefined ? { file: d.file } : {}), ...(d.lineOf ? { lineOf: d.lineOf } : {}) };
    const prev = seen.get(a.key);
    if (prev) {
      const r = reporterFor(a);
      const prevLine = prev.lineOf?.('metadata.name');
      const where = prev.file ? ` at ${prev.file}${prevLine ? `:${prevLine}` : ''}` : '';
      r.report('WEFT0308', 'metadata.name', `${a.key} is defined more than once (also${where || ' earlier in the input'}); only one can apply`);
      out.push(...r.messages);
      continue;
    }
    seen.set(a.key, a);
    accepted.push(a);
  }
  const index = new AnalysisIndex(accepted, options.registry, options.domainSuffix ?? DEFAULT_MESH.domainSuffix);
  const missing = options.missingReferences ?? 'error';
  for (const vs of index.virtualServices) out.push(...analyzeVirtualService(vs, index, missing, rejected));
  out.push(...findConflicts(index));
  out.push(...findWildcardOverlaps(index.virtualServices, index, boundToMesh));
  for (const dr of index.destinationRules) out.push(...analyzeSubsetSelection(dr, index));
  out.push(...findGatewayConflicts([...index.gateways.values()]));
  if (options.credentials) out.push(...analyzeGatewayCredentials([...index.gateways.values()], options.credentials));
  out.push(...analyzeServiceEntries(accepted.filter((a): a is AcceptedObject<ServiceEntry> => a.obj.kind === 'ServiceEntry'), index));
  out.push(...analyzeSidecars(index.sidecars, index, options.registry));
  const rootNamespace = options.rootNamespace ?? DEFAULT_MESH.rootNamespace;
  out.push(...analyzePeerAuthentications(index, options.registry, rootNamespace));
  out.push(...analyzeRequestAuthentications(index, options.registry, rootNamespace));
  out.push(...analyzeMtlsConflicts(index, rootNamespace));
  out.push(...analyzeStrictUnderDisabledNamespace(index, rootNamespace));
  out.push(...analyzeTelemetries(index, options.registry));
  out.push(...analyzeAuthorizationPolicies(index, options.registry, rootNamespace));
  return out;
}

function analyzeVirtualService(a: AcceptedObject<VirtualService>, index: AnalysisIndex, missing: 'error' | 'info', rejected: ReadonlyMap<string, string>): ValidationMessage[] {
  const r = reporterFor(a);
  // A reference to an object absent from the inputs: an error for a whole config, a note for files judged alone.
  const notAmongInputs = missing === 'info' ? ' (not among the files given; `weft analyze` checks the whole config)' : '';
  const missingSeverity = missing === 'info' ? 'info' : 'error';
  const vs = a.obj;
  const ns = a.namespace;
  const sidecars = boundToMesh(vs) ? index.sidecars.filter((s) => s.namespace === ns && (s.obj.spec.egress ?? []).length > 0) : [];
  const hidden = new Set<string>();

  for (const { dest, path } of routeDestinations(vs)) {
    const host = dest.host;
    const fq = index.resolve(host, ns);
    const shown = fq === host ? `"${host}"` : `"${host}" (${fq})`;
    const svc = index.findService(host, ns);
    if (!svc) r.report('WEFT0301', childPath(path, 'host'), `host ${shown} is not defined by any ServiceEntry or registry service; requests routed here get no endpoints`);
    else if (dest.port?.number !== undefined) {
      if (svc.ports.length > 0 && !svc.ports.includes(dest.port.number)) {
        r.report('WEFT0309', `${path}.port.number`, `port ${dest.port.number} is not a port of ${svc.host} (ports: ${svc.ports.join(', ')}; from ${svc.source})`);
      }
    } else if (svc.ports.length > 1) {
      r.report('WEFT0309', path, `${svc.host} has several ports (${svc.ports.join(', ')}); name one with port.number`);
    }

    if (dest.subset) {
      const drs = index.destinationRulesFor(host, ns);
      if (drs.length === 0) {
        r.report('WEFT0302', childPath(path, 'subset'), `subset "${dest.subset}" is used but no DestinationRule defines subsets for host ${fq}${notAmongInputs}`, missingSeverity);
      } else if (!drs.some((d) => (d.obj.spec.subsets ?? []).some((s) => s?.name === dest.subset))) {
        const names = drs.map((d) => `${d.obj.metadata.name}.${d.namespace}`).join(', ');
        r.report('WEFT0302', childPath(path, 'subset'), `subset "${dest.subset}" not found in DestinationRule ${names}`);
      }
    }

    for (const sc of sidecars) {
      const hostNs = index.serviceNamespace(host, ns);
      // As translation reads the Sidecar (model/sidecar-egress.ts); a short name written in it matches as written.
      const egress = egressHostsOf(sc.obj);
      const imported = egressSelects(egress, sc.namespace, hostNs, fq) || egressSelects(egress, sc.namespace, hostNs, host);
      const k = `${sc.key}|${fq}`;
      if (!imported && !hidden.has(k)) {
        hidden.add(k);
        r.report('WEFT0306', childPath(path, 'host'), `host ${fq} is hidden by ${sc.key}: none of its egress hosts imports "${hostNs}/${fq}", so its workloads cannot reach it`);
      }
    }
  }

  const checkWeights = (routes: readonly (RouteDestination | undefined)[] | undefined, path: string): void => {
    if (!routes || routes.length < 2) return;
    const sum = routes.reduce((acc, d) => acc + (d?.weight ?? 0), 0);
    if (sum !== 100 && sum > 0) {
      r.report('WEFT0303', path, `weights sum to ${sum}, not 100; weft (like Istio 1.20+) sends each destination weight/${sum} of the traffic (older Istio refused this)`);
    }
  };
  (vs.spec.http ?? []).forEach((h, i) => h && checkWeights(h.route, `spec.http[${i}].route`));
  (vs.spec.tcp ?? []).forEach((t, i) => t && checkWeights(t.route, `spec.tcp[${i}].route`));
  (vs.spec.tls ?? []).forEach((t, i) => t && checkWeights(t.route, `spec.tls[${i}].route`));

  const checkGateway = (ref: string, path: string): void => {
    if (ref === 'mesh') return;
    const key = resolveGatewayName(ref, ns);
    if (!index.gateways.has(key)) {
      const [gns, gname] = key.split('/');
      const invalid = rejected.get(`Gateway ${gname}.${gns}`);
      if (invalid) {
        r.report('WEFT0319', path, `Gateway "${ref}" exists but is invalid (rejected at ${invalid}; see its errors), so this VirtualService binds to nothing there`);
        return;
      }
      r.report('WEFT0307', path, `Gateway "${ref}" not found (looked for Gateway ${gname}.${gns})${notAmongInputs}`, missingSeverity);
    }
  };
  (vs.spec.gateways ?? []).forEach((g, i) => g && checkGateway(g, `spec.gateways[${i}]`));
  (vs.spec.http ?? []).forEach((h, i) => (h?.match ?? []).forEach((m, j) => (m?.gateways ?? []).forEach((g, k) => checkGateway(g, `spec.http[${i}].match[${j}].gateways[${k}]`))));

  (vs.spec.http ?? []).forEach((h, i) => {
    if (!h?.delegate?.name) return;
    const dns = h.delegate.namespace || ns;
    const found = index.virtualServices.some((o) => o.obj.metadata.name === h.delegate!.name && o.namespace === dns);
    if (!found) r.report('WEFT0310', `spec.http[${i}].delegate`, `delegate VirtualService ${h.delegate.name}.${dns} not found${notAmongInputs}`, missingSeverity);
  });
  return r.messages;
}

/**
 * VirtualServices for the same host. Bound to sidecars (the mesh), Istio uses
 * only one per host (the oldest); bound to a gateway, Istio merges their HTTP
 * routes in creation order (load order here), so a catch-all route or an
 * identical match in an earlier one shadows routes in later ones.
 */
function findConflicts(index: AnalysisIndex): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const groups = new Map<string, AcceptedObject<VirtualService>[]>();
  const add = (key: string, a: AcceptedObject<VirtualService>): void => {
    const g = groups.get(key) ?? [];
    if (!g.includes(a)) g.push(a);
    groups.set(key, g);
  };
  for (const a of index.virtualServices) {
    for (const host of a.obj.spec.hosts ?? []) {
      if (!host) continue;
      if (boundToMesh(a.obj)) add(`mesh||${index.resolve(host, a.namespace)}`, a);
      for (const g of a.obj.spec.gateways ?? []) if (g && g !== 'mesh') add(`gw|${resolveGatewayName(g, a.namespace)}|${host}`, a);
    }
  }
  for (const [key, vss] of groups) {
    if (vss.length < 2) continue;
    const [kind, where, host] = key.split('|') as [string, string, string];
    if (kind === 'mesh') {
      // exportTo: they conflict only where some namespace sees two of them.
      const vis = (v: AcceptedObject<VirtualService>) => ({ exportTo: v.obj.spec.exportTo, namespace: v.namespace });
      vss.forEach((a, i) => {
        const clash = vss.slice(0, i).filter((b) => visibleTogether(vis(a), vis(b)));
        if (clash.length === 0) return;
        const r = reporterFor(a);
        r.report('WEFT0304', 'spec.hosts', `VirtualServices ${[...clash, a].map((v) => v.key).join(', ')} all define host ${host} for sidecars; Istio applies only one of them (the oldest), so merge their routes into one VirtualService`);
        out.push(...r.messages);
      });
      continue;
    }
    // Gateway-bound: merged in order; find the first catch-all and repeated matches.
    let catchAll: { vs: AcceptedObject<VirtualService>; route: number } | undefined;
    const matches = new Map<string, string>();
    for (const a of vss) {
      const r = reporterFor(a);
      (a.obj.spec.http ?? []).forEach((h: HTTPRoute | undefined, i) => {
        if (!h) return;
        if (catchAll && catchAll.vs !== a) {
          r.report('WEFT0304', `spec.http[${i}]`, `host ${host} on Gateway ${where}: Istio merges the routes of ${vss.map((v) => v.key).join(', ')} in creation order and route #${catchAll.route} of ${catchAll.vs.key} matches every request first, so this route never applies`);
          return;
        }
        if ((h.match ?? []).length === 0) catchAll ??= { vs: a, route: i };
        (h.match ?? []).forEach((m, j) => {
          const mk = matchKey(m);
          const prev = matches.get(mk);
          if (prev && !prev.startsWith(a.key)) r.report('WEFT0304', `spec.http[${i}].match[${j}]`, `host ${host} on Gateway ${where}: the same match is already routed by ${prev}, which comes first when Istio merges them`);
          else if (!prev) matches.set(mk, `${a.key} route #${i}`);
        });
      });
      out.push(...r.messages);
    }
  }
  return out;
}

/** DestinationRule subsets whose labels select none of the service's known workloads (IST0173). */
function analyzeSubsetSelection(a: AcceptedObject, index: AnalysisIndex): ValidationMessage[] {
  if (a.obj.kind !== 'DestinationRule' || !a.obj.spec.host) return [];
  const svc = index.findService(a.obj.spec.host, a.namespace);
  if (!svc?.workloads) return [];
  const r = reporterFor(a);
  const known = [...new Set(svc.workloads.map((w) => Object.entries(w).map(([k, v]) => `${k}=${v}`).join(',') || '<no labels>'))];
  (a.obj.spec.subsets ?? []).forEach((s, i) => {
    const labels = s?.labels ?? {};
    if (!s || Object.keys(labels).length === 0) return;
    if (svc.workloads!.some((w) => Object.entries(labels).every(([k, v]) => w[k] === v))) return;
    const want = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
    r.report('WEFT0305', `spec.subsets[${i}].labels`, `subset "${s.name}" (${want}) selects no workload of ${svc.host}; known workloads: ${known.length > 0 ? known.join('; ') : 'none'} (from ${svc.source})`);
  });
  return r.messages;
}
