// The live side of one HTTP connection manager config: its stats, its router,
// and the request/response header rules Envoy's connection manager applies
// (x-request-id, x-forwarded-for/-proto, server, date). Shared by every
// connection accepted on the filter chain; swapped as a whole on config change.
import net from 'node:net';
import type { Clock } from '../../common/clock.js';
import type { Logger } from '../../common/log.js';
import type { StreamInfo } from '../access-log/stream-info.js';
import type { AccessLogger } from '../access-log/logger.js';
import type { RouteTable } from '../route/route-table.js';
import { Router } from '../router/router.js';
import type { ProxyContext } from '../context.js';
import type { HttpFilterFactory } from '../http/filter.js';
import type { HcmConfig } from './hcm-config.js';
import type { HeaderMap } from '../http/headers.js';
import { HttpStream, type ConnectionManager } from '../http/stream.js';
import { dateHeader } from '../http/date.js';
import { HcmStats } from '../http/hcm-stats.js';
import type { RouterFactory } from '../router/registration.js';
import { HttpTracer, spanKindFor } from '../tracing/http-tracer.js';

/** Request body bytes buffered before reading from the downstream pauses (Envoy's default buffer limit is 1 MiB). */
const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

export class HcmRuntime implements ConnectionManager {
  readonly stats: HcmStats;
  readonly router: Router;
  readonly filterFactories: readonly HttpFilterFactory[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly bufferLimit = DEFAULT_BUFFER_LIMIT;
  private readonly accessLoggers: AccessLogger[];
  readonly tracer: HttpTracer | undefined;
  /** Streams in flight, for draining. */
  activeStreams = 0;

  constructor(
    readonly config: HcmConfig,
    readonly ctx: ProxyContext,
    /** Returns the current route table (inline, or the latest RDS version). */
    private readonly routes: () => RouteTable | undefined,
  ) {
    this.clock = ctx.clock;
    this.log = ctx.log;
    this.stats = new HcmStats(ctx.stats, config.statPrefix);
    const all = config.filters;
    const routerFactory = all.find((f): f is RouterFactory => (f as Partial<RouterFactory>).terminal === true);
    this.filterFactories = all.filter((f) => f !== routerFactory);
    this.router = new Router(ctx, this, routerFactory?.routerConfig);
    this.accessLoggers = config.accessLogs.map((a) => ctx.accessLogs.get(a));
    this.tracer = config.tracing ? new HttpTracer(config.tracing, ctx, spanKindFor(config.trafficDirection)) : undefined;
  }

  random(): number {
    return this.ctx.random();
  }

  routeTable(): RouteTable | undefined {
    return this.routes();
  }

  /** Creates a stream for a request whose head has arrived. */
  newStream(...args: ConstructorParameters<typeof HttpStream> extends [unknown, ...infer R] ? R : never): HttpStream {
    this.activeStreams++;
    return new HttpStream(this, ...args);
  }

  onStreamDone(_s: HttpStream): void {
    this.activeStreams--;
  }

  logAccess(info: StreamInfo): void {
    for (const l of this.accessLoggers) l.log(info);
  }

  /** Envoy's ConnectionManagerUtility::mutateRequestHeaders, the parts weft implements. */
  mutateRequestHeaders(s: HttpStream): void {
    const c = this.config;
    const h = s.headers;
    const remote = s.conn.remoteAddress;
    let external = true;
    if (c.useRemoteAddress) {
      external = !isInternalAddress(remote);
      if (!c.skipXffAppend) {
        const xff = h.getJoined('x-forwarded-for');
        h.set('x-forwarded-for', xff ? `${xff},${remote}` : remote);
      }
      h.set('x-forwarded-proto', s.conn.scheme);
      if (external) {
        h.set('x-envoy-external-address', remote);
        h.remove('x-envoy-internal');
      } else h.set('x-envoy-internal', 'true');
    } else {
      // Not the edge: trust what the previous hop said.
      external = h.get('x-envoy-internal') !== 'true';
      if (!h.has('x-forwarded-proto')) h.set('x-forwarded-proto', s.conn.scheme);
    }
    if (c.via) {
      const v = h.get('via');
      h.set('via', v ? `${v}, ${c.via}` : c.via);
    }
    if (c.generateRequestId) {
      const rid = h.get('x-request-id');
      if (!rid || (c.useRemoteAddress && external && !c.preserveExternalRequestId)) h.set('x-request-id', HttpStream.newRequestId());
    }
    if (c.useRemoteAddress && external) {
      // Envoy never lets an external client steer retries or timeouts.
      for (const n of EXTERNAL_STRIPPED) h.remove(n);
      for (const n of this.routeTable()?.internalOnlyHeaders ?? []) h.remove(n);
    }
    if (c.normalizePath || c.mergeSlashes) s.path = normalizePath(s.path, c.normalizePath, c.mergeSlashes);
    if (c.headersWithUnderscores === 'DROP_HEADER') {
      for (let i = h.names.length - 1; i >= 0; i--) if (h.names[i]!.includes('_')) h.remove(h.names[i]!);
    }
    const te = h.get('te');
    if (te !== undefined && te.toLowerCase() !== 'trailers') h.remove('te');
    // Envoy never forwards its own debugging headers from outside.
    if (c.useRemoteAddress && external) {
      h.remove('x-envoy-decorator-operation');
      h.remove('x-envoy-downstream-service-cluster');
    }
    if (c.stripPortMode !== 'none') {
      const i = s.authority.lastIndexOf(':');
      if (i > 0 && s.authority.indexOf(']', i) < 0) {
        if (c.stripPortMode === 'any' || s.authority.slice(i + 1) === String(s.conn.localPort)) s.authority = s.authority.slice(0, i);
      }
    }
  }

  /** Envoy's response header rules: server, date, x-request-id echo. */
  mutateResponseHeaders(s: HttpStream, h: HeaderMap): void {
    const c = this.config;
    if (c.serverHeaderTransformation === 'OVERWRITE') h.set('server', c.serverName);
    else if (c.serverHeaderTransformation === 'APPEND_IF_ABSENT' && !h.has('server')) h.set('server', c.serverName);
    h.set('date', dateHeader(this.clock.wallNow()));
    if (c.alwaysSetRequestIdInResponse) {
      const rid = s.headers.get('x-request-id');
      if (rid) h.set('x-request-id', rid);
    }
    if (c.via) {
      const v = h.get('via');
      h.set('via', v ? `${v}, ${c.via}` : c.via);
    }
  }
}

/** Control headers Envoy strips from external requests (ConnectionManagerUtility). */
const EXTERNAL_STRIPPED = [
  'x-envoy-retry-on', 'x-envoy-retry-grpc-on', 'x-envoy-max-retries', 'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-ms', 'x-envoy-upstream-rq-per-try-timeout-ms', 'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms', 'x-envoy-ip-tags', 'x-envoy-downstream-service-cluster', 'x-envoy-downstream-service-node',
];

/**
 * RFC 3986 §6.2.2 normalization of the path part (dot segments removed,
 * percent-encoded unreserved characters decoded) and/or merged slashes.
 */
export function normalizePath(raw: string, normalize: boolean, merge: boolean): string {
  const q = raw.search(/[?#]/);
  let path = q < 0 ? raw : raw.slice(0, q);
  const rest = q < 0 ? '' : raw.slice(q);
  if (normalize) {
    path = path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
      const c = parseInt(hex, 16);
      const ch = String.fromCharCode(c);
      return /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${hex.toUpperCase()}`;
    });
    const out: string[] = [];
    for (const seg of path.split('/')) {
      if (seg === '.') continue;
      if (seg === '..') {
        if (out.length > 1) out.pop();
        continue;
      }
      out.push(seg);
    }
    path = out.join('/');
    if (/\/\.\.?$/.test(raw.slice(0, q < 0 ? raw.length : q)) && !path.endsWith('/')) path += '/';
    if (!path.startsWith('/')) path = '/' + path;
  }
  if (merge) path = path.replace(/\/{2,}/g, '/');
  return path + rest;
}

/** Envoy's default notion of internal: RFC 1918, loopback, and their IPv6 equivalents. */
export function isInternalAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  if (net.isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (ip === '::1') return true;
  return /^f[cd]/i.test(ip);
}
