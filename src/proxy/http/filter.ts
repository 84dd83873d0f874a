// The HTTP filter contract. As in Envoy, a request passes the filters in
// order (decode path) and the response passes them in reverse (encode path);
// the router is simply the last filter. A filter either lets the stream go on
// or stops it and later calls `stream.continueDecoding()` (a delay), or ends
// it with `stream.sendLocalReply(...)` (an abort, a rate limit).
import type { ConfigErrors } from '../../common/errors.js';
import type { AnyMessage } from '../../xds/gen/types.js';
import type { HeaderMap } from './headers.js';
import type { HttpStream } from './stream.js';

export const CONTINUE = 0;
export const STOP = 1;
export type FilterStatus = typeof CONTINUE | typeof STOP;

/** Per-stream filter instance (or a shared stateless object). */
export interface HttpFilter {
  /** Request headers arrived and a route has been chosen (stream.route may be undefined: NR). */
  decodeHeaders?(stream: HttpStream): FilterStatus;
  /** Response headers on their way downstream; may edit them in place. */
  encodeHeaders?(stream: HttpStream, status: number, headers: HeaderMap): void;
  /** The stream ended (completed, reset or replied locally); release resources. */
  onDestroy?(stream: HttpStream): void;
}

/** A decoded filter config: immutable, shared by every stream of the listener. */
export interface HttpFilterFactory {
  /** The filter's config name (`name` in http_filters), used for typed_per_filter_config lookups. */
  readonly name: string;
  /** Returns the filter for a new stream, or undefined when the filter does nothing for it. */
  create(stream: HttpStream): HttpFilter | undefined;
}

/** Context given to decoders: the filter's name and where stats go. */
export interface FilterDecodeContext {
  name: string;
  statPrefix: string;
}

export type HttpFilterDecoder = (cfg: AnyMessage, path: string, errs: ConfigErrors, ctx: FilterDecodeContext) => HttpFilterFactory | undefined;

/** Decoders for per-route overrides in typed_per_filter_config, by type URL. */
export type PerRouteDecoder = (cfg: AnyMessage, path: string, errs: ConfigErrors) => unknown;
