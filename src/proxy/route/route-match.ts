// RouteMatch compiled into one object that answers "does this request match"
// with no per-request allocation beyond what RequestView caches. Path matchers
// compare the path without query string; prefix/path/path_separated_prefix
// honour case_sensitive, safe_regex ignores it (RE2 has (?i) for that).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_core_v3_RuntimeFractionalPercent, envoy_config_route_v3_RouteMatch } from '../../xds/gen/types.js';
import { DEFAULT_CASE_SENSITIVE } from './route-defaults.js';
import { decodeHeaderMatcher, HeaderCondition } from './route-match-header.js';
import { decodeQueryParameterMatcher, QueryCondition } from './route-match-query.js';
import { decodeRegexMatcher, fullMatchRegExp } from './re2-regex.js';
import { asciiLower, type RequestView } from './route-request.js';

export type PathMatchKind = 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix';

const PATH_SPECIFIERS = ['prefix', 'path', 'safe_regex', 'path_separated_prefix', 'connect_matcher', 'path_match_policy'] as const;

/** A route's fraction of traffic, decided by the request's random value. */
export interface RuntimeFraction {
  readonly numerator: number;
  readonly denominator: number;
}

/** Compiled RouteMatch. */
export class RouteMatcher {
  private readonly lowerValue: string;

  constructor(
    readonly kind: PathMatchKind,
    /** The prefix, path or path_separated_prefix as configured; the RE2 pattern for safe_regex. */
    readonly value: string,
    readonly caseSensitive: boolean,
    private readonly regex: RegExp | undefined,
    readonly headers: readonly HeaderCondition[],
    readonly queryParameters: readonly QueryCondition[],
    readonly grpc: boolean,
    readonly runtimeFraction: RuntimeFraction | undefined,
  ) {
    this.lowerValue = asciiLower(value);
  }

  /** Whether the request matches; `rand` is the request's random value (for runtime_fraction). */
  matches(v: RequestView, rand: number): boolean {
    if (!this.matchesPath(v)) return false;
    for (const h of this.headers) if (!h.matches(v)) return false;
    for (const q of this.queryParameters) if (!q.matches(v)) return false;
    if (this.grpc && !isGrpcContentType(v.req.headers.get('content-type'))) return false;
    if (this.runtimeFraction) {
      const f = this.runtimeFraction;
      if (rand % f.denominator >= f.numerator) return false;
    }
    return true;
  }

  private matchesPath(v: RequestView): boolean {
    switch (this.kind) {
      case 'prefix':
        return this.caseSensitive ? v.path.startsWith(this.value) : v.lowerPath.startsWith(this.lowerValue);
      case 'path':
        return this.caseSensitive ? v.path === this.value : v.lowerPath === this.lowerValue;
      case 'path_separated_prefix': {
        const p = this.caseSensitive ? v.path : v.lowerPath;
        const want = this.caseSensitive ? this.value : this.lowerValue;
        return p.startsWith(want) && (p.length === want.length || p.charCodeAt(want.length) === 0x2f /* / */);
      }
      case 'safe_regex':
        return this.regex!.test(v.path);
    }
  }

  /**
   * Length of the path that prefix_rewrite replaces: the prefix for prefix
   * matchers, the whole path for path and regex matchers.
   */
  matchedLength(v: RequestView): number {
    return this.kind === 'prefix' || this.kind === 'path_separated_prefix' ? this.value.length : v.path.length;
  }
}

/** gRPC as Envoy sees it: content-type exactly application/grpc or application/grpc+<subtype>. */
export function isGrpcContentType(ct: string | undefined): boolean {
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  return ct.length === 16 || ct.charCodeAt(16) === 0x2b /* + */;
}

/** Decodes a RouteMatch; undefined (errors reported) when unusable. */
export function decodeRouteMatch(m: envoy_config_route_v3_RouteMatch | undefined, path: string, errs: ConfigErrors): RouteMatcher | undefined {
  if (!m) {
    errs.required(path, 'match is required');
    return undefined;
  }
  checkSupported(m, path, errs, [
    'prefix', 'path', 'safe_regex', 'path_separated_prefix', 'case_sensitive',
    'headers', 'query_parameters', 'grpc', 'runtime_fraction',
  ]);
  let ok = true;
  const set = PATH_SPECIFIERS.filter((k) => m[k] !== undefined);
  if (set.length === 0) {
    errs.required(path, 'one of prefix, path, safe_regex, path_separated_prefix is required');
    ok = false;
  } else if (set.length > 1) {
    errs.error(path, `only one of prefix, path, safe_regex, path_separated_prefix may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    ok = false;
  }
  const kind = set.length === 1 ? set[0]! : undefined;
  let value = '';
  let regex: RegExp | undefined;
  switch (kind) {
    case 'prefix':
      value = m.prefix!;
      break;
    case 'path':
      value = m.path!;
      break;
    case 'path_separated_prefix': {
      value = m.path_separated_prefix!;
      if (!/^[^?#]+$/.test(value) || value.endsWith('/')) {
        errs.error(joinPath(path, 'path_separated_prefix'), 'must be non-empty, must not contain ? or # and must not end with /');
        ok = false;
      }
      break;
    }
    case 'safe_regex': {
      const p = decodeRegexMatcher(m.safe_regex, joinPath(path, 'safe_regex'), errs);
      if (p) {
        value = m.safe_regex!.regex!;
        regex = fullMatchRegExp(p);
      } else ok = false;
      break;
    }
    default:
      // connect_matcher / path_match_policy were reported by checkSupported.
      ok = false;
  }
  const headers: HeaderCondition[] = [];
  (m.headers ?? []).forEach((h, i) => {
    const c = decodeHeaderMatcher(h, joinPath(joinPath(path, 'headers'), i), errs);
    if (c) headers.push(c);
    else ok = false;
  });
  const query: QueryCondition[] = [];
  (m.query_parameters ?? []).forEach((q, i) => {
    const c = decodeQueryParameterMatcher(q, joinPath(joinPath(path, 'query_parameters'), i), errs);
    if (c) query.push(c);
    else ok = false;
  });
  checkSupported(m.grpc, joinPath(path, 'grpc'), errs, []);
  const fraction = decodeRuntimeFraction(m.runtime_fraction, joinPath(path, 'runtime_fraction'), errs);
  if (!ok || kind === undefined || kind === 'connect_matcher' || kind === 'path_match_policy') return undefined;
  const caseSensitive = m.case_sensitive?.value ?? DEFAULT_CASE_SENSITIVE;
  return new RouteMatcher(kind, value, caseSensitive, regex, headers, query, m.grpc !== undefined, fraction);
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

function decodeRuntimeFraction(r: envoy_config_core_v3_RuntimeFractionalPercent | undefined, path: string, errs: ConfigErrors): RuntimeFraction | undefined {
  if (!r) return undefined;
  // runtime_key is accepted: weft has no runtime layer, so the default value always applies.
  checkSupported(r, path, errs, ['default_value', 'runtime_key']);
  const d = r.default_value;
  if (!d) {
    errs.required(joinPath(path, 'default_value'), 'default_value is required');
    return undefined;
  }
  checkSupported(d, joinPath(path, 'default_value'), errs, ['numerator', 'denominator']);
  const denominator = DENOMINATORS[d.denominator ?? 'HUNDRED'] ?? 100;
  return { numerator: Math.min(d.numerator ?? 0, denominator), denominator };
}
