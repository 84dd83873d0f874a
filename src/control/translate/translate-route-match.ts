// HTTPMatchRequest → RouteMatch, as Istio's TranslateRouteMatch: uri exact →
// path, prefix → prefix, regex → safe_regex; header matches sorted by name;
// withoutHeaders inverted (a missing header counts as ""); method, authority
// and scheme as pseudo-header matches; ignoreUriCase → case_sensitive false.
import type { HTTPMatchRequest, StringMatch } from '../../api/networking.js';
import type {
  envoy_config_route_v3_HeaderMatcher,
  envoy_config_route_v3_QueryParameterMatcher,
  envoy_config_route_v3_RouteMatch,
  envoy_type_matcher_v3_StringMatcher,
} from '../../xds/gen/types.js';
import { sortedKeys } from './proto-helpers.js';

/** Why a match cannot be expressed (the caller drops the route and says so). */
export class UntranslatableMatch extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** Envoy's catch-all match, used when a route has no match. */
export function catchAllMatch(): envoy_config_route_v3_RouteMatch {
  return { prefix: '/' };
}

/** Translates one match; throws UntranslatableMatch for what weft's proxy cannot match on. */
export function translateRouteMatch(m: HTTPMatchRequest | undefined): envoy_config_route_v3_RouteMatch {
  if (!m) return catchAllMatch();
  const out: envoy_config_route_v3_RouteMatch = {};
  const uri = m.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  out.case_sensitive = { value: !m.ignoreUriCase };

  const headers: envoy_config_route_v3_HeaderMatcher[] = [];
  for (const name of sortedKeys(m.headers)) {
    checkClaim(name, `headers["${name}"]`);
    headers.push(headerMatcher(name.toLowerCase(), m.headers![name]));
  }
  for (const name of sortedKeys(m.withoutHeaders)) {
    checkClaim(name, `withoutHeaders["${name}"]`);
    const sm = m.withoutHeaders![name];
    const h = headerMatcher(name.toLowerCase(), sm);
    h.invert_match = true;
    if (!isPresentMatch(sm)) h.treat_missing_header_as_empty = true;
    headers.push(h);
  }
  headers.sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  if (m.method) headers.push(headerMatcher(':method', m.method));
  if (m.authority) headers.push(headerMatcher(':authority', m.authority));
  if (m.scheme) headers.push(headerMatcher(':scheme', m.scheme));
  if (headers.length > 0) out.headers = headers;

  const query: envoy_config_route_v3_QueryParameterMatcher[] = [];
  for (const name of sortedKeys(m.queryParams)) {
    const sm = m.queryParams![name];
    if (isPresentMatch(sm)) query.push({ name, present_match: true });
    else query.push({ name, string_match: stringMatcher(sm!) });
  }
  if (query.length > 0) out.query_parameters = query;
  return out;
}

/** Istio's catch-all test: prefix "/" (or regex ".*") with no header or query condition. */
export function isCatchAllMatch(m: envoy_config_route_v3_RouteMatch): boolean {
  const pathAll = m.prefix === '/' || m.safe_regex?.regex === '.*';
  return pathAll && !m.headers?.length && !m.query_parameters?.length;
}

/** A StringMatch Istio turns into present_match: none given, or the regex "*" (istio/istio#20629). */
function isPresentMatch(sm: StringMatch | undefined): boolean {
  if (!sm) return true;
  if (sm.exact === undefined && sm.prefix === undefined && sm.regex === undefined) return true;
  return sm.regex === '*';
}

function headerMatcher(name: string, sm: StringMatch | undefined): envoy_config_route_v3_HeaderMatcher {
  // An empty prefix matches any value, which is what present_match says (Envoy refuses an empty prefix).
  if (isPresentMatch(sm) || sm!.prefix === '') return { name, present_match: true };
  return { name, string_match: stringMatcher(sm!) };
}

/** Istio's StringMatch → Envoy's StringMatcher. */
export function stringMatcher(sm: StringMatch): envoy_type_matcher_v3_StringMatcher {
  if (sm.exact !== undefined) return { exact: sm.exact };
  if (sm.prefix !== undefined) return { prefix: sm.prefix };
  return { safe_regex: { regex: sm.regex ?? '' } };
}

/** Istio routes on JWT claims (@request.auth.claims.*) via dynamic metadata, which weft's proxy cannot match yet. */
function checkClaim(name: string, field: string): void {
  if (name.startsWith('@request.auth.claims')) {
    throw new UntranslatableMatch(field, `matching on JWT claims (${name}) is not yet supported by weft; the route is left out`);
  }
}
