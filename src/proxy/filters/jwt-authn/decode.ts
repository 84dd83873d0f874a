// JwtAuthentication and PerRouteConfig (wire protos) → the domain types of
// settings.ts, with every problem reported at its field path. Fields weft
// does not implement are refused by name. local_jwks is read and parsed here
// (a JWKS with no usable key is a config error), so the data path only
// looks keys up.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type {
  envoy_extensions_filters_http_jwt_authn_v3_JwtAuthentication as JwtAuthenticationProto,
  envoy_extensions_filters_http_jwt_authn_v3_JwtProvider as JwtProviderProto,
  envoy_extensions_filters_http_jwt_authn_v3_JwtRequirement as JwtRequirementProto,
  envoy_extensions_filters_http_jwt_authn_v3_PerRouteConfig as PerRouteProto,
  envoy_extensions_filters_http_jwt_authn_v3_RemoteJwks as RemoteJwksProto,
} from '../../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../../config/support.js';
import { decodeRouteMatch } from '../../route/route-match.js';
import { decodeStringMatcher } from '../../route/string-matcher.js';
import { readDataSourceBytes } from '../common/data-source.js';
import { JWT_AUTHN_DEFAULTS } from './defaults.js';
import { parseJwks } from './jwks.js';
import { stripScheme } from './jwt.js';
import type { ClaimToHeader, JwtAuthnSettings, JwtPerRoute, ProviderSettings, RemoteJwksSettings, Requirement, RequirementRuleSettings, TokenLocation } from './settings.js';

const FILTER_FIELDS = ['providers', 'rules', 'requirement_map', 'bypass_cors_preflight'] as const;
const PROVIDER_FIELDS = [
  'issuer', 'audiences', 'subjects', 'require_expiration', 'max_lifetime', 'remote_jwks', 'local_jwks', 'forward',
  'from_headers', 'from_params', 'from_cookies', 'forward_payload_header', 'pad_forward_payload_header', 'payload_in_metadata',
  'normalize_payload_in_metadata', 'header_in_metadata', 'clock_skew_seconds', 'jwt_cache_config', 'claim_to_headers',
] as const;
const REQUIREMENT_KINDS = ['provider_name', 'provider_and_audiences', 'requires_any', 'requires_all', 'allow_missing_or_failed', 'allow_missing'] as const;
/** Header names a claim or payload may not be written to (Envoy refuses pseudo-headers and host). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;

/** The default token locations when a provider names none: `Authorization: Bearer <token>` and `?access_token=`. */
export const DEFAULT_LOCATIONS: readonly TokenLocation[] = [
  { kind: 'header', name: 'authorization', prefix: 'Bearer ', prefixIgnoreCase: true, id: 'header:authorization:Bearer ' },
  { kind: 'param', name: 'access_token', prefix: '', prefixIgnoreCase: false, id: 'param:access_token' },
];

export function decodeJwtAuthn(cfg: JwtAuthenticationProto, path: string, errs: ConfigErrors): JwtAuthnSettings | undefined {
  checkSupported(cfg, path, errs, FILTER_FIELDS);
  const before = errs.errors.length;
  const providers = new Map<string, ProviderSettings>();
  const pp = joinPath(path, 'providers');
  for (const [name, p] of Object.entries(cfg.providers ?? {})) {
    const s = decodeProvider(name, p, `${pp}["${name}"]`, errs);
    if (s) providers.set(name, s);
  }
  const known = new Set(Object.keys(cfg.providers ?? {}));
  const requirementMap = new Map<string, Requirement>();
  const mp = joinPath(path, 'requirement_map');
  for (const [name, r] of Object.entries(cfg.requirement_map ?? {})) {
    const req = decodeRequirement(r, `${mp}["${name}"]`, errs, known);
    if (req) requirementMap.set(name, req);
  }
  const rules: RequirementRuleSettings[] = [];
  (cfg.rules ?? []).forEach((r, i) => {
    const rp = joinPath(joinPath(path, 'rules'), i);
    checkSupported(r, rp, errs, ['match', 'requires', 'requirement_name']);
    const match = decodeRouteMatch(r.match, joinPath(rp, 'match'), errs);
    let requirement: Requirement | undefined;
    if (r.requires !== undefined && r.requirement_name !== undefined) errs.error(rp, 'only one of requires, requirement_name may be set', CFG.CONFLICT);
    else if (r.requires !== undefined) requirement = decodeRequirement(r.requires, joinPath(rp, 'requires'), errs, known);
    else if (r.requirement_name !== undefined) {
      requirement = requirementMap.get(r.requirement_name);
      if (!requirement && !(cfg.requirement_map && r.requirement_name in cfg.requirement_map)) {
        errs.error(joinPath(rp, 'requirement_name'), `Wrong requirement_name: ${r.requirement_name}. It should be one of [${Object.keys(cfg.requirement_map ?? {}).join(',')}]`, CFG.UNKNOWN_REFERENCE);
      }
    }
    if (match) rules.push({ match, requirement });
  });
  if (errs.errors.length > before) return undefined;
  return { providers, rules, requirementMap, bypassCorsPreflight: cfg.bypass_cors_preflight === true };
}

