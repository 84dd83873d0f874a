// RequestAuthentication (security.istio.io v1/v1beta1): the spec's schema and
// Istio's ValidateRequestAuthentication / validateJwtRule rules
// (pkg/config/validation): a workload selector without wildcards; per JWT
// rule an issuer, non-empty audiences, a jwksUri that is an http(s) URL, a
// jwks that parses as a JWK Set, non-empty token locations, and
// outputClaimToHeaders with a valid header and a claim. targetRef/targetRefs
// (Gateway API attachment) are refused by name: weft has no Gateway API.
import { createPublicKey } from 'node:crypto';
import type { JwtRule, RequestAuthenticationSpec } from '../../api/security.js';
import { checkWorkloadSelector, each } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { bool, duration, isPlainObject, list, map, obj, str, unsupportedField, type Shape } from './schema.js';

const jwtRule = obj({
  issuer: str,
  audiences: list(str),
  jwksUri: str,
  jwks: str,
  fromHeaders: list(obj({ name: str, prefix: str })),
  fromParams: list(str),
  fromCookies: list(str),
  outputPayloadToHeader: str,
  forwardOriginalToken: bool,
  outputClaimToHeaders: list(obj({ header: str, claim: str })),
  timeout: duration,
});

const NO_GATEWAY_API = 'weft has no Kubernetes Gateway API resources to attach a policy to; use selector.matchLabels';

/** The spec schema (strict: unknown fields are refused, as Istio's CRD does). */
export const REQUEST_AUTHENTICATION_SCHEMA: Shape = obj({
  selector: obj({ matchLabels: map(str) }),
  targetRef: unsupportedField(NO_GATEWAY_API),
  targetRefs: unsupportedField(NO_GATEWAY_API),
  jwtRules: list(jwtRule),
});

/** Istio's semantic rules on a schema-checked spec; every problem is reported. */
export function validateRequestAuthentication(spec: RequestAuthenticationSpec, r: Reporter): void {
  const sel = spec.selector;
  checkWorkloadSelector(sel?.matchLabels, sel !== undefined, 'spec.selector', r, 'matchLabels');
  each(spec.jwtRules, (rule, i) => validateJwtRule(rule, childPath('spec.jwtRules', i), r));
}

function validateJwtRule(rule: JwtRule, path: string, r: Reporter): void {
  if (rule.issuer === undefined || rule.issuer === '') r.report('WEFT0012', childPath(path, 'issuer'), 'issuer must be set');
  each(rule.audiences, (a, i) => {
    if (a === '') r.report('WEFT0107', childPath(childPath(path, 'audiences'), i), 'audience must be non-empty string');
  });
  if (rule.jwksUri !== undefined && rule.jwksUri !== '') {
    const err = checkJwksUri(rule.jwksUri);
    if (err) r.report('WEFT0125', childPath(path, 'jwksUri'), err);
  }
  if (rule.jwks !== undefined && rule.jwks !== '') {
    const err = checkJwks(rule.jwks);
    if (err) r.report('WEFT0125', childPath(path, 'jwks'), `jwks parse error: ${err}`);
    if (rule.jwksUri) r.report('WEFT0152', childPath(path, 'jwksUri'), 'both jwks and jwksUri are set: the inline jwks is used and jwksUri is not fetched');
  }
  each(rule.fromHeaders, (h, i) => {
    const p = childPath(childPath(path, 'fromHeaders'), i);
    if (!h.name) r.report('WEFT0107', childPath(p, 'name'), 'location header name must be non-empty string');
    else headerName(h.name, childPath(p, 'name'), r);
  });
  each(rule.fromParams, (q, i) => {
    if (q === '') r.report('WEFT0107', childPath(childPath(path, 'fromParams'), i), 'location query must be non-empty string');
  });
  each(rule.fromCookies, (c, i) => {
    if (c === '') r.report('WEFT0107', childPath(childPath(path, 'fromCookies'), i), 'cookie name must be non-empty string');
  });
  if (rule.outputPayloadToHeader) headerName(rule.outputPayloadToHeader, childPath(path, 'outputPayloadToHeader'), r);
  each(rule.outputClaimToHeaders, (c, i) => {
    const p = childPath(childPath(path, 'outputClaimToHeaders'), i);
    if (!c.header || !c.claim) {
      r.report('WEFT0107', p, 'outputClaimToHeaders header and claim value must be non-empty string');
      return;
    }
    headerName(c.header, childPath(p, 'header'), r);
  });
}

/** An HTTP header name (RFC 7230 token), as Istio's ValidateStrictHTTPHeaderName. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(name: string, path: string, r: Reporter): void {
  if (!HEADER_TOKEN.test(name)) r.report('WEFT0104', path, `header name "${name}" is not a valid HTTP header name`);
}

/** Istio's ParseJwksURI: an absolute http or https URL with a host. Returns the problem, or undefined. */
export function checkJwksUri(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `jwksUri "${uri}" is not a valid URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `jwksUri "${uri}" has unsupported scheme "${u.protocol.slice(0, -1)}": only http and https are supported`;
  if (u.hostname === '') return `jwksUri "${uri}" has no host`;
  return undefined;
}

/**
 * Whether `text` is a JWK Set (or one JWK, as Istio's jwk.Parse accepts)
 * whose every key is a public key Node can load. Returns the problem, or
 * undefined when it parses.
 */
export function checkJwks(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message})`;
  }
  if (!isPlainObject(doc)) return 'a JWKS must be a JSON object';
  const keys = Array.isArray(doc.keys) ? doc.keys : doc.keys === undefined && typeof doc.kty === 'string' ? [doc] : undefined;
  if (!keys) return 'a JWKS must have a "keys" list';
  if (keys.length === 0) return 'the JWKS has no keys';
  for (let i = 0; i < keys.length; i++) {
    const k: unknown = keys[i];
    if (!isPlainObject(k) || typeof k.kty !== 'string') return `keys[${i}] has no "kty"`;
    if (k.kty === 'oct') continue; // a symmetric key: valid JWK, Envoy accepts it for HS* tokens
    try {
      createPublicKey({ key: k as never, format: 'jwk' });
    } catch (e) {
      return `keys[${i}] (kty ${k.kty}) is not a valid public key: ${(e as Error).message}`;
    }
  }
  return undefined;
}
