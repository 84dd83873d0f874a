// Token parsing, time and audience checks, key selection and signature
// verification, with keys from node:crypto (the integration test signs with
// jose; here the parts are checked one by one).
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { JwtStatus } from './defaults.js';
import { parseJwks } from './jwks.js';
import { audiencesAllowed, checkTime, parseJwt, stripScheme, verifySignature, type Jwt } from './jwt.js';

const b64 = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');

function signed(header: object, payload: object, key: KeyObject, opts: Partial<{ dsaEncoding: 'ieee-p1363'; padding: number; saltLength: number }> = {}, hash: string | null = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = sign(hash, Buffer.from(input), { key, ...opts });
  return `${input}.${sig.toString('base64url')}`;
}

function jwt(token: string): Jwt {
  const j = parseJwt(token);
  assert.equal(typeof j, 'object', String(j));
  return j as Jwt;
}

test('malformed tokens get jwt_verify_lib\'s statuses', () => {
  assert.equal(parseJwt('a.b'), JwtStatus.JwtBadFormat);
  assert.equal(parseJwt('a.b.c.d'), JwtStatus.JwtBadFormat);
  assert.equal(parseJwt('!!.e30.x'), JwtStatus.JwtHeaderParseErrorBadBase64);
  assert.equal(parseJwt(`${b64('nope')}.e30.x`), JwtStatus.JwtHeaderParseErrorBadJson);
  assert.equal(parseJwt(`${b64({})}.e30.x`), JwtStatus.JwtHeaderBadAlg);
  assert.equal(parseJwt(`${b64({ alg: 'none' })}.e30.x`), JwtStatus.JwtHeaderNotImplementedAlg);
  assert.equal(parseJwt(`${b64({ alg: 'RS256', kid: 3 })}.e30.x`), JwtStatus.JwtHeaderBadKid);
  assert.equal(parseJwt(`${b64({ alg: 'RS256' })}.${b64({ iss: 1 })}.x`), JwtStatus.JwtPayloadParseErrorIssNotString);
  assert.equal(parseJwt(`${b64({ alg: 'RS256' })}.${b64({ exp: 'soon' })}.x`), JwtStatus.JwtPayloadParseErrorExpNotInteger);
  assert.equal(parseJwt(`${b64({ alg: 'RS256' })}.${b64({ aud: [1] })}.x`), JwtStatus.JwtPayloadParseErrorAudNotString);
  assert.equal(parseJwt(`${b64({ alg: 'EdDSA' })}.${b64({})}.${b64('short')}`), JwtStatus.JwtEd25519SignatureWrongLength);
});

test('exp and nbf with clock skew, as Envoy compares them', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const t = jwt(signed({ alg: 'RS256' }, { exp: 1000, nbf: 900 }, privateKey));
  assert.equal(checkTime(t, 1000, 0), JwtStatus.Ok);
  assert.equal(checkTime(t, 1001, 0), JwtStatus.JwtExpired);
  assert.equal(checkTime(t, 1060, 60), JwtStatus.Ok);
  assert.equal(checkTime(t, 1061, 60), JwtStatus.JwtExpired);
  assert.equal(checkTime(t, 899, 0), JwtStatus.JwtNotYetValid);
  assert.equal(checkTime(t, 840, 60), JwtStatus.Ok);
  const noExp = jwt(signed({ alg: 'RS256' }, {}, privateKey));
  assert.equal(checkTime(noExp, 1e12, 60), JwtStatus.Ok);
});

test('audiences compare without scheme and trailing slash', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const t = jwt(signed({ alg: 'RS256' }, { aud: ['https://api.example/', 'x'] }, privateKey));
  assert.ok(audiencesAllowed(t, [stripScheme('http://api.example')]));
  assert.ok(audiencesAllowed(t, []));
  assert.ok(!audiencesAllowed(t, ['y']));
});

