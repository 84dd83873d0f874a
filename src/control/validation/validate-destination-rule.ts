// DestinationRule rules (Istio's ValidateDestinationRule, validateTrafficPolicy
// and helpers, re-expressed): host, subsets, connection pool, outlier
// detection, load balancer, locality settings, client TLS.
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  DestinationRuleSpec,
  LoadBalancerSettings,
  OutlierDetection,
  PortTrafficPolicy,
  TrafficPolicy,
} from '../../api/networking.js';
import { checkDuration, checkExportTo, checkIntPercent, checkLabels, checkPort, checkSubsetName, checkWorkloadSelector, each } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { checkWildcardDomain } from './names.js';

// Envoy's maglev table must be a prime below this (Istio checks the same).
const MAGLEV_TABLE_LIMIT = 5000011;
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

/** DestinationRule spec as read (Istio's DestinationRule.workloadSelector uses matchLabels). */
export type DestinationRuleInput = Omit<DestinationRuleSpec, 'workloadSelector'> & { workloadSelector?: { matchLabels?: Record<string, string> } };

export function validateDestinationRule(spec: DestinationRuleInput, namespace: string, r: Reporter): void {
  if (spec.host !== undefined) {
    const err = checkWildcardDomain(spec.host);
    if (err) r.report('WEFT0101', 'spec.host', err);
  }
  validateTrafficPolicy(spec.trafficPolicy, 'spec.trafficPolicy', r);
  const names = new Set<string>();
  each(spec.subsets, (s, i) => {
    const p = `spec.subsets[${i}]`;
    if (s.name !== undefined) {
      if (names.has(s.name)) r.report('WEFT0108', childPath(p, 'name'), `duplicate subset name "${s.name}"`);
      names.add(s.name);
      checkSubsetName(s.name, childPath(p, 'name'), r);
    }
    checkLabels(s.labels, childPath(p, 'labels'), r);
    validateTrafficPolicy(s.trafficPolicy, childPath(p, 'trafficPolicy'), r);
  });
  checkExportTo(namespace, spec.exportTo, 'spec.exportTo', r);
  const sel = spec.workloadSelector;
  checkWorkloadSelector(sel?.matchLabels, sel !== undefined, 'spec.workloadSelector', r, 'matchLabels');
  if (sel) r.report('WEFT0163', 'spec.workloadSelector', 'workloadSelector is accepted but not honoured yet: weft looks DestinationRules up without the workload\'s labels, so this rule is not applied to any proxy');
  if (sel && spec.exportTo && spec.exportTo.length > 0) {
    const exported = spec.exportTo.map((e) => (e === '.' ? namespace : e));
    if (!exported.every((e) => e === namespace)) r.report('WEFT0106', 'spec.exportTo', 'a DestinationRule with a workloadSelector can only be exported to its own namespace');
  }
}

export function validateTrafficPolicy(tp: TrafficPolicy | undefined, path: string, r: Reporter): void {
  if (!tp) return;
  if (!tp.loadBalancer && !tp.connectionPool && !tp.outlierDetection && !tp.tls && !tp.portLevelSettings) {
    r.report('WEFT0107', path, 'trafficPolicy must set at least one field');
    return;
  }
  validatePolicyParts(tp, path, r);
  each(tp.portLevelSettings, (pl: PortTrafficPolicy, i) => {
    const p = childPath(childPath(path, 'portLevelSettings'), i);
    if (!pl.port) r.report('WEFT0107', childPath(p, 'port'), 'a portLevelSettings entry needs a port');
    else checkPort(pl.port.number ?? 0, `${p}.port.number`, r);
    if (!pl.loadBalancer && !pl.connectionPool && !pl.outlierDetection && !pl.tls) r.report('WEFT0107', p, 'a portLevelSettings entry must set at least one policy');
    else validatePolicyParts(pl, p, r);
  });
}

function validatePolicyParts(tp: Omit<TrafficPolicy, 'portLevelSettings'>, path: string, r: Reporter): void {
  validateOutlierDetection(tp.outlierDetection, childPath(path, 'outlierDetection'), r);
  validateConnectionPool(tp.connectionPool, childPath(path, 'connectionPool'), r);
  validateLoadBalancer(tp.loadBalancer, tp.outlierDetection, childPath(path, 'loadBalancer'), r);
  validateClientTls(tp.tls, childPath(path, 'tls'), r);
}

