// envoy.extensions.filters.http.cors.v3.CorsPolicy (typed_per_filter_config
// of a route, virtual host or route table) decoded into an immutable policy.
// The filter's own config (Cors) has no fields.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeStringMatcher, type StringPredicate } from '../../route/string-matcher.js';
import type { AnyMessage, envoy_extensions_filters_http_cors_v3_CorsPolicy } from '../../../xds/gen/types.js';
import { runtimeFraction } from '../local-ratelimit/decode-http.js';
import { DEFAULT_FILTER_ENABLED, DEFAULT_FORWARD_NOT_MATCHING_PREFLIGHTS, DEFAULT_SHADOW_ENABLED } from './defaults.js';

/** The policy a request gets: each field from the most specific level that sets it. */
export interface EffectiveCors {
  readonly allowOrigins: readonly StringPredicate[];
  readonly allowMethods: string | undefined;
  readonly allowHeaders: string | undefined;
  readonly exposeHeaders: string | undefined;
  readonly maxAge: string | undefined;
  readonly allowCredentials: boolean;
  readonly allowPrivateNetworkAccess: boolean;
  readonly forwardNotMatchingPreflights: boolean;
  readonly filterEnabled: number;
  readonly shadowEnabled: number;
}

/** Merges levels (most specific first, at least one) field by field, as Envoy's CORS filter reads them. */
export function mergeCorsPolicies(levels: readonly CorsPolicy[]): EffectiveCors {
  const first = <K extends keyof CorsPolicy>(k: K): CorsPolicy[K] | undefined => levels.find((l) => l[k] !== undefined)?.[k];
  return {
    allowOrigins: levels.find((l) => l.allowOrigins.length > 0)?.allowOrigins ?? [],
    allowMethods: first('allowMethods'),
    allowHeaders: first('allowHeaders'),
    exposeHeaders: first('exposeHeaders'),
    maxAge: first('maxAge'),
    allowCredentials: first('allowCredentials') ?? false,
    allowPrivateNetworkAccess: first('allowPrivateNetworkAccess') ?? false,
    forwardNotMatchingPreflights: first('forwardNotMatchingPreflights') ?? DEFAULT_FORWARD_NOT_MATCHING_PREFLIGHTS,
    filterEnabled: levels[0]!.filterEnabled,
    shadowEnabled: levels[0]!.shadowEnabled,
  };
}

/**
 * One level's policy. Unset fields stay undefined: as in Envoy, each field is
 * taken from the most specific level (route, then virtual host) that sets it.
 */
export interface CorsPolicy {
  readonly allowOrigins: readonly StringPredicate[];
  readonly allowMethods: string | undefined;
  readonly allowHeaders: string | undefined;
  readonly exposeHeaders: string | undefined;
  readonly maxAge: string | undefined;
  readonly allowCredentials: boolean | undefined;
  readonly allowPrivateNetworkAccess: boolean | undefined;
  readonly forwardNotMatchingPreflights: boolean | undefined;
  /** Probabilities in [0, 1] (runtime keys are not read: the default values apply); only the most specific level's count. */
  readonly filterEnabled: number;
  readonly shadowEnabled: number;
}

/** The filter's config message has no fields; anything set is refused. */
export function decodeCors(cfg: AnyMessage, path: string, errs: ConfigErrors): Record<string, never> | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, []);
  return errs.errors.length > before ? undefined : {};
}

export function decodeCorsPolicy(cfg: AnyMessage, path: string, errs: ConfigErrors): CorsPolicy | undefined {
  const p = cfg as envoy_extensions_filters_http_cors_v3_CorsPolicy;
  const before = errs.errors.length;
  checkSupported(p, path, errs, [
    'allow_origin_string_match', 'allow_methods', 'allow_headers', 'expose_headers', 'max_age', 'allow_credentials',
    'filter_enabled', 'shadow_enabled', 'allow_private_network_access', 'forward_not_matching_preflights',
  ]);
  const allowOrigins: StringPredicate[] = [];
  (p.allow_origin_string_match ?? []).forEach((m, i) => {
    const pred = decodeStringMatcher(m, joinPath(joinPath(path, 'allow_origin_string_match'), i), errs);
    if (pred) allowOrigins.push(pred);
  });
  if (p.max_age !== undefined && p.max_age !== '' && !/^\d+$/.test(p.max_age)) errs.error(joinPath(path, 'max_age'), `must be a number of seconds (got ${JSON.stringify(p.max_age)})`);
  const filterEnabled = runtimeFraction(p.filter_enabled, joinPath(path, 'filter_enabled'), errs, DEFAULT_FILTER_ENABLED);
  const shadowEnabled = runtimeFraction(p.shadow_enabled, joinPath(path, 'shadow_enabled'), errs, DEFAULT_SHADOW_ENABLED);
  if (errs.errors.length > before) return undefined;
  const str = (v: string | undefined) => (v ? v : undefined);
  return {
    allowOrigins,
    allowMethods: str(p.allow_methods),
    allowHeaders: str(p.allow_headers),
    exposeHeaders: str(p.expose_headers),
    maxAge: str(p.max_age),
    allowCredentials: p.allow_credentials === undefined ? undefined : p.allow_credentials.value === true,
    allowPrivateNetworkAccess: p.allow_private_network_access === undefined ? undefined : p.allow_private_network_access.value === true,
    forwardNotMatchingPreflights: p.forward_not_matching_preflights === undefined ? undefined : p.forward_not_matching_preflights.value === true,
    filterEnabled,
    shadowEnabled,
  };
}
