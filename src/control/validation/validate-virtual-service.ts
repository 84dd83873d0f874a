// VirtualService rules (Istio's ValidateVirtualService and validateHTTPRoute,
// re-expressed): hosts, gateway references, one action per HTTP route, fault,
// retries, redirects, rewrites, CORS, mirrors, weights, TLS and TCP routes,
// and routes that can never match.
import type {
  CorsPolicy,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRetry,
  HTTPRoute,
  RouteDestination,
  StringMatch,
  TLSRoute,
  TCPRoute,
  VirtualServiceSpec,
  HTTPRouteDestination,
} from '../../api/networking.js';
import {
  checkDestination,
  checkDuration,
  checkExportTo,
  checkGatewayRefs,
  checkHeaders,
  checkIntPercent,
  checkLabels,
  checkMatchHeaderNames,
  checkPercentage,
  checkPort,
  checkRegex,
  checkStringMatch,
  each,
} from './common-checks.js';
import { childPath } from './field-path.js';
import { hostCovers, hostsOverlap } from '../model/host-names.js';
import type { Reporter } from './message.js';
import { checkIpOrCidr, checkWildcardDomain, isDnsLabel, isIpAddress } from './names.js';

/** Envoy's retry_on names that Istio accepts (x-envoy-retry-on and x-envoy-retry-grpc-on). */
export const RETRY_ON_POLICIES = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

// HTTP status codes with a standard name; Istio accepts these in retryOn (it asks Go's http.StatusText).
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403, 404, 405, 406,
  407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507,
  508, 510, 511,
]);

const GRPC_STATUS = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);
const CORS_HEADER = /^[-_A-Za-z0-9]+$/;
// Direct response bodies travel in every route configuration; Istio warns above 100 KiB and refuses above 1 MiB.
const DIRECT_RESPONSE_WARN_BYTES = 100 * 1024;
const DIRECT_RESPONSE_MAX_BYTES = 1024 * 1024;

export function validateVirtualService(spec: VirtualServiceSpec, namespace: string, r: Reporter): void {
  const hosts = spec.hosts ?? [];
  const delegate = hosts.length === 0;
  if (delegate) {
    r.report('WEFT0153', 'spec.hosts', 'VirtualService has no hosts: it only takes effect as the delegate of another VirtualService (http[].delegate)');
    if ((spec.gateways ?? []).length > 0) r.report('WEFT0106', 'spec.gateways', 'a delegate VirtualService (no hosts) must not list gateways');
    if ((spec.tls ?? []).length > 0) r.report('WEFT0106', 'spec.tls', 'a delegate VirtualService (no hosts) must not have tls routes');
    if ((spec.tcp ?? []).length > 0) r.report('WEFT0106', 'spec.tcp', 'a delegate VirtualService (no hosts) must not have tcp routes');
  }

  const gateways = spec.gateways ?? [];
  checkGatewayRefs(gateways, 'spec.gateways', r);
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh');

  if (!appliesToGateway) {
    each(spec.http, (route, i) =>
      each(route.match, (m, j) => {
        for (const where of ['headers', 'withoutHeaders'] as const) {
          for (const name of Object.keys(m[where] ?? {})) {
            if (name.startsWith('@request.auth.claims.')) {
              r.report('WEFT0106', childPath(`spec.http[${i}].match[${j}].${where}`, name), 'JWT claim routing is only supported on VirtualServices bound to gateways');
            }
          }
        }
      }),
    );
  }

  let allHostsValid = true;
  each(hosts, (h, i) => {
    const p = `spec.hosts[${i}]`;
    const err = checkWildcardDomain(h);
    if (err) {
      if (!isIpAddress(h)) {
        r.report('WEFT0101', p, err);
        allHostsValid = false;
      }
    } else if (!appliesToGateway && h === '*') {
      r.report('WEFT0101', p, 'wildcard host "*" is not allowed for VirtualServices bound to the mesh (sidecars); bind it to a gateway or name the hosts');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hosts[i] !== undefined && hosts[j] !== undefined && hostsOverlap(hosts[i]!, hosts[j]!)) {
          r.report('WEFT0108', `spec.hosts[${j}]`, `duplicate hosts in VirtualService: "${hosts[i]}" and "${hosts[j]}"`);
        }
      }
    }
  }

  if ((spec.http ?? []).length === 0 && (spec.tcp ?? []).length === 0 && (spec.tls ?? []).length === 0) {
    r.report('WEFT0107', 'spec', 'a VirtualService needs http, tcp or tls routes');
  }
  each(spec.http, (route, i) => validateHttpRoute(route, `spec.http[${i}]`, delegate, r));
  each(spec.tls, (route, i) => validateTlsRoute(route, `spec.tls[${i}]`, spec, appliesToGateway, r));
  each(spec.tcp, (route, i) => validateTcpRoute(route, `spec.tcp[${i}]`, r));
  checkExportTo(namespace, spec.exportTo, 'spec.exportTo', r);

  findUnreachable(spec.http, 'spec.http', r);
  findUnreachable(spec.tcp, 'spec.tcp', r);
  findUnreachable(spec.tls, 'spec.tls', r);
}