function validateOutlierDetection(o: OutlierDetection | undefined, path: string, r: Reporter): void {
  if (!o) return;
  checkDuration(o.baseEjectionTime, childPath(path, 'baseEjectionTime'), r);
  checkDuration(o.interval, childPath(path, 'interval'), r);
  if (o.consecutiveErrors !== undefined && o.consecutiveErrors < 0) r.report('WEFT0102', childPath(path, 'consecutiveErrors'), 'consecutiveErrors cannot be negative');
  if (o.consecutiveErrors !== undefined && o.consecutiveGatewayErrors !== undefined) {
    r.report('WEFT0106', childPath(path, 'consecutiveErrors'), 'set consecutiveGatewayErrors or the deprecated consecutiveErrors, not both');
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    r.report('WEFT0106', childPath(path, 'consecutiveLocalOriginFailures'), 'consecutiveLocalOriginFailures only takes effect with splitExternalLocalOriginErrors: true');
  }
  checkIntPercent(o.maxEjectionPercent, childPath(path, 'maxEjectionPercent'), r);
  checkIntPercent(o.minHealthPercent, childPath(path, 'minHealthPercent'), r);
}

function validateConnectionPool(c: ConnectionPoolSettings | undefined, path: string, r: Reporter): void {
  if (!c) return;
  if (!c.http && !c.tcp) {
    r.report('WEFT0107', path, 'connectionPool must set tcp or http');
    return;
  }
  const nonNegative = (v: number | undefined, p: string, what: string): void => {
    if (v !== undefined && v < 0) r.report('WEFT0102', p, `${what} must not be negative (${v})`);
  };
  if (c.http) {
    const h = c.http;
    const p = childPath(path, 'http');
    nonNegative(h.http1MaxPendingRequests, childPath(p, 'http1MaxPendingRequests'), 'http1MaxPendingRequests');
    nonNegative(h.http2MaxRequests, childPath(p, 'http2MaxRequests'), 'http2MaxRequests');
    nonNegative(h.maxRequestsPerConnection, childPath(p, 'maxRequestsPerConnection'), 'maxRequestsPerConnection');
    nonNegative(h.maxRetries, childPath(p, 'maxRetries'), 'maxRetries');
    nonNegative(h.maxConcurrentStreams, childPath(p, 'maxConcurrentStreams'), 'maxConcurrentStreams');
    checkDuration(h.idleTimeout, childPath(p, 'idleTimeout'), r);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol) r.report('WEFT0106', childPath(p, 'useClientProtocol'), 'useClientProtocol must not be true when h2UpgradePolicy is UPGRADE');
  }
  if (c.tcp) {
    const t = c.tcp;
    const p = childPath(path, 'tcp');
    nonNegative(t.maxConnections, childPath(p, 'maxConnections'), 'maxConnections');
    checkDuration(t.connectTimeout, childPath(p, 'connectTimeout'), r);
    checkDuration(t.maxConnectionDuration, childPath(p, 'maxConnectionDuration'), r);
    checkDuration(t.idleTimeout, childPath(p, 'idleTimeout'), r);
    checkDuration(t.tcpKeepalive?.time, `${p}.tcpKeepalive.time`, r);
    checkDuration(t.tcpKeepalive?.interval, `${p}.tcpKeepalive.interval`, r);
  }
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n < 4) return true;
  if (n % 2 === 0) return false;
  for (let f = 3; f * f <= n; f += 2) if (n % f === 0) return false;
  return true;
}

