import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from './request-id.js';
import { isUuid } from '../tracing/sampling.js';

test('request ids are version 4 UUIDs with the RFC 4122 variant, distinct across batches of random bytes', () => {
  const seen = new Set<string>();
  // Several batches (256 ids each), so the refill path runs too.
  for (let i = 0; i < 2000; i++) {
    const id = newRequestId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(isUuid(id));
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
});

test('every hex digit position varies (the random bytes reach all of them)', () => {
  const ids = Array.from({ length: 512 }, () => newRequestId());
  for (let pos = 0; pos < 36; pos++) {
    if ([8, 13, 14, 18, 23].includes(pos)) continue; // dashes, and the version digit
    const digits = new Set(ids.map((id) => id[pos]));
    assert.ok(digits.size >= (pos === 19 ? 4 : 8), `position ${pos} took ${digits.size} values`);
  }
});
