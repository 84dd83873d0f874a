// The decode boundary: defaults, the requirement tree, per-route config, and
// every problem reported at its path.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeJwtAuthn, decodeJwtPerRoute, DEFAULT_LOCATIONS } from './decode.js';
import { JWT_AUTHN_DEFAULTS } from './defaults.js';

const jwks = JSON.stringify({ keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'k' }] });

test('defaults: Authorization Bearer and access_token, 60 s skew, cache of 100, no forward; provider_and_audiences with no audiences keeps the provider\'s', () => {
  const errs = new ConfigErrors();
  const s = decodeJwtAuthn({
    providers: { p: { issuer: 'i', audiences: ['https://api.example/'], local_jwks: { inline_string: jwks } } },
    rules: [
      { match: { prefix: '/a' }, requires: { provider_and_audiences: { provider_name: 'p' } } },
      { match: { prefix: '/b' }, requires: { provider_and_audiences: { provider_name: 'p', audiences: ['http://other/'] } } },
      { match: { prefix: '/c' }, requires: { requires_any: { requirements: [{ provider_name: 'p' }, { allow_missing: {} }] } } },
    ],
  }, 'f', errs);
  assert.equal(errs.format(), '');
  const p = s!.providers.get('p')!;
  assert.equal(p.locations, DEFAULT_LOCATIONS);
  assert.equal(p.clockSkewSeconds, JWT_AUTHN_DEFAULTS.clockSkewSeconds);
  assert.equal(p.jwtCacheSize, 100);
  assert.equal(p.forward, false);
  assert.deepEqual(p.audiences, ['api.example']);
  assert.deepEqual(s!.rules[0]!.requirement, { kind: 'provider', provider: 'p', audiences: undefined });
  assert.deepEqual(s!.rules[1]!.requirement, { kind: 'provider', provider: 'p', audiences: ['other'] });
  assert.deepEqual(s!.rules[2]!.requirement, { kind: 'any', children: [{ kind: 'provider', provider: 'p', audiences: undefined }, { kind: 'allow_missing' }] });
});

test('every problem at its path: both JWKS sources, a requires_any of one, two requirement kinds, unsupported fields', () => {
  const errs = new ConfigErrors();
  const s = decodeJwtAuthn({
    providers: { p: { local_jwks: { inline_string: jwks }, remote_jwks: { http_uri: { uri: 'http://x/', cluster: 'c', timeout: { seconds: 1 } } }, clear_route_cache: true } },
    rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'p' }] } } }, { match: { prefix: '/' }, requires: { provider_name: 'p', allow_missing: {} } }],
    filter_state_rules: {},
  }, 'f', errs);
  assert.equal(s, undefined);
  assert.deepEqual(errs.errors.map((e) => [e.path, e.code]).sort(), [
    ['f.filter_state_rules', CFG.UNSUPPORTED_FIELD],
    ['f.providers["p"]', CFG.CONFLICT],
    ['f.providers["p"].clear_route_cache', CFG.UNSUPPORTED_FIELD],
    ['f.rules[0].requires.requires_any.requirements', CFG.INVALID_VALUE],
    ['f.rules[1].requires', CFG.CONFLICT],
  ].sort());
});

test('PerRouteConfig: disabled or requirement_name, not both, not neither', () => {
  const ok = new ConfigErrors();
  assert.deepEqual(decodeJwtPerRoute({ disabled: true }, 'r', ok), { kind: 'disabled' });
  assert.deepEqual(decodeJwtPerRoute({ requirement_name: 'x' }, 'r', ok), { kind: 'requirement', name: 'x' });
  assert.equal(ok.format(), '');
  const bad = new ConfigErrors();
  assert.equal(decodeJwtPerRoute({ disabled: true, requirement_name: 'x' }, 'r', bad), undefined);
  assert.equal(decodeJwtPerRoute({}, 'r', bad), undefined);
  assert.deepEqual(bad.errors.map((e) => e.code), [CFG.CONFLICT, CFG.REQUIRED]);
});
