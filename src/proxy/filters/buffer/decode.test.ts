import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { BUFFER_PER_ROUTE_TYPE_URL, BUFFER_TYPE_URL, decodeBuffer, decodeBufferPerRoute } from './decode.js';

test('Buffer: max_request_bytes required and > 0', () => {
  const ok = new ConfigErrors();
  assert.deepEqual(decodeBuffer({ '@type': BUFFER_TYPE_URL, max_request_bytes: { value: 10 } } as never, 'b', ok), { maxRequestBytes: 10 });
  const errs = new ConfigErrors();
  decodeBuffer({ '@type': BUFFER_TYPE_URL } as never, 'b', errs);
  decodeBuffer({ '@type': BUFFER_TYPE_URL, max_request_bytes: { value: 0 } } as never, 'c', errs);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.REQUIRED, 'b.max_request_bytes'], [CFG.INVALID_VALUE, 'c.max_request_bytes']]);
});

test('BufferPerRoute: disabled or buffer, exactly one', () => {
  const ok = new ConfigErrors();
  assert.deepEqual(decodeBufferPerRoute({ '@type': BUFFER_PER_ROUTE_TYPE_URL, disabled: true }, 'r', ok), { disabled: true });
  assert.deepEqual(decodeBufferPerRoute({ '@type': BUFFER_PER_ROUTE_TYPE_URL, buffer: { max_request_bytes: { value: 5 } } } as never, 'r', ok), { disabled: false, settings: { maxRequestBytes: 5 } });
  assert.deepEqual(ok.errors, []);
  const errs = new ConfigErrors();
  decodeBufferPerRoute({ '@type': BUFFER_PER_ROUTE_TYPE_URL, disabled: true, buffer: {} } as never, 'r', errs);
  decodeBufferPerRoute({ '@type': BUFFER_PER_ROUTE_TYPE_URL, disabled: false } as never, 's', errs);
  decodeBufferPerRoute({ '@type': BUFFER_PER_ROUTE_TYPE_URL }, 't', errs);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.CONFLICT, 'r'], [CFG.INVALID_VALUE, 's.disabled'], [CFG.REQUIRED, 't']]);
});
