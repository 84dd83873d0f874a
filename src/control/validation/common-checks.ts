// Checks shared by several kinds (Istio's helpers in pkg/config/validation):
// ports, percentages, durations, destinations, string matches, regexes,
// header operations, labels, exportTo, gateway references. Inputs are the
// schema-cleaned values, so types are right but anything may be missing.
import type { Destination, HeaderOperations, Headers, Percent, StringMatch } from '../../api/networking.js';
import { translateRe2 } from '../../proxy/route/re2-regex.js';
import { parseDuration } from '../model/duration.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { checkFqdn, checkHeaderValue, checkLabelKey, checkLabelValue, checkMatchHeaderName, checkWildcardDomain, isDnsLabel } from './names.js';

// Envoy (and Istio's validation) cap regexes by program size; Istio approximates it by length.
const MAX_REGEX_LENGTH = 1024;

/** Calls fn for each present element, keeping the element's index (holes are skipped). */
export function each<T>(items: readonly (T | undefined)[] | undefined, fn: (item: T, index: number) => void): void {
  if (!items) return;
  items.forEach((item, i) => {
    if (item !== undefined && item !== null) fn(item, i);
  });
}

export function checkPort(port: number | undefined, path: string, r: Reporter): void {
  if (port === undefined) return;
  if (port < 1 || port > 65535) r.report('WEFT0102', path, `port number ${port} must be in the range 1..65535`);
}

/** Istio's Percent: 0, or between 0.0001 and 100 (Envoy's finest fraction is a millionth). */
export function checkPercentage(p: Percent | undefined, path: string, r: Reporter): void {
  const v = p?.value;
  if (v === undefined) return;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) r.report('WEFT0102', childPath(path, 'value'), `percentage ${v} is neither 0 nor in the range [0.0001, 100]`);
}

export function checkIntPercent(v: number | undefined, path: string, r: Reporter): void {
  if (v === undefined) return;
  if (v < 0 || v > 100) r.report('WEFT0102', path, `percentage ${v} is not in the range 0..100`);
}

/**
 * Istio's ValidateDuration: at least 1ms and a whole number of milliseconds.
 * `allowZero` for the fields where 0 means "disabled" (route timeout).
 */
export function checkDuration(text: string | undefined, path: string, r: Reporter, allowZero = false): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseDuration(text);
  if (ns === undefined) return undefined; // reported by the schema walker
  if (allowZero && ns === 0) return 0;
  if (ns < 1e6) {
    r.report('WEFT0111', path, `duration "${text}" must be at least 1ms${allowZero ? ' (or 0 to disable)' : ''}`);
    return ns;
  }
  if (ns % 1e6 !== 0) r.report('WEFT0111', path, `duration "${text}" is finer than a millisecond; only ms precision is supported`);
  return ns;
}

export function checkRegex(re: string, path: string, r: Reporter): void {
  if (re === '') {
    r.report('WEFT0103', path, 'regex must not be empty');
    return;
  }
  if (re.length > MAX_REGEX_LENGTH) {
    r.report('WEFT0103', path, `regex is too long (${re.length} characters, at most ${MAX_REGEX_LENGTH})`);
    return;
  }
  try {
    translateRe2(re);
  } catch (e) {
    r.report('WEFT0103', path, `invalid RE2 regex ${JSON.stringify(re)}: ${(e as Error).message}`);
  }
}

/**
 * A StringMatch. `uri` allows an empty prefix (matches everything); scheme,
 * method, authority, headers and query parameters do not (Envoy's matcher refuses it).
 */
export function checkStringMatch(sm: StringMatch | undefined, path: string, r: Reporter, allowEmptyPrefix = false): void {
  if (!sm) return;
  if (sm.prefix === '' && !allowEmptyPrefix) r.report('WEFT0107', childPath(path, 'prefix'), 'prefix match must not be empty');
  if (sm.regex !== undefined) checkRegex(sm.regex, childPath(path, 'regex'), r);
}

export function checkDestination(d: Destination | undefined, path: string, r: Reporter): void {
  if (!d) return;
  if (d.host !== undefined) {
    if (d.host === '*') r.report('WEFT0101', childPath(path, 'host'), 'invalid destination host "*"');
    else {
      const err = checkWildcardDomain(d.host);
      if (err) r.report('WEFT0101', childPath(path, 'host'), err);
    }
  }
  if (d.subset !== undefined) checkSubsetName(d.subset, childPath(path, 'subset'), r);
  if (d.port?.number !== undefined) checkPort(d.port.number, childPath(childPath(path, 'port'), 'number'), r);
}

export function checkSubsetName(name: string, path: string, r: Reporter): void {
  if (name === '') r.report('WEFT0109', path, 'subset name cannot be empty');
  else if (!isDnsLabel(name)) r.report('WEFT0109', path, `subset name "${name}" is invalid (DNS-1123 label: letters, digits, '-', at most 63)`);
}

/** Header operations: no pseudo-headers (but :authority/host may be set on requests), Host never removed. */
export function checkHeaders(h: Headers | undefined, path: string, r: Reporter): void {
  if (!h) return;
  checkHeaderOperations(h.request, childPath(path, 'request'), r, true);
  checkHeaderOperations(h.response, childPath(path, 'response'), r, false);
}

