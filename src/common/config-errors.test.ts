// ConfigErrors: codes on every issue, and the codec's unknown-Any errors that
// a position's decoder may claim.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors, formatIssue } from './errors.js';

test('every issue carries a code; errors default to INVALID_VALUE, warnings to WARNING', () => {
  const errs = new ConfigErrors();
  errs.error('a', 'bad');
  errs.required('b.name');
  errs.unsupported('c');
  errs.unsupported('d', 'HTTP3');
  errs.warn('e', 'note');
  assert.deepEqual(errs.issues.map((i) => [i.code, i.path, i.severity]), [
    [CFG.INVALID_VALUE, 'a', 'error'],
    [CFG.REQUIRED, 'b.name', 'error'],
    [CFG.UNSUPPORTED_FIELD, 'c', 'error'],
    [CFG.UNSUPPORTED_VALUE, 'd', 'error'],
    [CFG.WARNING, 'e', 'warning'],
  ]);
  assert.equal(errs.issues[1]!.message, 'name is required');
  assert.equal(formatIssue(errs.issues[0]!), '[WEFT_CFG_INVALID_VALUE] a: bad');
  assert.equal(errs.format().split('\n')[4], 'warning: [WEFT_CFG_WARNING] e: note');
});

test('an unknown Any type is an error until its position claims it; a claimed one is gone, an unclaimed one stays', () => {
  const errs = new ConfigErrors();
  errs.unknownType('x.typed_config', 'unsupported type "t"');
  errs.unknownType('y.typed_config', 'unsupported type "u"');
  assert.equal(errs.hasErrors, true);
  assert.equal(errs.onlyUnclaimedExtensions, true);
  errs.claimExtension('x.typed_config');
  errs.claimExtension('nothing.here');
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_EXTENSION, 'y.typed_config']]);
  errs.error('z', 'other');
  assert.equal(errs.onlyUnclaimedExtensions, false);
});
