// One compact JWS (RFC 7515) as Envoy's jwt_verify_lib reads it: three
// base64url sections, a JSON header with a supported `alg`, a JSON payload
// whose registered claims have the right types. Signature and time checks
// are separate steps so a cached token skips the first and never the second.
import { createHmac, constants, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { JwtStatus, type JwtStatusText } from './defaults.js';
import { algFitsKey, SUPPORTED_ALGS, type Jwks, type JwkKey } from './jwks.js';

export interface Jwt {
  /** The token as sent. */
  readonly token: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The payload section as sent (base64url, unpadded): what forward_payload_header carries. */
  readonly payloadB64: string;
  readonly alg: string;
  readonly kid: string | undefined;
  readonly iss: string;
  readonly sub: string;
  readonly audiences: readonly string[];
  /** Seconds since the epoch; 0 when the claim is absent (as Envoy keeps them). */
  readonly exp: number;
  readonly nbf: number;
  readonly iat: number;
  /** `<header>.<payload>` bytes: what the signature covers. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeSection(s: string): Buffer | undefined {
  if (!B64URL.test(s)) return undefined;
  return Buffer.from(s, 'base64url');
}

function parseJsonObject(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function intClaim(v: unknown): number | undefined {
  if (v === undefined) return 0;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** Parses a token; a string is the failure status (Envoy's wording). */
export function parseJwt(token: string): Jwt | JwtStatusText {
  const d1 = token.indexOf('.');
  const d2 = d1 < 0 ? -1 : token.indexOf('.', d1 + 1);
  if (d1 < 0 || d2 < 0 || token.indexOf('.', d2 + 1) >= 0) return JwtStatus.JwtBadFormat;
  const hb = decodeSection(token.slice(0, d1));
  if (!hb) return JwtStatus.JwtHeaderParseErrorBadBase64;
  const header = parseJsonObject(hb);
  if (!header) return JwtStatus.JwtHeaderParseErrorBadJson;
  const alg = header.alg;
  if (typeof alg !== 'string') return JwtStatus.JwtHeaderBadAlg;
  if (!SUPPORTED_ALGS.has(alg)) return JwtStatus.JwtHeaderNotImplementedAlg;
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') return JwtStatus.JwtHeaderBadKid;
  const payloadB64 = token.slice(d1 + 1, d2);
  const pb = decodeSection(payloadB64);
  if (!pb) return JwtStatus.JwtPayloadParseErrorBadBase64;
  const payload = parseJsonObject(pb);
  if (!payload) return JwtStatus.JwtPayloadParseErrorBadJson;
  const iss = payload.iss ?? '';
  if (typeof iss !== 'string') return JwtStatus.JwtPayloadParseErrorIssNotString;
  const sub = payload.sub ?? '';
  if (typeof sub !== 'string') return JwtStatus.JwtPayloadParseErrorSubNotString;
  const iat = intClaim(payload.iat);
  if (iat === undefined) return JwtStatus.JwtPayloadParseErrorIatNotInteger;
  const nbf = intClaim(payload.nbf);
  if (nbf === undefined) return JwtStatus.JwtPayloadParseErrorNbfNotInteger;
  const exp = intClaim(payload.exp);
  if (exp === undefined) return JwtStatus.JwtPayloadParseErrorExpNotInteger;
  if (payload.jti !== undefined && typeof payload.jti !== 'string') return JwtStatus.JwtPayloadParseErrorJtiNotString;
  let audiences: string[];
  const aud = payload.aud;
  if (aud === undefined) audiences = [];
  else if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) audiences = aud as string[];
  else return JwtStatus.JwtPayloadParseErrorAudNotString;
  const sig = decodeSection(token.slice(d2 + 1));
  if (!sig) return JwtStatus.JwtSignatureParseErrorBadBase64;
  if (alg === 'EdDSA' && sig.length !== 64) return JwtStatus.JwtEd25519SignatureWrongLength;
  return {
    token, header, payload, payloadB64, alg, kid: kid as string | undefined, iss, sub, audiences, exp, nbf, iat,
    signingInput: Buffer.from(token.slice(0, d2), 'ascii'),
    signature: sig,
  };
}

/** Time constraints with Envoy's rule: nbf > now + skew is not yet valid; exp set and now > exp + skew is expired. */
export function checkTime(jwt: Jwt, nowSeconds: number, clockSkewSeconds: number): JwtStatusText {
  if (jwt.nbf > nowSeconds + clockSkewSeconds) return JwtStatus.JwtNotYetValid;
  if (jwt.exp !== 0 && nowSeconds > jwt.exp + clockSkewSeconds) return JwtStatus.JwtExpired;
  return JwtStatus.Ok;
}

/** True when one of the token's audiences is allowed (`allowed` holds stripScheme forms; empty allows any). */
export function audiencesAllowed(jwt: Jwt, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  for (const a of jwt.audiences) if (allowed.includes(stripScheme(a))) return true;
  return false;
}

/** Envoy compares audiences with http:// or https:// and a trailing '/' removed on both sides. */
export function stripScheme(a: string): string {
  let s = a.startsWith('https://') ? a.slice(8) : a.startsWith('http://') ? a.slice(7) : a;
  if (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/**
 * Verifies the signature with the JWKS: the keys whose kid (when the token
 * has one) and alg fit the token are tried in order, as Envoy does.
 */
export function verifySignature(jwt: Jwt, jwks: Jwks): JwtStatusText {
  let candidates = 0;
  for (const k of jwks.keys) {
    if (jwt.kid !== undefined && k.kid !== undefined && k.kid !== jwt.kid) continue;
    if (k.alg !== undefined && k.alg !== jwt.alg) continue;
    if (!algFitsKey(jwt.alg, k.kty, k.crv)) continue;
    candidates++;
    if (verifyWith(jwt, k)) return JwtStatus.Ok;
  }
  return candidates === 0 ? JwtStatus.JwksKidAlgMismatch : JwtStatus.JwtVerificationFail;
}

function verifyWith(jwt: Jwt, k: JwkKey): boolean {
  const alg = jwt.alg;
  try {
    if (alg === 'EdDSA') return cryptoVerify(null, jwt.signingInput, k.key, jwt.signature);
    const hash = HASH[alg.slice(2)]!;
    switch (alg.slice(0, 2)) {
      case 'RS': return cryptoVerify(hash, jwt.signingInput, k.key, jwt.signature);
      case 'PS': return cryptoVerify(hash, jwt.signingInput, { key: k.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
      case 'ES': return cryptoVerify(hash, jwt.signingInput, { key: k.key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      case 'HS': {
        const mac = createHmac(hash, k.key).update(jwt.signingInput).digest();
        return mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
      }
      default: return false;
    }
  } catch {
    return false;
  }
}