function validateLoadBalancer(lb: LoadBalancerSettings | undefined, outlier: OutlierDetection | undefined, path: string, r: Reporter): void {
  if (!lb) return;
  const ch = lb.consistentHash;
  if (ch) {
    const p = childPath(path, 'consistentHash');
    if (ch.httpCookie && !ch.httpCookie.name) r.report('WEFT0107', `${p}.httpCookie.name`, 'httpCookie needs a name');
    if (ch.minimumRingSize !== undefined && (ch.ringHash || ch.maglev)) {
      r.report('WEFT0106', childPath(p, 'minimumRingSize'), 'set the deprecated minimumRingSize or ringHash/maglev, not both');
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      const sp = `${p}.maglev.tableSize`;
      if (size === 0) r.report('WEFT0107', sp, 'maglev needs tableSize');
      else if (size >= MAGLEV_TABLE_LIMIT) r.report('WEFT0102', sp, `maglev tableSize must be less than ${MAGLEV_TABLE_LIMIT}`);
      else if (!isPrime(size)) r.report('WEFT0102', sp, `maglev tableSize ${size} must be a prime number`);
    }
  }
  checkDuration(lb.warmupDurationSecs, childPath(path, 'warmupDurationSecs'), r);
  const w = lb.warmup;
  if (w) {
    const wp = childPath(path, 'warmup');
    if (w.duration === undefined) r.report('WEFT0012', childPath(wp, 'duration'), 'warmup needs a duration');
    checkDuration(w.duration, childPath(wp, 'duration'), r);
    if (w.minimumPercent !== undefined && !(w.minimumPercent >= 0 && w.minimumPercent <= 100)) r.report('WEFT0102', childPath(wp, 'minimumPercent'), `minimumPercent ${w.minimumPercent} must be in the range 0..100`);
    if (w.aggression !== undefined && !(w.aggression > 0)) r.report('WEFT0102', childPath(wp, 'aggression'), `aggression ${w.aggression} must be greater than 0 (1 ramps traffic up linearly)`);
    if (lb.warmupDurationSecs !== undefined) r.report('WEFT0106', wp, 'set warmup or the deprecated warmupDurationSecs, not both');
  }
  if ((w || lb.warmupDurationSecs !== undefined) && (lb.consistentHash || (lb.simple && !['ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN', 'UNSPECIFIED'].includes(lb.simple)))) {
    r.report('WEFT0152', childPath(path, w ? 'warmup' : 'warmupDurationSecs'), 'warmup (slow start) only applies to ROUND_ROBIN and LEAST_REQUEST load balancing; it has no effect here');
  }
  const loc = lb.localityLbSetting;
  if (!loc) return;
  const p = childPath(path, 'localityLbSetting');
  if ((loc.distribute ?? []).length > 0 && (loc.failover ?? []).length > 0) {
    r.report('WEFT0106', p, 'distribute and failover cannot be set together');
    return;
  }
  if ((loc.failover ?? []).length > 0) {
    each(loc.failoverPriority, (label, i) => {
      if (TOPOLOGY_LABELS.has(label)) r.report('WEFT0106', childPath(childPath(p, 'failoverPriority'), i), `failover cannot be combined with the topology label "${label}" in failoverPriority`);
    });
  }
  each(loc.distribute, (d, i) => {
    const dp = childPath(childPath(p, 'distribute'), i);
    let total = 0;
    for (const [to, w] of Object.entries(d.to ?? {})) {
      if (w < 1 || w > 100) r.report('WEFT0102', childPath(childPath(dp, 'to'), to), `locality weight ${w} must be in the range 1..100`);
      total += w;
    }
    if (total !== 100) r.report('WEFT0102', childPath(dp, 'to'), `locality weights sum to ${total}; they must sum to 100`);
  });
  each(loc.failover, (f, i) => {
    const fp = childPath(childPath(p, 'failover'), i);
    if (f.from === f.to) r.report('WEFT0106', fp, 'failover from and to must be different regions');
    if ((f.from ?? '').includes('/') || (f.to ?? '').includes('/')) r.report('WEFT0106', fp, 'failover takes regions only (no "/zone")');
    if ((f.from ?? '').includes('*') || (f.to ?? '').includes('*')) r.report('WEFT0106', fp, 'failover regions must not contain "*"');
  });
  if (((loc.failover ?? []).length > 0 || (loc.failoverPriority ?? []).length > 0) && !outlier) {
    r.report('WEFT0152', p, 'locality failover needs outlierDetection to notice unhealthy endpoints; without it failover never happens');
  }
}

function validateClientTls(t: ClientTLSSettings | undefined, path: string, r: Reporter): void {
  if (!t) return;
  // Istio's ValidateTLS (pkg/config/validation), rule for rule.
  if (t.insecureSkipVerify) {
    if (t.mode === 'SIMPLE' && (t.caCertificates || t.credentialName || t.subjectAltNames)) {
      r.report('WEFT0113', path, 'with insecureSkipVerify, caCertificates, credentialName and subjectAltNames cannot be set');
    }
    if (t.mode === 'MUTUAL' && (t.caCertificates || t.subjectAltNames)) r.report('WEFT0113', path, 'with insecureSkipVerify, caCertificates and subjectAltNames cannot be set');
  }
  if ((t.mode === 'SIMPLE' || t.mode === 'MUTUAL') && t.credentialName) {
    if (t.clientCertificate || t.caCertificates || t.privateKey || t.caCrl) {
      r.report('WEFT0113', path, 'with credentialName, clientCertificate, privateKey, caCertificates and caCrl cannot be set (they come from the credential)');
    }
    return;
  }
  if (t.mode === 'MUTUAL') {
    if (!t.clientCertificate) r.report('WEFT0113', childPath(path, 'clientCertificate'), 'mode MUTUAL needs clientCertificate (or credentialName)');
    if (!t.privateKey) r.report('WEFT0113', childPath(path, 'privateKey'), 'mode MUTUAL needs privateKey (or credentialName)');
  }
  if (t.mode === 'ISTIO_MUTUAL' && (t.clientCertificate || t.privateKey || t.caCertificates || t.credentialName || t.caCrl)) {
    r.report('WEFT0152', path, 'mode ISTIO_MUTUAL uses the mesh certificates; clientCertificate, privateKey, caCertificates, caCrl and credentialName are ignored');
  }
}