function validateHttpRoute(h: HTTPRoute, path: string, inDelegate: boolean, r: Reporter): void {
  const hasRoute = (h.route ?? []).length > 0;
  if (h.delegate) {
    if (inDelegate) r.report('WEFT0106', childPath(path, 'delegate'), 'a delegate VirtualService cannot delegate again');
    if (h.redirect) r.report('WEFT0106', childPath(path, 'redirect'), 'an HTTP route with delegate must not specify redirect');
    if (h.route) r.report('WEFT0106', childPath(path, 'route'), 'an HTTP route with delegate must not specify route');
    if (h.directResponse) r.report('WEFT0106', childPath(path, 'directResponse'), 'an HTTP route with delegate must not specify directResponse');
    if (!h.delegate.name) r.report('WEFT0107', `${path}.delegate.name`, 'delegate needs the name of the VirtualService to delegate to');
  } else if (h.redirect) {
    if (hasRoute) r.report('WEFT0106', childPath(path, 'redirect'), 'an HTTP route cannot have both route and redirect');
    if (h.fault) r.report('WEFT0106', childPath(path, 'fault'), 'an HTTP route cannot have both fault and redirect');
    if (h.rewrite) r.report('WEFT0106', childPath(path, 'rewrite'), 'an HTTP route cannot have both rewrite and redirect');
    if (h.directResponse) r.report('WEFT0106', childPath(path, 'directResponse'), 'an HTTP route cannot have both redirect and directResponse');
  } else if (h.directResponse) {
    if (hasRoute) r.report('WEFT0106', childPath(path, 'directResponse'), 'an HTTP route cannot have both route and directResponse');
    if (h.fault) r.report('WEFT0106', childPath(path, 'fault'), 'an HTTP route cannot have both fault and directResponse');
    if (h.rewrite) r.report('WEFT0106', childPath(path, 'rewrite'), 'an HTTP route cannot have both rewrite and directResponse');
  } else if (!hasRoute) {
    r.report('WEFT0107', path, 'an HTTP route needs one of route, redirect, directResponse or delegate');
  }
  if (h.mirror && (h.mirrors ?? []).length > 0) r.report('WEFT0106', childPath(path, 'mirrors'), 'an HTTP route cannot have both mirror and mirrors');

  each(h.match, (m, j) => validateHttpMatch(m, childPath(childPath(path, 'match'), j), r));
  checkHeaders(h.headers, childPath(path, 'headers'), r);
  checkAuthorityRewrite(h, path, r);
  validateCors(h.corsPolicy, childPath(path, 'corsPolicy'), r);
  validateFault(h.fault, childPath(path, 'fault'), r);

  if (h.mirrorPercent !== undefined && h.mirrorPercent > 100) r.report('WEFT0102', childPath(path, 'mirrorPercent'), `mirrorPercent must be at most 100 (it is ${h.mirrorPercent})`);
  if (h.mirrorPercent !== undefined && h.mirrorPercentage) r.report('WEFT0106', childPath(path, 'mirrorPercentage'), 'set mirrorPercentage or the deprecated mirrorPercent, not both');
  checkPercentage(h.mirrorPercentage, childPath(path, 'mirrorPercentage'), r);
  checkDestination(h.mirror, childPath(path, 'mirror'), r);
  each(h.mirrors, (m, j) => {
    const p = childPath(childPath(path, 'mirrors'), j);
    checkDestination(m.destination, childPath(p, 'destination'), r);
    checkPercentage(m.percentage, childPath(p, 'percentage'), r);
  });

  if (h.redirect) {
    const rd = h.redirect;
    const p = childPath(path, 'redirect');
    if (!rd.uri && !rd.authority && rd.port === undefined && rd.derivePort === undefined && !rd.scheme) {
      r.report('WEFT0107', p, 'redirect must specify uri, authority, scheme, port or derivePort');
    }
    if (rd.redirectCode !== undefined && rd.redirectCode !== 0 && (rd.redirectCode < 300 || rd.redirectCode > 399)) {
      r.report('WEFT0102', childPath(p, 'redirectCode'), `${rd.redirectCode} is not a valid redirect code (must be 3xx)`);
    }
    if (rd.scheme && rd.scheme !== 'http' && rd.scheme !== 'https') r.report('WEFT0106', childPath(p, 'scheme'), `invalid redirect scheme "${rd.scheme}" (must be "http" or "https")`);
    if (rd.port !== undefined) checkPort(rd.port, childPath(p, 'port'), r);
  }
  if (h.directResponse) {
    const dr = h.directResponse;
    const p = childPath(path, 'directResponse');
    if (dr.status !== undefined) checkHttpStatus(dr.status, childPath(p, 'status'), r);
    const body = dr.body?.string ?? dr.body?.bytes;
    const size = body === undefined ? 0 : dr.body?.string !== undefined ? Buffer.byteLength(body) : Math.floor((body.length * 3) / 4);
    if (size > DIRECT_RESPONSE_MAX_BYTES) r.report('WEFT0102', childPath(p, 'body'), `direct response body is ${size} bytes; it must be under 1 MiB`);
    else if (size > DIRECT_RESPONSE_WARN_BYTES) r.report('WEFT0152', childPath(p, 'body'), `direct response body is ${size} bytes; bodies over 100 KiB slow down config distribution`);
  }
  validateRetries(h.retries, childPath(path, 'retries'), r);
  if (h.rewrite) {
    const rw = h.rewrite;
    const p = childPath(path, 'rewrite');
    if (rw.uri !== undefined && rw.uri !== '' && rw.uriRegexRewrite) r.report('WEFT0106', childPath(p, 'uriRegexRewrite'), 'rewrite may contain only one of uri and uriRegexRewrite');
    if (!rw.uri && !rw.uriRegexRewrite && !rw.authority) r.report('WEFT0107', p, 'rewrite must specify uri, uriRegexRewrite or authority');
    if (rw.uriRegexRewrite) {
      const rx = rw.uriRegexRewrite;
      if (!rx.match || rx.rewrite === undefined || rx.rewrite === '') r.report('WEFT0107', childPath(p, 'uriRegexRewrite'), 'uriRegexRewrite needs both match and rewrite');
      if (rx.match) checkRegex(rx.match, childPath(childPath(p, 'uriRegexRewrite'), 'match'), r);
    }
  }
  validateDestinations(h.route, childPath(path, 'route'), r);
  checkDuration(h.timeout, childPath(path, 'timeout'), r, true);
}

