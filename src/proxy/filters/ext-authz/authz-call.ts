// One check call to the authorizer, over the proxy's own cluster (its load
// balancing, connection pool, TLS and circuit breakers apply, and HTTP/2
// connections are reused across checks). gRPC: a unary
// envoy.service.auth.v3.Authorization/Check; HTTP: the client's request head
// (filtered) with an empty or buffered body. Either ends in exactly one
// AuthzResult, or none if cancelled first.
import type { Clock, TimerHandle } from '../../../common/clock.js';
import type { FilterClusterView } from '../../http/filter.js';
import { HeaderMap } from '../../http/headers.js';
import type { UpstreamRequest, UpstreamRequestHead } from '../../upstream/types.js';
import { decodeCheckResponse, type HeaderOption } from './check-proto.js';
import type { GrpcAuthzService, HttpAuthzService } from './decode.js';
import { CHECK_METHOD_PATH, DEFAULT_DENIED_STATUS, HEADERS_TO_REMOVE_HEADER } from './defaults.js';

export interface AuthzOk {
  readonly kind: 'ok';
  /** Applied to the request before it goes on. */
  readonly requestHeaders: readonly HeaderOption[];
  readonly headersToRemove: readonly string[];
  /** Added to the client's response (gRPC response_headers_to_add; HTTP allowed_client_headers_on_success). */
  readonly responseHeaders: readonly HeaderOption[];
  readonly queryParametersToSet: readonly (readonly [string, string])[];
  readonly queryParametersToRemove: readonly string[];
  readonly dynamicMetadata: boolean;
}

export interface AuthzDenied {
  readonly kind: 'denied';
  readonly status: number;
  /** Go to the client with the denial. */
  readonly headers: readonly HeaderOption[];
  readonly body: string;
}

export interface AuthzError {
  readonly kind: 'error';
  /** Why, for x-weft-error and the log. */
  readonly reason: string;
}

export type AuthzResult = AuthzOk | AuthzDenied | AuthzError;

/** Cancels a call in flight (the stream ended); no result follows. */
export type CancelCall = () => void;

const EMPTY: readonly never[] = [];

/** Collects one upstream exchange and turns it into a result; owns the timer and the cancel. */
abstract class Exchange {
  protected done = false;
  protected status = 0;
  protected headers: HeaderMap | undefined;
  protected trailers: HeaderMap | undefined;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private timer: TimerHandle | undefined;
  protected req: UpstreamRequest | undefined;

  constructor(private readonly onResult: (r: AuthzResult) => void) {}

  start(cluster: FilterClusterView | undefined, clusterName: string, protocol: string, head: UpstreamRequestHead, body: Buffer | undefined, clock: Clock, timeoutMs: number): CancelCall {
    if (!cluster?.pickHost || !cluster.newRequest) return this.fail(`cluster ${clusterName} not found`);
    const host = cluster.pickHost();
    if (!host) return this.fail(`no healthy upstream in cluster ${clusterName}`);
    if (timeoutMs > 0) timeoutMs = Math.max(1, Math.round(timeoutMs));
    try {
      this.req = cluster.newRequest(host, protocol, head, {
        onHeaders: (st, h, end) => {
          this.status = st;
          this.headers = h;
          if (end) this.finish();
        },
        onData: (chunk, end) => {
          if (chunk.length) {
            this.chunks.push(chunk);
            this.bytes += chunk.length;
          }
          if (end) this.finish();
        },
        onTrailers: (t) => {
          this.trailers = t;
          this.finish();
        },
        onReset: (reason, detail) => this.end({ kind: 'error', reason: `${reason}${detail ? ` (${detail})` : ''}` }),
      });
      if (timeoutMs > 0) this.timer = clock.setTimer(timeoutMs, () => {
        if (this.done) return;
        this.req?.reset();
        this.end({ kind: 'error', reason: `timeout after ${timeoutMs}ms` });
      });
      if (!head.end) this.req.sendData(body ?? Buffer.alloc(0), true);
    } catch (err) {
      this.end({ kind: 'error', reason: String(err) });
    }
    return () => {
      if (this.done) return;
      this.done = true;
      this.timer?.cancel();
      this.req?.reset();
    };
  }

  private fail(reason: string): CancelCall {
    // Not in the caller's own stack frame: the filter has not returned STOP yet.
    queueMicrotask(() => this.end({ kind: 'error', reason }));
    return () => {
      this.done = true;
    };
  }

  protected body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
  }

  private finish(): void {
    if (this.done) return;
    let r: AuthzResult;
    try {
      r = this.result();
    } catch (err) {
      r = { kind: 'error', reason: `malformed authorization response: ${String(err)}` };
    }
    this.end(r);
  }

  private end(r: AuthzResult): void {
    if (this.done) return;
    this.done = true;
    this.timer?.cancel();
    this.chunks = [];
    this.onResult(r);
  }

  protected abstract result(): AuthzResult;
}

// ---- gRPC ----

/** The constant part of a gRPC check call's head, built once per service. */
export class GrpcCheckTemplate {
  private readonly names: string[];
  private readonly values: string[];

