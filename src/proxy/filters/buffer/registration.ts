// envoy.filters.http.buffer.
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { BufferFilterFactory, bufferPerRoute } from './buffer-filter.js';
import { BUFFER_PER_ROUTE_TYPE_URL, BUFFER_TYPE_URL, decodeBuffer, type BufferSettings } from './decode.js';

export const bufferRegistration: HttpFilterRegistration<BufferSettings> = {
  name: 'envoy.filters.http.buffer',
  typeUrls: [BUFFER_TYPE_URL],
  decode: decodeBuffer,
  perRoute: { typeUrls: [BUFFER_PER_ROUTE_TYPE_URL], decode: bufferPerRoute.decode },
  factory: (settings, ctx) => new BufferFilterFactory(ctx.name, settings, ctx.statPrefix),
  stats: { prefix: 'http.<stat_prefix>.', counters: ['downstream_rq_too_large'] },
};
