// RedirectAction compiled: everything that does not depend on the request is
// fixed here; buildLocation assembles scheme://host[:port]/path?query per
// request with Envoy's rules (a path_redirect with its own query wins over
// strip_query; a scheme change drops the old scheme's default port).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_route_v3_RedirectAction } from '../../xds/gen/types.js';
import { DEFAULT_REDIRECT_STATUS } from './route-defaults.js';
import { decodePathRewrite, PathRewrite, rewritePath } from './path-rewrite.js';
import type { RouteMatcher } from './route-match.js';
import type { RequestView } from './route-request.js';

const STATUS: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** A compiled redirect. */
export class Redirect {
  constructor(
    /** 301, 302, 303, 307 or 308. */
    readonly status: number,
    /** New scheme (lower-case), or undefined to keep the request's. */
    readonly scheme: string | undefined,
    readonly host: string | undefined,
    readonly port: number | undefined,
    readonly path: string | undefined,
    readonly rewrite: PathRewrite | undefined,
    readonly stripQuery: boolean,
    /** require_tls redirects keep Host and :path exactly as sent. */
    private readonly tlsOnly = false,
  ) {}

  /** The require_tls redirect: https, same host and path, 301. */
  static readonly TLS = new Redirect(301, 'https', undefined, undefined, undefined, undefined, false, true);

  /** The Location header value for this request; `match` is the route's matcher (for prefix_rewrite). */
  buildLocation(view: RequestView, match: RouteMatcher | undefined): string {
    const req = view.req;
    if (this.tlsOnly) return `https://${req.authority}${req.path}`;
    const scheme = this.scheme ?? req.scheme;
    const portPart = this.port !== undefined ? `:${this.port}` : '';
    const host = this.host ?? requestHost(view, scheme, this.port !== undefined);
    let path: string;
    let keepQuery = !this.stripQuery;
    if (this.path !== undefined) {
      if (this.path.includes('?')) {
        // The redirect's own query replaces the request's, and strip_query does not apply to it.
        path = this.path;
        keepQuery = true;
      } else path = this.path + view.suffix;
    } else if (this.rewrite !== undefined && match !== undefined) {
      path = rewritePath(this.rewrite, view, match);
    } else path = req.path;
    if (!path.startsWith('/')) path = '/' + path;
    if (!keepQuery) {
      const q = path.indexOf('?');
      if (q >= 0) path = path.slice(0, q);
    }
    return `${scheme}://${host}${portPart}${path}`;
  }
}

// The request's host for the Location: its port goes when a new port is set,
// or when the scheme changes and the port is the old scheme's default.
function requestHost(view: RequestView, newScheme: string, newPort: boolean): string {
  const host = view.req.authority;
  if (host === '') return host;
  const portStart = host.startsWith('[') ? (host.lastIndexOf(']:') < 0 ? -1 : host.lastIndexOf(']:') + 1) : host.lastIndexOf(':');
  if (portStart < 0) return host;
  const port = host.slice(portStart);
  const proto = view.req.headers.get('x-forwarded-proto') ?? view.req.scheme;
  let remove = newPort;
  if (newScheme !== proto) {
    remove ||= (proto === 'https' && port === ':443') || (proto === 'http' && port === ':80');
  }
  return remove ? host.slice(0, portStart) : host;
}

/** Decodes a RedirectAction; undefined (errors reported) when unusable. */
export function decodeRedirect(r: envoy_config_route_v3_RedirectAction, path: string, errs: ConfigErrors): Redirect | undefined {
  checkSupported(r, path, errs, [
    'https_redirect', 'scheme_redirect', 'host_redirect', 'port_redirect', 'path_redirect',
    'prefix_rewrite', 'regex_rewrite', 'response_code', 'strip_query',
  ]);
  let ok = true;
  if (r.https_redirect !== undefined && r.scheme_redirect !== undefined) {
    errs.error(path, 'only one of https_redirect, scheme_redirect may be set', CFG.CONFLICT);
    ok = false;
  }
  const pathSpecs = (['path_redirect', 'prefix_rewrite', 'regex_rewrite'] as const).filter((k) => r[k] !== undefined);
  if (pathSpecs.length > 1) {
    errs.error(path, `only one of path_redirect, prefix_rewrite, regex_rewrite may be set (found ${pathSpecs.join(', ')})`, CFG.CONFLICT);
    ok = false;
  }
  let scheme: string | undefined;
  if (r.scheme_redirect !== undefined) {
    scheme = r.scheme_redirect.toLowerCase();
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
      errs.error(joinPath(path, 'scheme_redirect'), `invalid scheme ${JSON.stringify(r.scheme_redirect)}`);
      ok = false;
    }
  } else if (r.https_redirect === true) scheme = 'https';
  const host = r.host_redirect;
  if (host !== undefined && (host === '' || /[\0\r\n/?#@\s]/.test(host))) {
    errs.error(joinPath(path, 'host_redirect'), `invalid host ${JSON.stringify(host)}`);
    ok = false;
  }
  // proto3 uint32: 0 is the same as unset.
  const port = r.port_redirect === 0 ? undefined : r.port_redirect;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    errs.error(joinPath(path, 'port_redirect'), 'must be a port number (1-65535)');
    ok = false;
  }
  if (r.path_redirect !== undefined && /[\0\r\n]/.test(r.path_redirect)) {
    errs.error(joinPath(path, 'path_redirect'), 'must not contain NUL, CR or LF');
    ok = false;
  }
  let status = DEFAULT_REDIRECT_STATUS;
  if (r.response_code !== undefined) {
    const s = STATUS[r.response_code];
    if (s === undefined) {
      errs.error(joinPath(path, 'response_code'), `unknown response_code ${String(r.response_code)}`);
      ok = false;
    } else status = s;
  }
  const rewrite = pathSpecs.length > 1 ? undefined : decodePathRewrite(r.prefix_rewrite, r.regex_rewrite, path, errs);
  if (r.regex_rewrite !== undefined && !rewrite) ok = false;
  if (!ok) return undefined;
  return new Redirect(status, scheme, host, port, r.path_redirect, rewrite, r.strip_query === true);
}
