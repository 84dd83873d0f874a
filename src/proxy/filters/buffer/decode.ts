// envoy.extensions.filters.http.buffer.v3.Buffer and BufferPerRoute.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeDisabledOr } from '../common/per-route.js';
import type { AnyMessage, envoy_extensions_filters_http_buffer_v3_Buffer, envoy_extensions_filters_http_buffer_v3_BufferPerRoute } from '../../../xds/gen/types.js';

export const BUFFER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer';
export const BUFFER_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute';

export interface BufferSettings {
  /** Requests with a longer body are answered 413. */
  readonly maxRequestBytes: number;
}

/** A route's override: off, or other settings. */
export type BufferPerRouteSettings = { readonly disabled: true } | { readonly disabled: false; readonly settings: BufferSettings };

const UINT32_MAX = 4294967295;

export function decodeBuffer(cfg: AnyMessage, path: string, errs: ConfigErrors): BufferSettings | undefined {
  const b = cfg as envoy_extensions_filters_http_buffer_v3_Buffer;
  checkSupported(b, path, errs, ['max_request_bytes']);
  const p = joinPath(path, 'max_request_bytes');
  if (b.max_request_bytes === undefined) {
    errs.required(p, 'max_request_bytes is required');
    return undefined;
  }
  const v = b.max_request_bytes.value ?? 0;
  if (!Number.isInteger(v) || v <= 0 || v > UINT32_MAX) {
    errs.error(p, `must be an integer in [1, ${UINT32_MAX}] (got ${v})`);
    return undefined;
  }
  return { maxRequestBytes: v };
}

export function decodeBufferPerRoute(cfg: AnyMessage, path: string, errs: ConfigErrors): BufferPerRouteSettings | undefined {
  const b = decodeDisabledOr<NonNullable<envoy_extensions_filters_http_buffer_v3_BufferPerRoute['buffer']>>(cfg as never, 'buffer', path, errs);
  if (b === undefined) return undefined;
  if (b === 'disabled') return { disabled: true };
  const settings = decodeBuffer(b as AnyMessage, joinPath(path, 'buffer'), errs);
  return settings ? { disabled: false, settings } : undefined;
}