function checkHeaderOperations(ops: HeaderOperations | undefined, path: string, r: Reporter, request: boolean): void {
  if (!ops) return;
  for (const verb of ['set', 'add'] as const) {
    for (const [name, value] of Object.entries(ops[verb] ?? {})) {
      const p = childPath(childPath(path, verb), name);
      const authority = name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';
      if (name === '') r.report('WEFT0104', p, 'header name cannot be empty');
      else if (request && authority) {
        // allowed: rewrites the authority
      } else if (name.toLowerCase() === 'host') r.report('WEFT0104', p, 'invalid header "host": the Host header cannot be set on responses');
      else if (name.startsWith(':')) r.report('WEFT0104', p, `invalid header "${name}": pseudo-headers (":" prefix) cannot be modified`);
      const verr = checkHeaderValue(value);
      if (verr) r.report('WEFT0104', p, verr);
    }
  }
  each(ops.remove, (name, i) => {
    const p = childPath(childPath(path, 'remove'), i);
    if (name === '') r.report('WEFT0104', p, 'header name cannot be empty');
    else if (name.toLowerCase() === 'host') r.report('WEFT0104', p, 'invalid header "host": the Host header cannot be removed');
    else if (name.startsWith(':')) r.report('WEFT0104', p, `invalid header "${name}": pseudo-headers (":" prefix) cannot be removed`);
  });
}

export function checkMatchHeaderNames(m: Record<string, unknown> | undefined, path: string, r: Reporter): void {
  for (const name of Object.keys(m ?? {})) {
    const err = checkMatchHeaderName(name);
    if (err) r.report('WEFT0104', childPath(path, name), err);
  }
}

/** Kubernetes labels (and label selectors, which are the same map here). */
export function checkLabels(labels: Record<string, string> | undefined, path: string, r: Reporter, selector = false): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const p = childPath(path, k);
    if (selector && (k.includes('*') || v.includes('*'))) {
      r.report('WEFT0105', p, `wildcards are not supported in selectors: "${k}=${v}"`);
      continue;
    }
    const kerr = checkLabelKey(k);
    if (kerr) r.report('WEFT0105', p, kerr);
    const verr = checkLabelValue(v);
    if (verr) r.report('WEFT0105', p, verr);
  }
}

/** A workload selector: labels as above, and a warning when it selects everything by accident. */
export function checkWorkloadSelector(labels: Record<string, string> | undefined, present: boolean, path: string, r: Reporter, labelField = 'labels'): void {
  if (!present) return;
  if (!labels || Object.keys(labels).length === 0) {
    r.report('WEFT0152', path, 'workload selector has no labels, so it applies to every workload in the namespace');
    return;
  }
  checkLabels(labels, childPath(path, labelField), r, true);
}

/** exportTo: ".", "*", "~" (ServiceEntry only) or namespace names; no duplicates; "*" alone. */
export function checkExportTo(namespace: string, exportTo: readonly (string | undefined)[] | undefined, path: string, r: Reporter, serviceEntry = false): void {
  if (!exportTo || exportTo.length === 0) return;
  const seen = new Set<string>();
  each(exportTo, (e, i) => {
    const p = childPath(path, i);
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      r.report('WEFT0108', p, e === '.' ? `duplicate entries in exportTo: "." and the current namespace ${namespace}` : `duplicate entry "${e}" in exportTo`);
      return;
    }
    seen.add(key);
    if (e === '.' || e === '*') return;
    if (e === '~') {
      if (!serviceEntry) r.report('WEFT0109', p, 'exportTo "~" (visible to no one) is only allowed on ServiceEntry');
      return;
    }
    if (!/^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/.test(e) || e.length > 63) r.report('WEFT0109', p, `exportTo "${e}" is not ".", "*" or a namespace name`);
  });
  if (seen.has('*') && exportTo.length > 1) r.report('WEFT0106', path, 'exportTo cannot mix "*" (public) with other entries');
  if (seen.has('~') && exportTo.length > 1) r.report('WEFT0106', path, 'exportTo cannot mix "~" (no one) with other entries');
}

/** Gateway references in a VirtualService: "mesh", "namespace/name", or a name in the VirtualService's namespace. */
export function checkGatewayRefs(gateways: readonly (string | undefined)[] | undefined, path: string, r: Reporter): void {
  each(gateways, (g, i) => {
    const p = childPath(path, i);
    if (g === 'mesh') return;
    const slash = g.indexOf('/');
    if (slash < 0) {
      if (g.includes('.')) {
        const [name, ns] = g.split('.');
        r.report('WEFT0206', p, `legacy gateway reference "${g}" (name.namespace); write "${ns}/${name}"`);
      }
      const err = checkFqdn(g);
      if (err) r.report('WEFT0109', p, `invalid gateway reference: ${err}`);
      return;
    }
    const ns = g.slice(0, slash);
    const name = g.slice(slash + 1);
    if (ns === '' || name === '') r.report('WEFT0109', p, `gateway reference "${g}": namespace and name cannot be empty`);
    else {
      if (!isDnsLabel(ns)) r.report('WEFT0109', p, `gateway reference "${g}": invalid namespace "${ns}"`);
      if (!isDnsLabel(name)) r.report('WEFT0109', p, `gateway reference "${g}": invalid gateway name "${name}"`);
    }
  });
}
