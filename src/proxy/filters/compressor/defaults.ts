// Names and defaults of envoy.filters.http.compressor and its two libraries,
// each as Envoy has it.
import zlib from 'node:zlib';

export const COMPRESSOR_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor';
export const COMPRESSOR_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute';
export const GZIP_TYPE_URL = 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip';
export const BROTLI_TYPE_URL = 'type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli';

/** Responses shorter than this (by content-length) are not compressed. */
export const DEFAULT_MIN_CONTENT_LENGTH = 30;

/** content_type when the list is empty (Envoy's default list). */
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  'application/javascript', 'application/json', 'application/xhtml+xml', 'image/svg+xml',
  'text/css', 'text/html', 'text/plain', 'text/xml',
];

/** Envoy's gzip defaults: zlib's default level and strategy, memory_level 5, window_bits 12, chunk_size 4096. */
export const GZIP_DEFAULTS = { level: zlib.constants.Z_DEFAULT_COMPRESSION, memoryLevel: 5, windowBits: 12, strategy: zlib.constants.Z_DEFAULT_STRATEGY, chunkSize: 4096 } as const;

/** Envoy's brotli defaults: quality 3, window_bits 18, input_block_bits 24, chunk_size 4096. */
export const BROTLI_DEFAULTS = { quality: 3, windowBits: 18, inputBlockBits: 24, chunkSize: 4096 } as const;

/** Gzip.CompressionLevel names (aliases included) → zlib level. */
export const GZIP_LEVELS: Readonly<Record<string, number>> = {
  DEFAULT_COMPRESSION: zlib.constants.Z_DEFAULT_COMPRESSION, BEST_SPEED: 1, BEST_COMPRESSION: 9,
  COMPRESSION_LEVEL_1: 1, COMPRESSION_LEVEL_2: 2, COMPRESSION_LEVEL_3: 3, COMPRESSION_LEVEL_4: 4, COMPRESSION_LEVEL_5: 5,
  COMPRESSION_LEVEL_6: 6, COMPRESSION_LEVEL_7: 7, COMPRESSION_LEVEL_8: 8, COMPRESSION_LEVEL_9: 9,
};

/** Gzip.CompressionStrategy names → zlib strategy. */
export const GZIP_STRATEGIES: Readonly<Record<string, number>> = {
  DEFAULT_STRATEGY: zlib.constants.Z_DEFAULT_STRATEGY, FILTERED: zlib.constants.Z_FILTERED,
  HUFFMAN_ONLY: zlib.constants.Z_HUFFMAN_ONLY, RLE: zlib.constants.Z_RLE, FIXED: zlib.constants.Z_FIXED,
};

/** Brotli.EncoderMode names → brotli mode (DEFAULT is brotli's generic mode). */
export const BROTLI_MODES: Readonly<Record<string, number>> = {
  DEFAULT: zlib.constants.BROTLI_MODE_GENERIC, GENERIC: zlib.constants.BROTLI_MODE_GENERIC,
  TEXT: zlib.constants.BROTLI_MODE_TEXT, FONT: zlib.constants.BROTLI_MODE_FONT,
};