export function decodeJwtPerRoute(cfg: PerRouteProto, path: string, errs: ConfigErrors): JwtPerRoute | undefined {
  checkSupported(cfg, path, errs, ['disabled', 'requirement_name']);
  if (cfg.disabled !== undefined && cfg.requirement_name !== undefined) {
    errs.error(path, 'only one of disabled, requirement_name may be set', CFG.CONFLICT);
    return undefined;
  }
  if (cfg.disabled !== undefined) {
    if (cfg.disabled !== true) {
      errs.error(joinPath(path, 'disabled'), 'must be true when set');
      return undefined;
    }
    return { kind: 'disabled' };
  }
  if (cfg.requirement_name === undefined || cfg.requirement_name === '') {
    errs.required(path, 'one of disabled, requirement_name is required');
    return undefined;
  }
  return { kind: 'requirement', name: cfg.requirement_name };
}

function decodeRequirement(r: JwtRequirementProto, path: string, errs: ConfigErrors, providers: ReadonlySet<string>): Requirement | undefined {
  checkSupported(r, path, errs, REQUIREMENT_KINDS);
  const set = REQUIREMENT_KINDS.filter((k) => r[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of ${REQUIREMENT_KINDS.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  const provider = (name: string | undefined, p: string, audiences: readonly string[] | undefined): Requirement | undefined => {
    if (!name) {
      errs.required(p);
      return undefined;
    }
    if (!providers.has(name)) {
      errs.error(p, `Required provider ['${name}'] is not configured.`, CFG.UNKNOWN_REFERENCE);
      return undefined;
    }
    return { kind: 'provider', provider: name, audiences };
  };
  if (r.provider_name !== undefined) return provider(r.provider_name, joinPath(path, 'provider_name'), undefined);
  if (r.provider_and_audiences !== undefined) {
    const ap = joinPath(path, 'provider_and_audiences');
    checkSupported(r.provider_and_audiences, ap, errs, ['provider_name', 'audiences']);
    const auds = r.provider_and_audiences.audiences ?? [];
    // Envoy: an empty list keeps the provider's own audiences.
    return provider(r.provider_and_audiences.provider_name, joinPath(ap, 'provider_name'), auds.length > 0 ? auds.map(stripScheme) : undefined);
  }
  for (const kind of ['requires_any', 'requires_all'] as const) {
    const list = r[kind];
    if (list === undefined) continue;
    const lp = joinPath(path, kind);
    checkSupported(list, lp, errs, ['requirements']);
    const items = list.requirements ?? [];
    if (items.length < 2) errs.error(joinPath(lp, 'requirements'), 'at least 2 requirements are required');
    const children = items.map((c, i) => decodeRequirement(c, joinPath(joinPath(lp, 'requirements'), i), errs, providers));
    if (items.length < 2 || children.some((c) => !c)) return undefined;
    return { kind: kind === 'requires_any' ? 'any' : 'all', children: children as Requirement[] };
  }
  if (r.allow_missing !== undefined) return { kind: 'allow_missing' };
  if (r.allow_missing_or_failed !== undefined) return { kind: 'allow_missing_or_failed' };
  errs.required(path, `one of ${REQUIREMENT_KINDS.join(', ')} is required`);
  return undefined;
}

function headerName(name: string | undefined, path: string, errs: ConfigErrors): string | undefined {
  if (name === undefined || name === '') {
    errs.required(path);
    return undefined;
  }
  if (!HEADER_NAME.test(name)) {
    errs.error(path, `${JSON.stringify(name)} is not a valid header name`);
    return undefined;
  }
  return name.toLowerCase();
}

function decodeProvider(name: string, p: JwtProviderProto, path: string, errs: ConfigErrors): ProviderSettings | undefined {
  checkSupported(p, path, errs, PROVIDER_FIELDS);
  const before = errs.errors.length;
  if (p.local_jwks !== undefined && p.remote_jwks !== undefined) errs.error(path, 'only one of remote_jwks, local_jwks may be set', CFG.CONFLICT);
  if (p.local_jwks === undefined && p.remote_jwks === undefined) errs.required(path, 'one of remote_jwks, local_jwks is required');
  let localJwks;
  if (p.local_jwks !== undefined) {
    const lp = joinPath(path, 'local_jwks');
    const bytes = readDataSourceBytes(p.local_jwks, lp, errs, { required: true });
    if (bytes) {
      const r = parseJwks(bytes.toString('utf8'));
      if (r.ok) localJwks = r.jwks;
      else errs.error(lp, `invalid JWKS: ${r.error}`);
    }
  }
  const remoteJwks = p.remote_jwks !== undefined ? decodeRemoteJwks(p.remote_jwks, joinPath(path, 'remote_jwks'), errs) : undefined;
  const locations: TokenLocation[] = [];
  (p.from_headers ?? []).forEach((h, i) => {
    const hp = joinPath(joinPath(path, 'from_headers'), i);
    checkSupported(h, hp, errs, ['name', 'value_prefix']);
    const n = headerName(h.name, joinPath(hp, 'name'), errs);
    if (n) locations.push({ kind: 'header', name: n, prefix: h.value_prefix ?? '', prefixIgnoreCase: false, id: `header:${n}:${h.value_prefix ?? ''}` });
  });
  (p.from_params ?? []).forEach((q, i) => {
    if (q === '') errs.required(joinPath(joinPath(path, 'from_params'), i), 'a parameter name is required');
    else locations.push({ kind: 'param', name: q, prefix: '', prefixIgnoreCase: false, id: `param:${q}` });
  });
  (p.from_cookies ?? []).forEach((c, i) => {
    if (c === '') errs.required(joinPath(joinPath(path, 'from_cookies'), i), 'a cookie name is required');
    else locations.push({ kind: 'cookie', name: c, prefix: '', prefixIgnoreCase: false, id: `cookie:${c}` });
  });
  const claimToHeaders: ClaimToHeader[] = [];
  (p.claim_to_headers ?? []).forEach((c, i) => {
    const cp = joinPath(joinPath(path, 'claim_to_headers'), i);
    checkSupported(c, cp, errs, ['header_name', 'claim_name']);
    const h = headerName(c.header_name, joinPath(cp, 'header_name'), errs);
    if (!c.claim_name) errs.required(joinPath(cp, 'claim_name'));
    else if (h) claimToHeaders.push({ header: h, claimPath: c.claim_name.split('.') });
  });
  const forwardPayloadHeader = p.forward_payload_header !== undefined ? headerName(p.forward_payload_header, joinPath(path, 'forward_payload_header'), errs) : undefined;
  let subjects;
  if (p.subjects !== undefined) subjects = decodeStringMatcher(p.subjects, joinPath(path, 'subjects'), errs);
  let maxLifetimeSeconds: number | undefined;
  if (p.max_lifetime !== undefined) {
    const ms = durationMs(p.max_lifetime);
    if (ms === undefined || ms <= 0) errs.error(joinPath(path, 'max_lifetime'), 'must be greater than 0s');
    else maxLifetimeSeconds = ms / 1000;
  }
  let spaceDelimitedClaims: string[] = [];
  if (p.normalize_payload_in_metadata !== undefined) {
    const np = joinPath(path, 'normalize_payload_in_metadata');
    checkSupported(p.normalize_payload_in_metadata, np, errs, ['space_delimited_claims']);
    spaceDelimitedClaims = p.normalize_payload_in_metadata.space_delimited_claims ?? [];
  }
  let jwtCacheSize: number = JWT_AUTHN_DEFAULTS.jwtCacheSize;
  if (p.jwt_cache_config !== undefined) {
    const jp = joinPath(path, 'jwt_cache_config');
    checkSupported(p.jwt_cache_config, jp, errs, ['jwt_cache_size']);
    // Envoy: 0 means the default size.
    if (p.jwt_cache_config.jwt_cache_size) jwtCacheSize = p.jwt_cache_config.jwt_cache_size;
  }
  if (errs.errors.length > before) return undefined;
  return {
    name,
    issuer: p.issuer ?? '',
    audiences: (p.audiences ?? []).map(stripScheme),
    subjects,
    requireExpiration: p.require_expiration === true,
    maxLifetimeSeconds,
    localJwks,
    remoteJwks,
    forward: p.forward === true,
    locations: locations.length > 0 ? locations : DEFAULT_LOCATIONS,
    forwardPayloadHeader,
    padForwardPayloadHeader: p.pad_forward_payload_header === true,
    payloadInMetadata: p.payload_in_metadata || undefined,
    headerInMetadata: p.header_in_metadata || undefined,
    spaceDelimitedClaims,
    // A plain uint32 in Envoy: 0 (unset) means the default.
    clockSkewSeconds: p.clock_skew_seconds || JWT_AUTHN_DEFAULTS.clockSkewSeconds,
    jwtCacheSize,
    claimToHeaders,
  };
}

function decodeRemoteJwks(r: RemoteJwksProto, path: string, errs: ConfigErrors): RemoteJwksSettings | undefined {
  checkSupported(r, path, errs, ['http_uri', 'cache_duration', 'async_fetch', 'retry_policy']);
  const hp = joinPath(path, 'http_uri');
  const h = r.http_uri;
  if (!h) {
    errs.required(hp);
    return undefined;
  }
  checkSupported(h, hp, errs, ['uri', 'cluster', 'timeout']);
  let url: URL | undefined;
  if (!h.uri) errs.required(joinPath(hp, 'uri'));
  else {
    try {
      url = new URL(h.uri);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    } catch {
      errs.error(joinPath(hp, 'uri'), `${JSON.stringify(h.uri)} is not an http or https URI`);
      url = undefined;
    }
  }
  if (!h.cluster) errs.required(joinPath(hp, 'cluster'));
  const timeoutMs = durationMs(h.timeout);
  if (timeoutMs === undefined) errs.required(joinPath(hp, 'timeout'));
  else if (timeoutMs <= 0) errs.error(joinPath(hp, 'timeout'), 'must be greater than 0s');
  const cacheDurationMs = durationMs(r.cache_duration, JWT_AUTHN_DEFAULTS.jwksCacheDurationMs);
  if (cacheDurationMs <= 0) errs.error(joinPath(path, 'cache_duration'), 'must be greater than 0s');
  let asyncFetch: RemoteJwksSettings['asyncFetch'];
  if (r.async_fetch !== undefined) {
    const ap = joinPath(path, 'async_fetch');
    checkSupported(r.async_fetch, ap, errs, ['fast_listener', 'failed_refetch_duration']);
    // weft never holds a listener back for a JWKS fetch (fast_listener's behaviour): said, not silently changed.
    if (r.async_fetch.fast_listener !== true) errs.warn(joinPath(ap, 'fast_listener'), 'weft does not hold the listener until the first JWKS fetch ends: it behaves as fast_listener: true (the first requests wait for the fetch)');
    asyncFetch = { failedRefetchMs: durationMs(r.async_fetch.failed_refetch_duration, JWT_AUTHN_DEFAULTS.failedRefetchMs) };
  }
  let numRetries = 0;
  let retryBaseMs = 1000;
  let retryMaxMs = 10_000;
  if (r.retry_policy !== undefined) {
    const rp = joinPath(path, 'retry_policy');
    checkSupported(r.retry_policy, rp, errs, ['num_retries', 'retry_back_off']);
    // Envoy: a retry_policy without num_retries retries once.
    numRetries = wrapped(r.retry_policy.num_retries, 1);
    const b = r.retry_policy.retry_back_off;
    if (b) {
      const bp = joinPath(rp, 'retry_back_off');
      checkSupported(b, bp, errs, ['base_interval', 'max_interval']);
      retryBaseMs = durationMs(b.base_interval, retryBaseMs);
      retryMaxMs = durationMs(b.max_interval, retryBaseMs * 10);
      if (retryMaxMs < retryBaseMs) errs.error(joinPath(bp, 'max_interval'), 'must be at least base_interval');
    }
  }
  if (!url || !h.cluster || timeoutMs === undefined || timeoutMs <= 0 || cacheDurationMs <= 0) return undefined;
  return {
    uri: h.uri!, cluster: h.cluster, authority: url.host, path: `${url.pathname}${url.search}`, timeoutMs, cacheDurationMs,
    asyncFetch, numRetries, retryBaseMs, retryMaxMs,
  };
}