function validateHttpMatch(m: HTTPMatchRequest, path: string, r: Reporter): void {
  if (m.statPrefix !== undefined) r.report('WEFT0163', childPath(path, 'statPrefix'), 'statPrefix is accepted but not honoured: weft\'s proxy keeps no per-route stats yet');
  checkMatchHeaderNames(m.headers, childPath(path, 'headers'), r);
  checkMatchHeaderNames(m.withoutHeaders, childPath(path, 'withoutHeaders'), r);
  for (const [name, sm] of Object.entries(m.headers ?? {})) checkStringMatch(sm, childPath(childPath(path, 'headers'), name), r);
  for (const [name, sm] of Object.entries(m.withoutHeaders ?? {})) {
    // withoutHeaders { regex: "*" } means "header absent", not a regex.
    if (sm.regex !== '*') checkStringMatch(sm, childPath(childPath(path, 'withoutHeaders'), name), r);
  }
  checkStringMatch(m.uri, childPath(path, 'uri'), r, true);
  checkStringMatch(m.scheme, childPath(path, 'scheme'), r);
  checkStringMatch(m.method, childPath(path, 'method'), r);
  checkStringMatch(m.authority, childPath(path, 'authority'), r);
  for (const [name, sm] of Object.entries(m.queryParams ?? {})) checkStringMatch(sm, childPath(childPath(path, 'queryParams'), name), r);
  if (m.port !== undefined && m.port !== 0) checkPort(m.port, childPath(path, 'port'), r);
  checkLabels(m.sourceLabels, childPath(path, 'sourceLabels'), r);
  checkGatewayRefs(m.gateways, childPath(path, 'gateways'), r);
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== '' && !isDnsLabel(m.sourceNamespace)) {
    r.report('WEFT0109', childPath(path, 'sourceNamespace'), `sourceNamespace "${m.sourceNamespace}" is not a valid namespace`);
  }
}

