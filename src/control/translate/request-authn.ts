// RequestAuthentication → Envoy's jwt_authn HTTP filter
// (envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication), as Istio
// builds it (pilot/pkg/security/authn policy_applier.go): the JWT rules of
// every policy that applies to the proxy's workload, sorted by issuer, one
// provider `origins-<i>` each; keys inline (the rule's `jwks`, or the keys
// the control plane fetched from `jwksUri`); and a requirement on every path
// that lets a request without a token pass and answers a bad token with 401:
//   one provider:  requires_any [origins-0, allow_missing]
//   several:       requires_any [origins-0, …, origins-n,
//                                requires_all [ any[origins-i, allow_missing] … ]]
// Every provider writes its verified payload to the filter's dynamic metadata
// under key "payload" (JWT_PAYLOAD_METADATA_KEY): the RBAC matchers that
// AuthorizationPolicy's requestPrincipals and request.auth.* compile to read
// it there.
import type { JwtRule, RequestAuthentication } from '../../api/security.js';
import type { JwtKeyResolver } from '../model/jwt-key-resolver.js';
import type { Accepted } from '../model/types.js';
import { parseDurationMs } from '../model/duration.js';
import type {
  envoy_extensions_filters_http_jwt_authn_v3_JwtAuthentication as JwtAuthentication,
  envoy_extensions_filters_http_jwt_authn_v3_JwtProvider as JwtProvider,
  envoy_extensions_filters_http_jwt_authn_v3_JwtRequirement as JwtRequirement,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter as HttpFilter,
} from '../../xds/gen/types.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';
import { anyOf } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';

export const JWT_AUTHN_FILTER_NAME = 'envoy.filters.http.jwt_authn';
export const JWT_AUTHN_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
/** The dynamic-metadata key (namespace envoy.filters.http.jwt_authn) of the verified payload: the contract with AuthorizationPolicy's RBAC matchers. */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';
/** How long the control plane waits for a jwksUri when the rule sets no `timeout` (Istio's default, 5 s). */
export const DEFAULT_JWKS_FETCH_TIMEOUT_MS = 5000;

/**
 * A JWK Set no token verifies against: one RSA public key whose private key
 * was discarded when it was generated. A provider whose keys the control
 * plane cannot fetch gets it, so tokens of that issuer fail (401) instead of
 * passing unchecked, as Istio does with its own fake key.
 */
export const UNVERIFIABLE_JWKS = JSON.stringify({
  keys: [{
    kty: 'RSA',
    e: 'AQAB',
    kid: 'weft-unverifiable',
    alg: 'RS256',
    n: 'to3sA0cs2fbQHihpYeYUIhfyTn56kqJFZ2Ygdb3yxX8djdmWeH8cFr2AMNFbc95DccrjXJnpbqpZjnHvXsG_hRzlt4SSEIyqfY_yIEFYM5O62tflfS6OUX6DRlQPoL1sB1GPNYFoTlDfaYToomJFXCEqlKyHGp5CdylqdUJvRfnr8RTbrzw2nAIMLwGrrbK44IEB0-pH7KvQNV5fSWxTaw_16UrIDT7WJITGAJKOFRtMqAJJszwo9LZuYJf6_-HZ1vXIoajL46u2UuYyHsQ9P3f4uvbWovS_aTyJfc_qi_zs66faf6IW6hJjX0Kunusg-9jgpd5Pyhp8fsAO8Ec1WQ',
  }],
});

/** One JWT rule with the policy it came from (for messages). */
export interface SourcedJwtRule {
  readonly rule: JwtRule;
  /** "RequestAuthentication name.namespace" */
  readonly policy: string;
  /** Field path of the rule in its policy, e.g. spec.jwtRules[0]. */
  readonly path: string;
}

/**
 * The jwt_authn filter for the proxy's inbound HTTP (sidecar inbound chains,
 * gateway servers), or none when no RequestAuthentication applies. The HCM's
 * filters are `[...authzCustom, ...jwtAuthnFilters(ctx), ...authzRbac, ...]`.
 */
export function jwtAuthnFilters(ctx: TranslateContext): HttpFilter[] {
  const policies = ctx.push.requestAuthentications(ctx.proxy.namespace, ctx.proxy.labels);
  if (policies.length === 0) return [];
  const config = translateJwtAuthentication(jwtRulesOf(policies), ctx.push.jwtKeyResolver, ctx.messages);
  return config ? [{ name: JWT_AUTHN_FILTER_NAME, typed_config: anyOf(JWT_AUTHN_TYPE_URL, config) }] : [];
}

