import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeHeaderToMetadata, DEFAULT_METADATA_NAMESPACE, HEADER_TO_METADATA_TYPE_URL } from './decode.js';

test('rules: header lower-cased, default namespace and type, BASE64', () => {
  const errs = new ConfigErrors();
  const s = decodeHeaderToMetadata({ '@type': HEADER_TO_METADATA_TYPE_URL, request_rules: [{ header: 'X-A', on_header_present: { key: 'a', encode: 'BASE64' }, remove: true }] } as never, 'h', errs)!;
  assert.deepEqual(errs.errors, []);
  assert.deepEqual(s.requestRules[0], { header: 'x-a', onPresent: { namespace: DEFAULT_METADATA_NAMESPACE, key: 'a', value: undefined, type: 'STRING', base64: true }, onMissing: undefined, remove: true });
});

test('refused and missing parts, each with its path', () => {
  const errs = new ConfigErrors();
  decodeHeaderToMetadata({ '@type': HEADER_TO_METADATA_TYPE_URL, response_rules: [
    { header: 'x', on_header_present: { key: '' } },
    { header: 'y' },
    { header: 'z', on_header_present: { key: 'k', regex_value_rewrite: {} } },
  ] } as never, 'h', errs);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.REQUIRED, 'h.response_rules[0].on_header_present.key'],
    [CFG.REQUIRED, 'h.response_rules[1]'],
    [CFG.UNSUPPORTED_FIELD, 'h.response_rules[2].on_header_present.regex_value_rewrite'],
  ]);
  const none = new ConfigErrors();
  decodeHeaderToMetadata({ '@type': HEADER_TO_METADATA_TYPE_URL } as never, 'h', none);
  assert.deepEqual(none.errors.map((e) => e.code), [CFG.REQUIRED]);
});