  constructor(readonly service: GrpcAuthzService) {
    this.names = ['content-type', 'te'];
    this.values = ['application/grpc', 'trailers'];
    if (service.timeoutMs > 0) {
      this.names.push('grpc-timeout');
      this.values.push(`${Math.max(1, Math.round(service.timeoutMs))}m`);
    }
    for (const [k, v] of service.initialMetadata) {
      this.names.push(k);
      this.values.push(v);
    }
  }

  /** Starts Check with an encoded, framed CheckRequest. */
  check(cluster: FilterClusterView | undefined, frame: Buffer, clock: Clock, onResult: (r: AuthzResult) => void): CancelCall {
    const headers = new HeaderMap(this.names.slice(), this.values.slice());
    headers.add('content-length', String(frame.length));
    const head: UpstreamRequestHead = { method: 'POST', path: CHECK_METHOD_PATH, authority: this.service.authority, scheme: 'http', headers, end: false, noTrailers: true };
    return new GrpcExchange(onResult).start(cluster, this.service.cluster, 'HTTP/2', head, frame, clock, this.service.timeoutMs);
  }
}

class GrpcExchange extends Exchange {
  protected result(): AuthzResult {
    if (this.status !== 200) return { kind: 'error', reason: `authorizer answered HTTP ${this.status}` };
    const gs = this.trailers?.get('grpc-status') ?? this.headers?.get('grpc-status');
    if (gs !== '0') {
      const msg = this.trailers?.get('grpc-message') ?? this.headers?.get('grpc-message');
      return { kind: 'error', reason: `grpc-status ${gs ?? 'missing'}${msg ? ` (${decodeURIComponent(msg)})` : ''}` };
    }
    const buf = this.body();
    if (buf.length < 5) throw new RangeError('no response message');
    if (buf[0] !== 0) throw new RangeError('compressed response message');
    const len = buf.readUInt32BE(1);
    if (buf.length < 5 + len) throw new RangeError('truncated response message');
    const resp = decodeCheckResponse(buf.subarray(5, 5 + len));
    if (resp.code === 0) {
      const ok = resp.ok;
      return {
        kind: 'ok',
        requestHeaders: ok?.headers ?? EMPTY,
        headersToRemove: ok?.headersToRemove ?? EMPTY,
        responseHeaders: ok?.responseHeadersToAdd ?? EMPTY,
        queryParametersToSet: ok?.queryParametersToSet ?? EMPTY,
        queryParametersToRemove: ok?.queryParametersToRemove ?? EMPTY,
        dynamicMetadata: resp.dynamicMetadata,
      };
    }
    const d = resp.denied;
    return { kind: 'denied', status: d && d.status >= 100 && d.status < 600 ? d.status : DEFAULT_DENIED_STATUS, headers: d?.headers ?? EMPTY, body: d?.body ?? '' };
  }
}

// ---- HTTP ----

/** Starts one HTTP check: `head` is the authorization request already built from the client's request. */
export function httpCheck(service: HttpAuthzService, cluster: FilterClusterView | undefined, head: UpstreamRequestHead, body: Buffer | undefined, clock: Clock, onResult: (r: AuthzResult) => void): CancelCall {
  return new HttpExchange(service, onResult).start(cluster, service.cluster, 'HTTP/1.1', head, body, clock, service.timeoutMs);
}

class HttpExchange extends Exchange {
  constructor(private readonly service: HttpAuthzService, onResult: (r: AuthzResult) => void) {
    super(onResult);
  }

  protected result(): AuthzResult {
    const h = this.headers!;
    const s = this.service;
    // Envoy: 200 allows; a 5xx is an error (failure_mode_allow applies); any other status denies.
    if (this.status >= 500) return { kind: 'error', reason: `authorizer answered HTTP ${this.status}` };
    if (this.status === 200) {
      const requestHeaders: HeaderOption[] = [];
      const responseHeaders: HeaderOption[] = [];
      let headersToRemove: string[] = [];
      for (let i = 0; i < h.names.length; i++) {
        const key = h.names[i]!;
        const value = h.values[i]!;
        if (key === HEADERS_TO_REMOVE_HEADER) {
          headersToRemove = headersToRemove.concat(value.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));
          continue;
        }
        if (s.upstreamHeaders?.(key)) requestHeaders.push({ key, value, append: false, appendAction: 0 });
        if (s.upstreamHeadersToAppend?.(key)) requestHeaders.push({ key, value, append: true, appendAction: 0 });
        if (s.clientHeadersOnSuccess?.(key)) responseHeaders.push({ key, value, append: true, appendAction: 0 });
      }
      return { kind: 'ok', requestHeaders, headersToRemove, responseHeaders, queryParametersToSet: EMPTY, queryParametersToRemove: EMPTY, dynamicMetadata: false };
    }
    const headers: HeaderOption[] = [];
    for (let i = 0; i < h.names.length; i++) {
      const key = h.names[i]!;
      // Unset allowed_client_headers: every header but Host (and the framing ones weft sets itself).
      const pass = s.clientHeaders ? s.clientHeaders(key) : key !== 'host' && key !== ':authority';
      if (pass && key !== 'content-length' && key !== 'transfer-encoding' && key !== 'connection') headers.push({ key, value: h.values[i]!, append: false, appendAction: 0 });
    }
    return { kind: 'denied', status: this.status, headers, body: this.body().toString('utf8') };
  }
}
