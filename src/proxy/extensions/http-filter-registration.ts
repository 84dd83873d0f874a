// How an HTTP filter registers (http_connection_manager.http_filters[], and
// typed_per_filter_config through `perRoute`).
import type { ConfigErrors } from '../../common/errors.js';
import type { AnyMessage } from '../../xds/gen/types.js';
import type { FilterDecodeContext, HttpFilterFactory } from '../http/filter.js';
import type { ExtensionRegistration } from './registration.js';

/** Decodes a typed_per_filter_config entry; the filter caches the result for the data path. */
export interface PerRouteRegistration<TPerRoute = unknown> {
  /** Type URLs accepted in typed_per_filter_config (often the filter's own type). */
  readonly typeUrls: readonly string[];
  decode(cfg: AnyMessage, path: string, errs: ConfigErrors): TPerRoute | undefined;
}

/** An HTTP filter. */
export interface HttpFilterRegistration<TConfig = unknown> extends ExtensionRegistration<TConfig, FilterDecodeContext> {
  /** Per-route override decoder, when the filter reads typed_per_filter_config. */
  readonly perRoute?: PerRouteRegistration;
  /** The chain ends with a terminal filter (the router) and nothing follows it. */
  readonly terminal?: boolean;
  /** The listener-level factory for the decoded config; shared by every stream of the listener. */
  factory(config: TConfig, ctx: FilterDecodeContext): HttpFilterFactory;
}
