// Analyzers for AuthorizationPolicy (as istioctl analyze, with weft codes
// where Istio has none): a selector that matches no known workload (IST0127;
// judged only where the namespace's workloads are known), peer-identity
// fields (principals, namespaces, serviceAccounts, source.principal,
// source.namespace) on a workload whose PeerAuthentication is DISABLE (a
// plaintext peer has no identity, so those rules never match), and
// principals that are not SPIFFE-style "<trust domain>/ns/<ns>/sa/<sa>".
import type { AuthorizationPolicy } from '../../api/security.js';
import { hasSelectorLabels, selectorMatches } from '../model/labels.js';
import { PeerAuthenticationIndex } from '../model/peer-authentication-index.js';
import type { AnalysisIndex, AnalysisRegistry } from './analysis-index.js';
import { labelText, reporterFor, workloadsIn } from './analyze-networking.js';
import type { Reporter, ValidationMessage } from './message.js';

const PRINCIPAL = /^[^/]+\/ns\/[^/]+\/sa\/[^/]+$/;

/** True when a principal value can match a workload identity: `*` patterns, or <td>/ns/<ns>/sa/<sa>. */
export function isPrincipalFormat(v: string): boolean {
  return v.startsWith('*') || v.endsWith('*') || PRINCIPAL.test(v);
}

export function analyzeAuthorizationPolicies(index: AnalysisIndex, registry: AnalysisRegistry | undefined, rootNamespace: string): ValidationMessage[] {
  const out: ValidationMessage[] = [];
  const peerAuth = new PeerAuthenticationIndex(index.peerAuthentications, rootNamespace);
  const namespaces = new Set<string>();
  for (const s of registry?.services() ?? []) for (const p of s.ports) for (const e of registry!.endpoints(s.hostname, p.port)) namespaces.add(e.namespace);
  for (const we of index.workloadEntries) namespaces.add(we.namespace);
  for (const p of index.authorizationPolicies) {
    const r = reporterFor(p);
    const sel = p.obj.spec.selector?.matchLabels;
    const scope = p.namespace === rootNamespace ? [...namespaces] : [p.namespace];
    const workloads = scope.flatMap((ns) => workloadsIn(ns, index, registry).map((w) => ({ ...w, namespace: ns })));
    const matched = workloads.filter((w) => !hasSelectorLabels(sel) || selectorMatches(sel, w.labels));
    if (hasSelectorLabels(sel) && matched.length === 0 && workloads.length > 0) {
      r.report('WEFT0350', 'spec.selector.matchLabels', `selector ${labelText(sel!)} of ${p.key} matches no known workload in ${p.namespace === rootNamespace ? 'the mesh' : `namespace ${p.namespace}`}`);
    }
    const identity = identityFields(p.obj);
    if (identity.length > 0) {
      for (const w of matched) {
        const eff = peerAuth.forWorkload(w.namespace, w.labels);
        if (eff.mode !== 'DISABLE') continue;
        for (const path of identity) {
          r.report('WEFT0351', path, `${path} needs mTLS (a peer identity), but ${eff.source ?? 'PeerAuthentication'} makes workload ${w.name} DISABLE: plaintext peers have no identity, so this never matches there`);
        }
        break;
      }
    }
    checkPrincipalFormats(p.obj, r);
    out.push(...r.messages);
  }
  return out;
}

/** Field paths of the rules that match peer identities (need mTLS). */
function identityFields(p: AuthorizationPolicy): string[] {
  const out: string[] = [];
  (p.spec?.rules ?? []).forEach((rule, i) => {
    (rule.from ?? []).forEach((f, j) => {
      for (const k of ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts'] as const) {
        if ((f.source?.[k]?.length ?? 0) > 0) out.push(`spec.rules[${i}].from[${j}].source.${k}`);
      }
    });
    (rule.when ?? []).forEach((c, j) => {
      if (c.key === 'source.principal' || c.key === 'source.namespace' || c.key === 'source.serviceAccount') out.push(`spec.rules[${i}].when[${j}]`);
    });
  });
  return out;
}

function checkPrincipalFormats(p: AuthorizationPolicy, r: Reporter): void {
  const check = (values: readonly string[] | undefined, path: string) => (values ?? []).forEach((v, n) => {
    if (v !== '' && !isPrincipalFormat(v)) r.report('WEFT0352', `${path}[${n}]`, `principal "${v}" is not <trust domain>/ns/<namespace>/sa/<service account>: it matches no workload identity`);
  });
  (p.spec?.rules ?? []).forEach((rule, i) => {
    (rule.from ?? []).forEach((f, j) => {
      check(f.source?.principals, `spec.rules[${i}].from[${j}].source.principals`);
      check(f.source?.notPrincipals, `spec.rules[${i}].from[${j}].source.notPrincipals`);
    });
    (rule.when ?? []).forEach((c, j) => {
      if (c.key === 'source.principal') {
        check(c.values, `spec.rules[${i}].when[${j}].values`);
        check(c.notValues, `spec.rules[${i}].when[${j}].notValues`);
      }
    });
  });
}

