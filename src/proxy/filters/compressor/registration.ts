// envoy.filters.http.compressor.
import type { envoy_extensions_filters_http_compressor_v3_Compressor } from '../../../xds/gen/types.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { CompressorFilterFactory, compressorPerRoute } from './compressor-filter.js';
import { COMPRESSOR_COUNTERS } from './compressor-stats.js';
import { decodeCompressor, type CompressorSettings } from './decode.js';
import { COMPRESSOR_PER_ROUTE_TYPE_URL, COMPRESSOR_TYPE_URL } from './defaults.js';

export const compressorRegistration: HttpFilterRegistration<CompressorSettings> = {
  name: 'envoy.filters.http.compressor',
  typeUrls: [COMPRESSOR_TYPE_URL],
  decode: (cfg, path, errs) => decodeCompressor(cfg as envoy_extensions_filters_http_compressor_v3_Compressor, path, errs),
  perRoute: { typeUrls: [COMPRESSOR_PER_ROUTE_TYPE_URL], decode: compressorPerRoute.decode },
  factory: (settings, ctx) => new CompressorFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.compressor.<compressor_library.name>.<gzip|brotli>.response.', counters: [...COMPRESSOR_COUNTERS] },
};
