import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { CFG, ConfigErrors } from '../../../common/errors.js';
import { decodeCompressor, decodeCompressorPerRoute } from './decode.js';
import { BROTLI_TYPE_URL, COMPRESSOR_PER_ROUTE_TYPE_URL, COMPRESSOR_TYPE_URL, DEFAULT_CONTENT_TYPES, GZIP_TYPE_URL } from './defaults.js';

const lib = (t: Record<string, unknown>) => ({ name: 'lib', typed_config: t });

test('defaults: Envoy\'s gzip parameters, min_content_length 30, the default content types, legacy stat tree', () => {
  const errs = new ConfigErrors();
  const s = decodeCompressor({ '@type': COMPRESSOR_TYPE_URL, compressor_library: lib({ '@type': GZIP_TYPE_URL }) } as never, 'c', errs)!;
  assert.deepEqual(errs.errors, []);
  assert.deepEqual(s.library, { kind: 'gzip', level: zlib.constants.Z_DEFAULT_COMPRESSION, strategy: zlib.constants.Z_DEFAULT_STRATEGY, memoryLevel: 5, windowBits: 12, chunkSize: 4096 });
  assert.equal(s.minContentLength, 30);
  assert.deepEqual([...s.contentTypes].sort(), [...DEFAULT_CONTENT_TYPES].sort());
  assert.equal(s.encoding, 'gzip');
  assert.equal(s.enabled, true);
  assert.equal(s.directionStatPrefix, '');
});

test('response_direction_config and brotli settings', () => {
  const errs = new ConfigErrors();
  const s = decodeCompressor({
    '@type': COMPRESSOR_TYPE_URL,
    response_direction_config: { common_config: { min_content_length: { value: 100 }, content_type: ['Application/JSON; charset=utf-8'], enabled: { default_value: { value: false } } }, disable_on_etag_header: true, remove_accept_encoding_header: true },
    compressor_library: lib({ '@type': BROTLI_TYPE_URL, quality: { value: 11 }, window_bits: { value: 22 }, encoder_mode: 'TEXT' }),
  } as never, 'c', errs)!;
  assert.deepEqual(errs.errors, []);
  assert.equal(s.minContentLength, 100);
  assert.deepEqual([...s.contentTypes], ['application/json']);
  assert.equal(s.enabled, false);
  assert.equal(s.disableOnEtagHeader, true);
  assert.equal(s.removeAcceptEncodingHeader, true);
  assert.equal(s.encoding, 'br');
  assert.equal(s.directionStatPrefix, 'response.');
  assert.deepEqual(s.library, { kind: 'brotli', quality: 11, windowBits: 22, inputBlockBits: 24, mode: zlib.constants.BROTLI_MODE_TEXT, chunkSize: 4096, disableLiteralContextModeling: false });
});

test('every problem at once, with codes and paths', () => {
  const errs = new ConfigErrors();
  const s = decodeCompressor({
    '@type': COMPRESSOR_TYPE_URL,
    content_length: { value: 10 },
    response_direction_config: { common_config: {} },
    request_direction_config: { common_config: {} },
    compressor_library: lib({ '@type': GZIP_TYPE_URL, compression_level: 'LEVEL_X', chunk_size: { value: 100 } }),
  } as never, 'c', errs);
  assert.equal(s, undefined);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]).sort(), [
    [CFG.CONFLICT, 'c.content_length'],
    [CFG.INVALID_VALUE, 'c.compressor_library.typed_config.chunk_size'],
    [CFG.INVALID_VALUE, 'c.compressor_library.typed_config.compression_level'],
    [CFG.UNSUPPORTED_VALUE, 'c.request_direction_config.common_config.enabled'],
  ]);
  const missing = new ConfigErrors();
  decodeCompressor({ '@type': COMPRESSOR_TYPE_URL } as never, 'c', missing);
  assert.deepEqual(missing.errors.map((e) => [e.code, e.path]), [[CFG.REQUIRED, 'c.compressor_library']]);
});

test('CompressorPerRoute: disabled or overrides, exactly one', () => {
  const ok = new ConfigErrors();
  assert.deepEqual(decodeCompressorPerRoute({ '@type': COMPRESSOR_PER_ROUTE_TYPE_URL, disabled: true }, 'r', ok), { disabled: true, removeAcceptEncodingHeader: undefined });
  assert.deepEqual(decodeCompressorPerRoute({ '@type': COMPRESSOR_PER_ROUTE_TYPE_URL, overrides: { response_direction_config: { remove_accept_encoding_header: { value: true } } } } as never, 'r', ok), { disabled: false, removeAcceptEncodingHeader: true });
  assert.deepEqual(ok.errors, []);
  const bad = new ConfigErrors();
  decodeCompressorPerRoute({ '@type': COMPRESSOR_PER_ROUTE_TYPE_URL }, 'r', bad);
  assert.deepEqual(bad.errors.map((e) => e.code), [CFG.REQUIRED]);
});
