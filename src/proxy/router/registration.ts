// envoy.filters.http.router: the terminal HTTP filter. The connection manager
// runs it itself (hcm/hcm-runtime.ts); its factory only carries the settings.
import type { HttpFilterFactory } from '../http/filter.js';
import type { HttpFilterRegistration } from '../extensions/http-filter-registration.js';
import { decodeRouterConfig, type RouterFilterConfig } from './router-config.js';

export const ROUTER_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** The router's factory: found by the connection manager by `terminal`, never asked for per-stream filters. */
export interface RouterFactory extends HttpFilterFactory {
  readonly terminal: true;
  readonly routerConfig: RouterFilterConfig;
}

export const routerRegistration: HttpFilterRegistration<RouterFilterConfig> = {
  name: 'envoy.filters.http.router',
  typeUrls: [ROUTER_TYPE_URL],
  terminal: true,
  decode: (cfg, path, errs) => decodeRouterConfig(cfg as Parameters<typeof decodeRouterConfig>[0], path, errs),
  factory: (routerConfig, ctx): RouterFactory => ({ name: ctx.name, terminal: true, routerConfig, create: () => undefined }),
  // The router counts into the connection manager's stats (hcm/registration.ts declares them).
};
