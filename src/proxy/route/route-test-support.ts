// Builders shared by the router's route-table tests (not used by production code).
import { ConfigErrors } from '../../common/errors.js';
import { HeaderMap } from '../http/headers.js';
import type { envoy_config_route_v3_Route, envoy_config_route_v3_RouteConfiguration, envoy_config_route_v3_VirtualHost } from '../../xds/gen/types.js';
import { decodeRouteConfiguration } from './decode-route-config.js';
import { RequestView, type RouteRequest } from './route-request.js';
import type { RouteTable } from './route-table.js';

/** A request; `headers` may be given as [name, value] pairs (names lower-cased). */
export function req(path: string, opts: { method?: string; authority?: string; scheme?: string; headers?: [string, string][] } = {}): RouteRequest {
  const h = new HeaderMap();
  for (const [n, v] of opts.headers ?? []) h.add(n.toLowerCase(), v);
  return { method: opts.method ?? 'GET', path, authority: opts.authority ?? 'example.com', scheme: opts.scheme ?? 'http', headers: h };
}

export function view(path: string, opts: Parameters<typeof req>[1] = {}): RequestView {
  return new RequestView(req(path, opts));
}

/** Decodes and fails the test with every issue when the config is refused. */
export function table(rc: envoy_config_route_v3_RouteConfiguration): RouteTable {
  const errs = new ConfigErrors();
  const t = decodeRouteConfiguration(rc, 'rc', errs);
  if (errs.hasErrors) throw new Error(`unexpected config errors:\n${errs.format()}`);
  return t;
}

/** A table with one catch-all virtual host holding `routes`. */
export function tableOf(routes: envoy_config_route_v3_Route[], vh: Partial<envoy_config_route_v3_VirtualHost> = {}, rc: Partial<envoy_config_route_v3_RouteConfiguration> = {}): RouteTable {
  return table({ name: 'rc', ...rc, virtual_hosts: [{ name: 'vh', domains: ['*'], routes, ...vh }] });
}

/** Errors as [code, path] pairs: what tests assert (codes are stable, messages are not). */
export function errorCodes(rc: envoy_config_route_v3_RouteConfiguration, path = 'rc'): [string, string][] {
  const errs = new ConfigErrors();
  decodeRouteConfiguration(rc, path, errs);
  return errs.errors.map((e) => [e.code, e.path]);
}
