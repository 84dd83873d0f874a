// Test support for HTTP filter unit tests (fault, local rate limit): real
// HttpStreams over a minimal connection manager runtime, with a ManualClock,
// a scripted or seeded random source, a StatsStore, a route table and a fake
// router that answers 200 at once. Not used by production code.
import { ConfigErrors } from '../../../common/errors.js';
import { ManualClock } from '../../../common/clock.js';
import type { Logger } from '../../../common/log.js';
import { StatsStore } from '../../../stats/stats-store.js';
import type { AnyMessage, envoy_config_route_v3_RouteConfiguration } from '../../../xds/gen/types.js';
import type { ConnectionInfo, DownstreamSink } from '../../http/downstream.js';
import type { FilterDecodeContext, HttpFilterFactory } from '../../http/filter.js';
import { HcmStats } from '../../http/hcm-stats.js';
import { HeaderMap } from '../../http/headers.js';
import { HttpStream, type ConnectionManager } from '../../http/stream.js';
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeRouteConfiguration } from '../../route/decode-route-config.js';
import type { RouteTable } from '../../route/route-table.js';
import { RuntimeSnapshot } from '../../runtime/runtime-snapshot.js';

import { seededRandom } from '../../../common/seeded-random.js';
export { seededRandom };

/** What the downstream saw. */
export class FakeSink implements DownstreamSink {
  readonly protocol = 'HTTP/1.1' as const;
  status = 0;
  headers: HeaderMap | undefined;
  body = '';
  ended = false;
  wasReset = false;
  onDrain: (() => void) | undefined;
  get headersSent(): boolean {
    return this.headers !== undefined;
  }
  writeHeaders(status: number, headers: HeaderMap, end: boolean): void {
    this.status = status;
    this.headers = headers;
    if (end) this.ended = true;
  }
  writeData(chunk: Buffer, end: boolean): boolean {
    this.body += chunk.toString();
    if (end) this.ended = true;
    return true;
  }
  writeTrailers(): void {
    this.ended = true;
  }
  reset(): void {
    this.wasReset = true;
  }
  pauseRequest(): void {}
  resumeRequest(): void {}
}

export interface SentRequest {
  stream: HttpStream;
  sink: FakeSink;
}

export interface RequestOptions {
  path?: string;
  method?: string;
  authority?: string;
  headers?: [string, string][];
  /** Sends content-type application/grpc. */
  grpc?: boolean;
  conn?: ConnectionInfo;
}

let connIds = 0;

/** A downstream connection's fixed facts. */
export function connection(): ConnectionInfo {
  return { id: ++connIds, remoteAddress: '10.0.0.1', remotePort: 40000 + connIds, localAddress: '10.0.0.2', localPort: 8080, scheme: 'http' };
}

/** A connection manager for filter tests. */
export class FilterHarness {
  readonly clock = new ManualClock();
  readonly store = new StatsStore();
  /** Replace to script the random source; defaults to a fixed seed. */
  random: () => number = seededRandom(1);
  /** Streams that reached the router, in order. */
  readonly routed: HttpStream[] = [];
  /** When false, the fake router holds streams instead of answering 200. */
  routerAnswers = true;
  readonly errors: string[] = [];
  readonly factories: HttpFilterFactory[] = [];
  routes: RouteTable | undefined;
  /** Runtime values the filters see (replace to test runtime overrides). */
  runtime: RuntimeSnapshot = RuntimeSnapshot.EMPTY;
  readonly hcm: ConnectionManager;

  constructor(readonly statPrefix = 'ingress_http') {
    const log: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m) => this.errors.push(m),
      child: () => log,
    };
    const self = this;
    const fake = {
      clock: this.clock,
      log,
      ctx: { clock: this.clock, stats: this.store, log, random: () => self.random(), runtime: { snapshot: () => self.runtime }, overload: { rejectRequest: () => false } },
      stats: new HcmStats(this.store, statPrefix),
      config: { statPrefix, requestTimeoutMs: 0, streamIdleTimeoutMs: 0 },
      get filterFactories() {
        return self.factories;
      },
      router: {
        decodeHeaders(s: HttpStream) {
          self.routed.push(s);
          if (self.routerAnswers) s.encodeHeaders(200, new HeaderMap(['content-type'], ['text/plain']), true);
        },
      },
      bufferLimit: 1 << 20,
      activeStreams: 0,
      random: () => self.random(),
      routeTable: () => self.routes,
      mutateRequestHeaders: () => {},
      mutateResponseHeaders: () => {},
      logAccess: () => {},
      onStreamDone: () => {},
    };
    this.hcm = fake as unknown as ConnectionManager;
  }

  /** Decodes a filter with `decoder` and appends it to the chain; throws with every error when refused. */
  addFilter(reg: HttpFilterRegistration, name: string, cfg: AnyMessage): HttpFilterFactory {
    const errs = new ConfigErrors();
    const ctx: FilterDecodeContext = { name, statPrefix: this.statPrefix };
    const config = reg.decode(cfg, 'filter', errs, ctx);
    if (config === undefined || errs.hasErrors) throw new Error(`filter refused:\n${errs.format()}`);
    const f = reg.factory(config, ctx);
    this.factories.push(f);
    return f;
  }

  /** Installs a route table (throws with every error when refused). */
  setRoutes(rc: envoy_config_route_v3_RouteConfiguration): void {
    const errs = new ConfigErrors();
    const t = decodeRouteConfiguration(rc, 'rc', errs);
    if (errs.hasErrors) throw new Error(`routes refused:\n${errs.format()}`);
    this.routes = t;
  }

  /** Starts one request through the filter chain. */
  send(o: RequestOptions = {}): SentRequest {
    const h = new HeaderMap();
    for (const [n, v] of o.headers ?? []) h.add(n.toLowerCase(), v);
    if (o.grpc) h.set('content-type', 'application/grpc');
    const sink = new FakeSink();
    const stream = new HttpStream(this.hcm, o.conn ?? connection(), sink, o.method ?? 'GET', o.path ?? '/', o.authority ?? 'example.com', 'http', h);
    stream.onRequestData(Buffer.alloc(0), true);
    stream.start();
    return { stream, sink };
  }

  counter(name: string): number {
    return this.store.counter(name).value;
  }

  gauge(name: string): number {
    return this.store.gauge(name).value;
  }
}
