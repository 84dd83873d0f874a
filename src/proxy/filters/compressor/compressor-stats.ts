// Stats of one compressor filter, under Envoy's names:
// `http.<hcm stat_prefix>.compressor.<library name>.<gzip|brotli>.[response.]<stat>`.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { AcceptOutcome } from './accept-encoding.js';

export const COMPRESSOR_COUNTERS = [
  'compressed', 'not_compressed', 'total_uncompressed_bytes', 'total_compressed_bytes', 'content_length_too_small',
  'no_accept_header', 'header_identity', 'header_compressor_used', 'header_compressor_overshadowed', 'header_wildcard',
  'header_not_valid', 'not_compressed_etag',
] as const;

export class CompressorStats {
  readonly compressed: Counter;
  readonly notCompressed: Counter;
  readonly totalUncompressedBytes: Counter;
  readonly totalCompressedBytes: Counter;
  readonly contentLengthTooSmall: Counter;
  readonly notCompressedEtag: Counter;
  /** The accept-encoding decision's counters, and no_accept_header. */
  readonly accept: Readonly<Record<AcceptOutcome | 'no_accept_header', Counter>>;

  constructor(readonly store: StatsStore, prefix: string) {
    const c = (n: string) => store.counter(prefix + n);
    this.compressed = c('compressed');
    this.notCompressed = c('not_compressed');
    this.totalUncompressedBytes = c('total_uncompressed_bytes');
    this.totalCompressedBytes = c('total_compressed_bytes');
    this.contentLengthTooSmall = c('content_length_too_small');
    this.notCompressedEtag = c('not_compressed_etag');
    this.accept = {
      no_accept_header: c('no_accept_header'),
      header_identity: c('header_identity'),
      header_wildcard: c('header_wildcard'),
      header_compressor_used: c('header_compressor_used'),
      header_compressor_overshadowed: c('header_compressor_overshadowed'),
      header_not_valid: c('header_not_valid'),
    };
  }
}
