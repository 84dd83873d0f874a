import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateHeaderOperations } from './translate-headers.js';

test('set overwrites, add appends (APPEND is the default, left out), keys sorted, remove kept', () => {
  const ops = translateHeaderOperations({
    request: { set: { 'x-b': '2', 'x-a': '1' }, add: { 'x-c': '3' }, remove: ['x-old', ':path'] },
    response: { set: { 'cache-control': 'no-store' }, remove: ['server'] },
  });
  assert.deepEqual(ops.requestHeadersToAdd, [
    { header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-b', value: '2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-c', value: '3' } },
  ]);
  assert.deepEqual(ops.requestHeadersToRemove, ['x-old']);
  assert.deepEqual(ops.responseHeadersToAdd, [{ header: { key: 'cache-control', value: 'no-store' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
  assert.deepEqual(ops.responseHeadersToRemove, ['server']);
  assert.equal(ops.authority, '');
});

test(':authority / Host become the host rewrite, not a header mutation; set wins over add', () => {
  const ops = translateHeaderOperations({ request: { set: { host: 'a.example' }, add: { ':authority': 'b.example', x: 'y' } } });
  assert.equal(ops.authority, 'a.example');
  assert.deepEqual(ops.requestHeadersToAdd, [{ header: { key: 'x', value: 'y' } }]);
});