/** Every policy's rules, sorted by issuer (stable: equal issuers keep policy order), as Istio sorts them. */
export function jwtRulesOf(policies: readonly Accepted<RequestAuthentication>[]): SourcedJwtRule[] {
  const out: SourcedJwtRule[] = [];
  for (const p of policies) (p.obj.spec?.jwtRules ?? []).forEach((rule, i) => out.push({ rule, policy: p.key, path: `spec.jwtRules[${i}]` }));
  return out.sort((a, b) => {
    const x = a.rule.issuer ?? '';
    const y = b.rule.issuer ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The filter config for `rules` (already in provider order); undefined when there are none. Pure but for the resolver's cache read. */
export function translateJwtAuthentication(rules: readonly SourcedJwtRule[], resolver: JwtKeyResolver | undefined, messages: MessageCollector): JwtAuthentication | undefined {
  if (rules.length === 0) return undefined;
  const providers: Record<string, JwtProvider> = {};
  const eachOptional: JwtRequirement[] = [];
  const anyProvider: JwtRequirement[] = [];
  rules.forEach((r, i) => {
    const name = `origins-${i}`;
    providers[name] = buildProvider(r, resolver, messages);
    eachOptional.push({ requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] } });
    anyProvider.push({ provider_name: name });
  });
  const requires: JwtRequirement = eachOptional.length === 1
    ? eachOptional[0]!
    : { requires_any: { requirements: [...anyProvider, { requires_all: { requirements: eachOptional } }] } };
  return { providers, rules: [{ match: { prefix: '/' }, requires }], bypass_cors_preflight: true };
}

function buildProvider(s: SourcedJwtRule, resolver: JwtKeyResolver | undefined, messages: MessageCollector): JwtProvider {
  const r = s.rule;
  const p: JwtProvider = {};
  if (r.issuer) p.issuer = r.issuer;
  if (r.audiences?.length) p.audiences = [...r.audiences];
  p.local_jwks = { inline_string: keysOf(s, resolver, messages) };
  if (r.forwardOriginalToken) p.forward = true;
  if (r.fromHeaders?.length) p.from_headers = r.fromHeaders.map((h) => ({ name: h.name, ...(h.prefix ? { value_prefix: h.prefix } : {}) }));
  if (r.fromParams?.length) p.from_params = [...r.fromParams];
  if (r.fromCookies?.length) p.from_cookies = [...r.fromCookies];
  if (r.outputPayloadToHeader) p.forward_payload_header = r.outputPayloadToHeader;
  p.payload_in_metadata = JWT_PAYLOAD_METADATA_KEY;
  if (r.outputClaimToHeaders?.length) p.claim_to_headers = r.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  return p;
}

/** The rule's JWK Set: inline `jwks`, else the fetched keys of `jwksUri`, else the unverifiable set (with a message). */
function keysOf(s: SourcedJwtRule, resolver: JwtKeyResolver | undefined, messages: MessageCollector): string {
  const r = s.rule;
  if (r.jwks) return r.jwks;
  if (!r.jwksUri) {
    messages.warn(MESSAGE_CODES.JWKS_UNAVAILABLE, s.policy, s.path,
      `JWT rule for issuer "${r.issuer ?? ''}" has neither jwks nor jwksUri: weft does not discover keys (OpenID discovery); every token of this issuer is rejected (401)`);
    return UNVERIFIABLE_JWKS;
  }
  const timeout = parseDurationMs(r.timeout) ?? DEFAULT_JWKS_FETCH_TIMEOUT_MS;
  const found = resolver ? resolver.lookup(r.jwksUri, timeout) : ({ state: 'failed', reason: 'this control plane fetches no JWKS' } as const);
  if (found.state === 'ready') return found.jwks;
  const why = found.state === 'pending' ? 'the first fetch has not finished (a push follows when it does)' : found.reason;
  messages.warn(MESSAGE_CODES.JWKS_UNAVAILABLE, s.policy, `${s.path}.jwksUri`,
    `no keys for jwksUri ${r.jwksUri}: ${why}; until they arrive every token of issuer "${r.issuer ?? ''}" is rejected (401)`);
  return UNVERIFIABLE_JWKS;
}