function checkAuthorityRewrite(h: HTTPRoute, path: string, r: Reporter): void {
  let current = h.rewrite?.authority || undefined;
  for (const verb of ['set', 'add'] as const) {
    for (const [k, v] of Object.entries(h.headers?.request?.[verb] ?? {})) {
      if (k.toLowerCase() !== ':authority' && k.toLowerCase() !== 'host') continue;
      if (current !== undefined) {
        r.report('WEFT0106', childPath(childPath(`${path}.headers.request`, verb), k), `the authority is set more than once: have "${current}", also "${v}"`);
        return;
      }
      current = v;
    }
  }
}

function validateCors(c: CorsPolicy | undefined, path: string, r: Reporter): void {
  if (!c) return;
  each(c.allowOrigins, (o: StringMatch, i) => {
    const p = childPath(childPath(path, 'allowOrigins'), i);
    const v = o.exact ?? o.prefix ?? o.regex;
    if (!v) r.report('WEFT0107', p, 'an allowOrigins entry needs a non-empty exact, prefix or regex');
    else if (o.regex !== undefined) checkRegex(o.regex, childPath(p, 'regex'), r);
  });
  each(c.allowMethods, (m, i) => {
    if (!HTTP_METHODS.has(m)) r.report('WEFT0106', childPath(childPath(path, 'allowMethods'), i), `"${m}" is not a supported HTTP method (${[...HTTP_METHODS].join(', ')})`);
  });
  for (const f of ['allowHeaders', 'exposeHeaders'] as const) {
    each(c[f], (name, i) => {
      if (name !== '*' && !CORS_HEADER.test(name)) r.report('WEFT0104', childPath(childPath(path, f), i), `"${name}" is not a valid header name`);
    });
  }
  const ns = checkDuration(c.maxAge, childPath(path, 'maxAge'), r);
  if (ns !== undefined && ns % 1e9 !== 0) r.report('WEFT0111', childPath(path, 'maxAge'), 'maxAge is only accurate to seconds; use a whole number of seconds');
}

function checkHttpStatus(status: number, path: string, r: Reporter): void {
  if (status < 200 || status > 599) r.report('WEFT0102', path, `HTTP status ${status} is not in the range 200..599`);
}

