import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { hostAndPort } from './csrf-filter.js';
import { CSRF_TYPE_URL, decodeCsrfPolicy } from './decode.js';

test('hostAndPort: origin and referer forms; opaque and bad values are kept as they are (Envoy)', () => {
  assert.equal(hostAndPort('https://Example.com:8443'), 'example.com:8443');
  assert.equal(hostAndPort('http://example.com/path?q=1'), 'example.com');
  assert.equal(hostAndPort('https://example.com:443'), 'example.com');
  assert.equal(hostAndPort('null'), 'null');
  assert.equal(hostAndPort('not a url'), 'not a url');
  assert.equal(hostAndPort(undefined), '');
});

test('CsrfPolicy: filter_enabled is required; bad matchers and unknown fields are reported with paths', () => {
  const errs = new ConfigErrors();
  assert.equal(decodeCsrfPolicy({ '@type': CSRF_TYPE_URL, additional_origins: [{}], bogus: 1 } as never, 'p', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]).sort(), [
    [CFG.REQUIRED, 'p.additional_origins[0]'],
    [CFG.REQUIRED, 'p.filter_enabled'],
    [CFG.UNSUPPORTED_FIELD, 'p.bogus'],
  ]);
  const ok = new ConfigErrors();
  const p = decodeCsrfPolicy({ '@type': CSRF_TYPE_URL, filter_enabled: { default_value: { numerator: 50 } }, additional_origins: [{ suffix: '.example.com' }] } as never, 'p', ok);
  assert.deepEqual(ok.errors, []);
  assert.equal(p!.filterEnabled, 0.5);
  assert.equal(p!.shadowEnabled, 0);
  assert.ok(p!.additionalOrigins[0]!('a.example.com'));
});
