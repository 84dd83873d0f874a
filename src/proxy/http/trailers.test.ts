import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeaderMap } from './headers.js';
import { dropForbiddenTrailers } from './trailers.js';

describe('dropForbiddenTrailers', () => {
  it('drops every value of each forbidden field and pseudo-headers, and keeps the rest in order', () => {
    const t = new HeaderMap(
      ['x-checksum', 'content-length', 'host', 'grpc-status', ':path', 'transfer-encoding', 'content-length', 'authorization', 'x-other'],
      ['abc', '5', 'evil', '0', '/x', 'chunked', '6', 'Bearer x', 'y'],
    );
    assert.equal(dropForbiddenTrailers(t), 5);
    assert.deepEqual(t.names, ['x-checksum', 'grpc-status', 'x-other']);
    assert.deepEqual(t.values, ['abc', '0', 'y']);
  });

  it('leaves trailers without forbidden fields alone', () => {
    const t = new HeaderMap(['grpc-status', 'grpc-message'], ['0', 'ok']);
    assert.equal(dropForbiddenTrailers(t), 0);
    assert.deepEqual(t.names, ['grpc-status', 'grpc-message']);
  });
});
