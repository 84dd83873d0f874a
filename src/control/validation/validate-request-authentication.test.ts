// RequestAuthentication validation: Istio's reference examples are accepted
// (v1 and v1beta1), and each of Istio's validateJwtRule rules refuses its
// case with its code and field path, every problem at once.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { CODES } from './codes.js';
import { validateObject } from './validate-object.js';
import { checkJwks } from './validate-request-authentication.js';

// istio.io/latest/docs/reference/config/security/request_authentication/ examples.
const ISTIO_EXAMPLES = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: "issuer-foo"
    jwksUri: https://example.com/.well-known/jwks.json
---
apiVersion: security.istio.io/v1beta1
kind: RequestAuthentication
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: "issuer-foo"
    fromHeaders:
    - name: x-jwt-assertion
      prefix: "Bearer "
    fromParams:
    - my_token
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: req-authn-for-all
  namespace: istio-system
spec:
  jwtRules:
  - issuer: "example.com"
    jwksUri: https://example.com/.well-known/jwks.json
    outputPayloadToHeader: x-jwt-payload
    forwardOriginalToken: true
    audiences: ["bookstore_android.apps.example.com"]
    outputClaimToHeaders:
    - header: "x-jwt-claim-foo"
      claim: "foo"
    timeout: 3s