test('RS, PS, ES (P-256, P-384), EdDSA and HS signatures verify with the matching JWK; a wrong key or kid does not', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const secret = Buffer.from('a-very-secret-hmac-key-for-tests!');
  const jwk = (k: KeyObject, kid: string) => ({ ...k.export({ format: 'jwk' }), kid });
  const set = parseJwks(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa'), jwk(p256.publicKey, 'p256'), jwk(p384.publicKey, 'p384'), jwk(ed.publicKey, 'ed'), { kty: 'oct', kid: 'hs', k: secret.toString('base64url') }, { kty: 'nope' }] }));
  assert.ok(set.ok);
  const jwks = set.ok ? set.jwks : { keys: [] };
  assert.equal(jwks.keys.length, 5, 'the unusable key is skipped');
  const cases: [string, string][] = [
    ['RS256', signed({ alg: 'RS256', kid: 'rsa' }, { sub: 'a' }, rsa.privateKey)],
    ['RS512', signed({ alg: 'RS512', kid: 'rsa' }, { sub: 'a' }, rsa.privateKey, {}, 'sha512')],
    ['PS384', signed({ alg: 'PS384', kid: 'rsa' }, { sub: 'a' }, rsa.privateKey, { padding: 6, saltLength: 48 }, 'sha384')],
    ['ES256', signed({ alg: 'ES256', kid: 'p256' }, { sub: 'a' }, p256.privateKey, { dsaEncoding: 'ieee-p1363' })],
    ['ES384', signed({ alg: 'ES384' }, { sub: 'a' }, p384.privateKey, { dsaEncoding: 'ieee-p1363' }, 'sha384')],
    ['EdDSA', signed({ alg: 'EdDSA', kid: 'ed' }, { sub: 'a' }, ed.privateKey, {}, null)],
  ];
  for (const [alg, token] of cases) assert.equal(verifySignature(jwt(token), jwks), JwtStatus.Ok, alg);
  const hsInput = `${b64({ alg: 'HS256', kid: 'hs' })}.${b64({ sub: 'a' })}`;
  assert.equal(verifySignature(jwt(`${hsInput}.${createHmac('sha256', secret).update(hsInput).digest('base64url')}`), jwks), JwtStatus.Ok, 'HS256');
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.equal(verifySignature(jwt(signed({ alg: 'RS256', kid: 'rsa' }, { sub: 'a' }, other.privateKey)), jwks), JwtStatus.JwtVerificationFail);
  assert.equal(verifySignature(jwt(signed({ alg: 'RS256', kid: 'unknown' }, { sub: 'a' }, rsa.privateKey)), jwks), JwtStatus.JwksKidAlgMismatch);
  // ES384 token against a P-256-only set: no key fits the alg.
  const p256Only = parseJwks(JSON.stringify({ keys: [jwk(p256.publicKey, 'p256')] }));
  assert.ok(p256Only.ok);
  if (p256Only.ok) assert.equal(verifySignature(jwt(cases[4]![1]), p256Only.jwks), JwtStatus.JwksKidAlgMismatch);
});

test('a JWKS that is not JSON, has no keys array or no usable key is refused with jwt_verify_lib\'s wording; a PEM public key is accepted', () => {
  assert.deepEqual(parseJwks('{'), { ok: false, error: 'Jwks is an invalid JSON' });
  assert.deepEqual(parseJwks('{}'), { ok: false, error: 'Jwks does not have [keys] field' });
  assert.deepEqual(parseJwks('{"keys": 1}'), { ok: false, error: '[keys] in Jwks is not an array' });
  assert.deepEqual(parseJwks('{"keys": [{"kty": "RSA"}]}'), { ok: false, error: "Jwks doesn't have any valid public key" });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = parseJwks(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  assert.ok(pem.ok && pem.jwks.keys[0]!.crv === 'P-256');
  // A private JWK yields only its public half.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = parseJwks(JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] }));
  assert.ok(priv.ok && priv.jwks.keys[0]!.key.type === 'public');
});