function validateFault(f: HTTPFaultInjection | undefined, path: string, r: Reporter): void {
  if (!f) return;
  if (!f.abort && !f.delay) r.report('WEFT0107', path, 'fault injection needs an abort, a delay, or both');
  if (f.abort) {
    const a = f.abort;
    const p = childPath(path, 'abort');
    checkPercentage(a.percentage, childPath(p, 'percentage'), r);
    if (a.grpcStatus !== undefined) {
      if (!GRPC_STATUS.includes(a.grpcStatus)) r.report('WEFT0102', childPath(p, 'grpcStatus'), `gRPC status "${a.grpcStatus}" is not a gRPC status name (e.g. UNAVAILABLE, NOT_FOUND)`);
    } else if (a.http2Error !== undefined) r.report('WEFT0116', childPath(p, 'http2Error'), 'HTTP/2 error aborts are not supported (Istio refuses them too); use httpStatus or grpcStatus');
    else if (a.httpStatus !== undefined) checkHttpStatus(a.httpStatus, childPath(p, 'httpStatus'), r);
    else r.report('WEFT0152', p, 'abort is configured without httpStatus or grpcStatus, so it does nothing');
  }
  if (f.delay) {
    const d = f.delay;
    const p = childPath(path, 'delay');
    checkPercentage(d.percentage, childPath(p, 'percentage'), r);
    checkIntPercent(d.percent, childPath(p, 'percent'), r);
    if (d.exponentialDelay !== undefined) r.report('WEFT0116', childPath(p, 'exponentialDelay'), 'exponentialDelay is not supported (Istio refuses it too); use fixedDelay');
    else if (d.fixedDelay === undefined) r.report('WEFT0107', p, 'delay needs fixedDelay');
    checkDuration(d.fixedDelay, childPath(p, 'fixedDelay'), r);
  }
}

function validateRetries(rt: HTTPRetry | undefined, path: string, r: Reporter): void {
  if (!rt) return;
  const attempts = rt.attempts ?? 0;
  if (attempts < 0) r.report('WEFT0110', childPath(path, 'attempts'), `attempts cannot be negative (${attempts})`);
  if (attempts === 0 && (rt.perTryTimeout !== undefined || (rt.retryOn ?? '') !== '' || rt.retryRemoteLocalities !== undefined)) {
    r.report('WEFT0110', childPath(path, 'attempts'), 'retry settings are given but attempts is 0 (retries disabled); set attempts');
  }
  checkDuration(rt.perTryTimeout, childPath(path, 'perTryTimeout'), r);
  if (rt.retryOn) {
    for (const policy of rt.retryOn.split(',')) {
      if (RETRY_ON_POLICIES.has(policy)) continue;
      if (/^\d+$/.test(policy) && KNOWN_STATUS.has(Number(policy))) continue;
      const trimmed = policy.trim();
      const hint = trimmed !== policy && (RETRY_ON_POLICIES.has(trimmed) || KNOWN_STATUS.has(Number(trimmed))) ? ' (remove the spaces around commas)' : '';
      r.report('WEFT0110', childPath(path, 'retryOn'), `"${policy}" is not a valid retryOn policy${hint}; use Envoy's retry_on names (${[...RETRY_ON_POLICIES].join(', ')}) or HTTP status codes`);
    }
  }
}

/** Weights: each at least 0; with several destinations they cannot all be 0 (no traffic could flow). */
function validateDestinations(ds: readonly (HTTPRouteDestination | RouteDestination | undefined)[] | undefined, path: string, r: Reporter): void {
  if (!ds) return;
  let total = 0;
  each(ds, (d, i) => {
    const p = childPath(path, i);
    checkDestination(d.destination, childPath(p, 'destination'), r);
    if ('headers' in d) checkHeaders(d.headers, childPath(p, 'headers'), r);
    if (d.weight !== undefined && d.weight < 0) r.report('WEFT0102', childPath(p, 'weight'), `weight ${d.weight} must not be negative`);
    total += Math.max(0, d.weight ?? 0);
  });
  if (ds.length > 1 && total === 0) r.report('WEFT0102', path, 'total destination weight is 0: with several destinations, give each a weight');
}