`;

const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const ecJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const JWKS = JSON.stringify({ keys: [{ ...rsaJwk, kid: 'r1', alg: 'RS256' }, { ...ecJwk, kid: 'e1', alg: 'ES256' }] });

const V1 = 'security.istio.io/v1';
const ra = (spec: unknown) => ({ apiVersion: V1, kind: 'RequestAuthentication', metadata: { name: 'jwt', namespace: 'foo' }, spec });
const rule = (r: Record<string, unknown>) => ra({ jwtRules: [{ issuer: 'https://issuer.example', ...r }] });

const CASES: { name: string; doc: unknown; expect: [string, string][] }[] = [
  { name: 'inline jwks (RSA and EC keys) is accepted', doc: rule({ jwks: JWKS }), expect: [] },
  { name: 'issuer missing', doc: ra({ jwtRules: [{ jwksUri: 'https://a.example/jwks' }] }), expect: [['WEFT0012', 'spec.jwtRules[0].issuer']] },
  { name: 'empty audience', doc: rule({ audiences: ['a', ''] }), expect: [['WEFT0107', 'spec.jwtRules[0].audiences[1]']] },
  { name: 'jwksUri not a URL', doc: rule({ jwksUri: 'not a url' }), expect: [['WEFT0125', 'spec.jwtRules[0].jwksUri']] },
  { name: 'jwksUri with another scheme', doc: rule({ jwksUri: 'file:///etc/jwks.json' }), expect: [['WEFT0125', 'spec.jwtRules[0].jwksUri']] },
  { name: 'jwks that is not JSON', doc: rule({ jwks: '{keys:' }), expect: [['WEFT0125', 'spec.jwtRules[0].jwks']] },
  { name: 'jwks without keys', doc: rule({ jwks: '{"keys":[]}' }), expect: [['WEFT0125', 'spec.jwtRules[0].jwks']] },
  { name: 'jwks with a broken RSA key', doc: rule({ jwks: JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB' }] }) }), expect: [['WEFT0125', 'spec.jwtRules[0].jwks']] },
  { name: 'jwks and jwksUri: jwks wins (warning)', doc: rule({ jwks: JWKS, jwksUri: 'https://a.example/jwks' }), expect: [['WEFT0152', 'spec.jwtRules[0].jwksUri']] },
  { name: 'fromHeaders name empty', doc: rule({ fromHeaders: [{ prefix: 'Bearer ' }] }), expect: [['WEFT0107', 'spec.jwtRules[0].fromHeaders[0].name']] },
  { name: 'fromHeaders name not a header', doc: rule({ fromHeaders: [{ name: 'x token' }] }), expect: [['WEFT0104', 'spec.jwtRules[0].fromHeaders[0].name']] },
  { name: 'fromParams empty', doc: rule({ fromParams: [''] }), expect: [['WEFT0107', 'spec.jwtRules[0].fromParams[0]']] },
  { name: 'outputPayloadToHeader not a header', doc: rule({ outputPayloadToHeader: 'x payload' }), expect: [['WEFT0104', 'spec.jwtRules[0].outputPayloadToHeader']] },
  { name: 'outputClaimToHeaders without claim', doc: rule({ outputClaimToHeaders: [{ header: 'x-sub' }] }), expect: [['WEFT0107', 'spec.jwtRules[0].outputClaimToHeaders[0]']] },
  { name: 'outputClaimToHeaders bad header', doc: rule({ outputClaimToHeaders: [{ header: 'x:sub', claim: 'sub' }] }), expect: [['WEFT0104', 'spec.jwtRules[0].outputClaimToHeaders[0].header']] },
  { name: 'timeout not a duration', doc: rule({ timeout: 'soon' }), expect: [['WEFT0014', 'spec.jwtRules[0].timeout']] },
  { name: 'unknown field', doc: rule({ jwksUrl: 'https://a.example' }), expect: [['WEFT0010', 'spec.jwtRules[0].jwksUrl']] },
  { name: 'targetRef refused by name', doc: ra({ targetRef: { kind: 'Gateway', name: 'gw' }, jwtRules: [] }), expect: [['WEFT0016', 'spec.targetRef']] },
  { name: 'targetRefs refused by name', doc: ra({ targetRefs: [{ kind: 'Service', name: 's' }] }), expect: [['WEFT0016', 'spec.targetRefs']] },
  { name: 'wildcard in selector', doc: ra({ selector: { matchLabels: { app: '*' } } }), expect: [['WEFT0105', 'spec.selector.matchLabels.app']] },
];

describe('RequestAuthentication validation', () => {
  const docs = parseAllDocuments(ISTIO_EXAMPLES).map((d) => d.toJS() as unknown);
  docs.forEach((doc, i) => {
    it(`accepts Istio's example ${i + 1}`, () => {
      const res = validateObject(doc);
      assert.deepEqual(res.messages, []);
      assert.equal(res.object?.kind, 'RequestAuthentication');
    });
  });

  it('reports every problem of every rule at once, and rejects the object', () => {
    const res = validateObject(ra({ jwtRules: [{ jwksUri: 'ftp://x' }, { issuer: 'i', jwks: 'nope', fromParams: [''] }] }));
    assert.deepEqual(res.messages.map((m) => `${m.code} ${m.path}`).sort(), [
      'WEFT0012 spec.jwtRules[0].issuer',
      'WEFT0107 spec.jwtRules[1].fromParams[0]',
      'WEFT0125 spec.jwtRules[0].jwksUri',
      'WEFT0125 spec.jwtRules[1].jwks',
    ]);
    assert.equal(res.object, undefined);
  });

  it('checkJwks accepts one bare JWK as Istio does, and names the bad key', () => {
    assert.equal(checkJwks(JSON.stringify(ecJwk)), undefined);
    assert.match(checkJwks(JSON.stringify({ keys: [ecJwk, { kty: 'EC', crv: 'P-256', x: 'AA' }] })) ?? '', /keys\[1\]/);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const res = validateObject(c.doc);
      const got = res.messages.map((m) => `${m.code} ${m.path}`);
      for (const [code, path] of c.expect) assert.ok(got.includes(`${code} ${path}`), `expected ${code} at "${path}"; got:\n  ${got.join('\n  ')}`);
      assert.equal(got.length, c.expect.length, `unexpected messages: ${got.join(', ')}`);
      for (const m of res.messages) assert.equal(m.severity, CODES[m.code as keyof typeof CODES].severity, `severity of ${m.code}`);
      const errors = res.messages.filter((m) => m.severity === 'error');
      assert.equal(res.object === undefined, errors.length > 0);
    });
  }
});
