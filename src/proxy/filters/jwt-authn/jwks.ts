// A JWKS (RFC 7517) or a PEM public key turned into verification keys once,
// when config or a remote fetch delivers it: the data path only looks keys
// up by kid and alg. Keys node:crypto cannot import are skipped (as Envoy
// skips keys it cannot parse); a set with no usable key is an error.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { JwtStatus } from './defaults.js';

/** The JWS algorithms weft verifies. */
export type JwtAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'HS256' | 'HS384' | 'HS512';

export const SUPPORTED_ALGS: ReadonlySet<string> = new Set<JwtAlg>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512']);

export interface JwkKey {
  readonly kid: string | undefined;
  /** The key's own `alg`, when the JWK names one: it then only verifies that algorithm. */
  readonly alg: string | undefined;
  /** RSA, EC, OKP or oct. */
  readonly kty: string;
  /** EC and OKP curve (P-256, P-384, P-521, Ed25519). */
  readonly crv: string | undefined;
  readonly key: KeyObject;
}

export interface Jwks {
  readonly keys: readonly JwkKey[];
}

export type JwksParseResult = { ok: true; jwks: Jwks } | { ok: false; error: string };

/** Parses a JWKS JSON document or a PEM public key (Envoy's local_jwks accepts both). */
export function parseJwks(text: string): JwksParseResult {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return parsePem(t);
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return { ok: false, error: 'Jwks is an invalid JSON' };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { ok: false, error: 'Jwks is an invalid JSON' };
  const keys = (doc as { keys?: unknown }).keys;
  if (keys === undefined) return { ok: false, error: 'Jwks does not have [keys] field' };
  if (!Array.isArray(keys)) return { ok: false, error: '[keys] in Jwks is not an array' };
  const out: JwkKey[] = [];
  for (const k of keys) {
    const key = importJwk(k);
    if (key) out.push(key);
  }
  if (out.length === 0) return { ok: false, error: JwtStatus.JwksNoValidKeys };
  return { ok: true, jwks: { keys: out } };
}

function importJwk(k: unknown): JwkKey | undefined {
  if (k === null || typeof k !== 'object') return undefined;
  const j = k as Record<string, unknown>;
  const kty = j.kty;
  if (typeof kty !== 'string') return undefined;
  const kid = typeof j.kid === 'string' ? j.kid : undefined;
  const alg = typeof j.alg === 'string' ? j.alg : undefined;
  const crv = typeof j.crv === 'string' ? j.crv : undefined;
  if (alg !== undefined && !algFitsKey(alg, kty, crv)) return undefined;
  try {
    if (kty === 'oct') {
      if (typeof j.k !== 'string') return undefined;
      return { kid, alg, kty, crv, key: createSecretKey(Buffer.from(j.k, 'base64url')) };
    }
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return undefined;
    if (kty === 'OKP' && crv !== 'Ed25519') return undefined;
    // Only the public members: a private JWK must not turn into a private key here.
    const pub: Record<string, unknown> = { kty };
    for (const f of ['n', 'e', 'crv', 'x', 'y']) if (j[f] !== undefined) pub[f] = j[f];
    return { kid, alg, kty, crv, key: createPublicKey({ key: pub as never, format: 'jwk' }) };
  } catch {
    return undefined;
  }
}

function parsePem(pem: string): JwksParseResult {
  try {
    const key = createPublicKey(pem);
    const t = key.asymmetricKeyType;
    const details = key.asymmetricKeyDetails;
    if (t === 'rsa' || t === 'rsa-pss') return { ok: true, jwks: { keys: [{ kid: undefined, alg: undefined, kty: 'RSA', crv: undefined, key }] } };
    if (t === 'ec') {
      const crv = details?.namedCurve === 'prime256v1' ? 'P-256' : details?.namedCurve === 'secp384r1' ? 'P-384' : details?.namedCurve === 'secp521r1' ? 'P-521' : undefined;
      if (!crv) return { ok: false, error: 'PEM Key type is not supported' };
      return { ok: true, jwks: { keys: [{ kid: undefined, alg: undefined, kty: 'EC', crv, key }] } };
    }
    if (t === 'ed25519') return { ok: true, jwks: { keys: [{ kid: undefined, alg: undefined, kty: 'OKP', crv: 'Ed25519', key }] } };
    return { ok: false, error: 'PEM Key type is not supported' };
  } catch {
    return { ok: false, error: 'PEM pubkey parse fails' };
  }
}

/** Whether a key of this type (and curve) can verify `alg`. */
export function algFitsKey(alg: string, kty: string, crv: string | undefined): boolean {
  switch (alg) {
    case 'RS256': case 'RS384': case 'RS512': case 'PS256': case 'PS384': case 'PS512':
      return kty === 'RSA';
    case 'ES256': return kty === 'EC' && (crv === undefined || crv === 'P-256');
    case 'ES384': return kty === 'EC' && (crv === undefined || crv === 'P-384');
    case 'ES512': return kty === 'EC' && (crv === undefined || crv === 'P-521');
    case 'EdDSA': return kty === 'OKP';
    case 'HS256': case 'HS384': case 'HS512': return kty === 'oct';
    default: return false;
  }
}