function validateTlsRoute(t: TLSRoute, path: string, spec: VirtualServiceSpec, appliesToGateway: boolean, r: Reporter): void {
  if ((t.match ?? []).length === 0) r.report('WEFT0107', childPath(path, 'match'), 'a TLS route needs at least one match');
  each(t.match, (m, j) => {
    const p = childPath(childPath(path, 'match'), j);
    if ((m.sniHosts ?? []).length === 0) r.report('WEFT0107', childPath(p, 'sniHosts'), 'a TLS match needs at least one SNI host');
    each(m.sniHosts, (sni, k) => {
      const sp = childPath(childPath(p, 'sniHosts'), k);
      const err = checkWildcardDomain(sni);
      if (err) {
        if (isIpAddress(sni)) r.report('WEFT0152', sp, `SNI host "${sni}" is an IP address; SNI does not allow that and most clients will not send it`);
        else if (!(appliesToGateway && sni.startsWith('outbound_'))) r.report('WEFT0101', sp, err);
        return;
      }
      if (!(spec.hosts ?? []).some((h) => h !== undefined && hostCovers(h, sni))) {
        r.report('WEFT0101', sp, `SNI host "${sni}" is not covered by any of the VirtualService hosts [${(spec.hosts ?? []).join(', ')}]`);
      }
    });
    validateL4Match(m, p, r);
  });
  if ((t.route ?? []).length === 0) r.report('WEFT0107', childPath(path, 'route'), 'a TLS route needs a route');
  validateDestinations(t.route, childPath(path, 'route'), r);
}

function validateTcpRoute(t: TCPRoute, path: string, r: Reporter): void {
  each(t.match, (m, j) => {
    const p = childPath(childPath(path, 'match'), j);
    validateL4Match(m, p, r);
    if (m.sourceSubnet !== undefined) {
      const err = checkIpOrCidr(m.sourceSubnet);
      if (err) r.report('WEFT0114', childPath(p, 'sourceSubnet'), err);
    }
  });
  if ((t.route ?? []).length === 0) r.report('WEFT0107', childPath(path, 'route'), 'a TCP route needs a route');
  validateDestinations(t.route, childPath(path, 'route'), r);
}

function validateL4Match(
  m: { destinationSubnets?: string[]; port?: number; sourceLabels?: Record<string, string>; gateways?: string[] },
  path: string,
  r: Reporter,
): void {
  each(m.destinationSubnets, (s, k) => {
    const err = checkIpOrCidr(s);
    if (err) r.report('WEFT0114', childPath(childPath(path, 'destinationSubnets'), k), err);
  });
  if (m.port !== undefined && m.port !== 0) checkPort(m.port, childPath(path, 'port'), r);
  checkLabels(m.sourceLabels, childPath(path, 'sourceLabels'), r);
  checkGatewayRefs(m.gateways, childPath(path, 'gateways'), r);
}

/** Canonical JSON of a match without its name, to compare matches. */
export function matchKey(m: unknown): string {
  const { name: _name, ...rest } = (m ?? {}) as Record<string, unknown>;
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(rest));
}

/** Routes after a catch-all, and matches identical to earlier ones, can never take effect (IST0130, IST0131). */
function findUnreachable(routes: readonly ({ name?: string; match?: unknown[] } | undefined)[] | undefined, path: string, r: Reporter): void {
  let catchAll = -1;
  const seen = new Map<string, number>();
  each(routes, (route, i) => {
    const p = childPath(path, i);
    const label = route.name ? `"${route.name}"` : `#${i}`;
    if (catchAll >= 0) {
      r.report('WEFT0150', p, `route ${label} is never used: route #${catchAll} before it has no match and takes every request`);
      return;
    }
    const matches = route.match ?? [];
    if (matches.length === 0) {
      catchAll = i;
      return;
    }
    let dup = 0;
    matches.forEach((m, j) => {
      if (m === undefined) return;
      const key = matchKey(m);
      const prev = seen.get(key);
      if (prev !== undefined) {
        dup++;
        r.report('WEFT0151', childPath(childPath(p, 'match'), j), `match #${j} of route ${label} is never used: route #${prev} has the same match`);
      } else seen.set(key, i);
    });
    if (dup === matches.length) r.report('WEFT0150', p, `route ${label} is never used: all its matches are taken by earlier routes`);
  });
}
