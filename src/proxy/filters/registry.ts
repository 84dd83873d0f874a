// HTTP filter registry: type URL → decoder. Adding a filter touches its own
// folder and one line here.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter } from '../../xds/gen/types.js';
import type { FilterDecodeContext, HttpFilterDecoder, HttpFilterFactory } from '../http/filter.js';
import { decodeRouterConfig, type RouterFilterConfig } from '../router/router-config.js';

export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The router is terminal and run by the connection manager itself; its factory only carries settings. */
export interface RouterFactory extends HttpFilterFactory {
  readonly typeUrl: typeof ROUTER_TYPE_URL;
  readonly routerConfig: RouterFilterConfig;
}

const DECODERS = new Map<string, HttpFilterDecoder>([
  [ROUTER_TYPE_URL, (cfg, path, errs, ctx): RouterFactory => ({ name: ctx.name, typeUrl: ROUTER_TYPE_URL, routerConfig: decodeRouterConfig(cfg, path, errs), create: () => undefined })],
]);

/** Registers a filter decoder (called from each filter's module). */
export function registerHttpFilter(typeUrl: string, decoder: HttpFilterDecoder): void {
  DECODERS.set(typeUrl, decoder);
}

/** Type URLs of the HTTP filters weft implements. */
export function supportedHttpFilters(): string[] {
  return [...DECODERS.keys()];
}

export function decodeHttpFilter(
  f: envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter,
  path: string,
  errs: ConfigErrors,
  ctx: FilterDecodeContext,
): HttpFilterFactory | undefined {
  if (!f.name) errs.error(joinPath(path, 'name'), 'name is required');
  const tc = f.typed_config;
  if (!tc) {
    if (f.name === 'envoy.router' || f.name === 'envoy.filters.http.router') {
      errs.error(joinPath(path, 'typed_config'), 'typed_config is required; Envoy v3 spells the router as typed_config: {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}');
    } else errs.error(joinPath(path, 'typed_config'), 'typed_config is required');
    return undefined;
  }
  const url = tc['@type'];
  const dec = DECODERS.get(url);
  if (!dec) {
    if (f.is_optional) return undefined;
    errs.error(joinPath(path, 'typed_config'), `HTTP filter "${url.replace('type.googleapis.com/', '')}" is not supported by weft (supported: ${supportedHttpFilters().map((u) => u.replace('type.googleapis.com/', '')).join(', ')})`);
    return undefined;
  }
  return dec(tc, joinPath(path, 'typed_config'), errs, ctx);
}
