// The HTTP filter contract. As in Envoy, a request passes the filters in
// order (decode path) and the response passes them in reverse (encode path);
// the router is simply the last filter. A filter either lets the stream go on
// or stops it and later calls `stream.continueDecoding()` (a delay), or ends
// it with `stream.sendLocalReply(...)` (an abort, a rate limit).
//
// Filters see the stream through FilterStream (Envoy's filter callbacks), not
// the FilterStream class: stream.ts implements this contract and imports it,
// so the contract never imports the stream.
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.js';
import type { Clock } from '../../common/clock.js';
import type { ConfigErrors } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { AnyMessage } from '../../xds/gen/types.js';
import type { StreamInfo } from '../access-log/stream-info.js';
import type { StatsStore } from '../../stats/stats-store.js';
import type { ServerHealth } from '../server-health.js';
import type { NodeIdentity } from '../config/node-identity.js';
import type { RouteMatchResult } from '../route/route-entry.js';
import type { ConnectionInfo, HttpProtocol } from './downstream.js';
import type { HeaderMap } from './headers.js';
import type { LocalReply } from './local-reply.js';
import type { UpstreamHost } from '../upstream/host.js';
import type { UpstreamCallbacks, UpstreamRequest, UpstreamRequestHead } from '../upstream/types.js';

export const CONTINUE = 0;
export const STOP = 1;
export type FilterStatus = typeof CONTINUE | typeof STOP;

/** Where a stream is: running the decode path, sending the response, or finished. */
export type StreamState = 'decoding' | 'encoding' | 'done';

/**
 * A cluster as filters see it: its hosts (health check filter), and the calls
 * a filter makes to a side service over it (ext_authz's check). The request
 * methods are optional so test fakes need not provide them.
 */
export interface FilterClusterView {
  readonly hosts: readonly { readonly healthy: boolean }[];
  readonly config?: { readonly source?: { readonly metadata?: unknown } };
  pickHost?(): UpstreamHost | undefined;
  newRequest?(host: UpstreamHost, downstreamProtocol: string, head: UpstreamRequestHead, cb: UpstreamCallbacks): UpstreamRequest;
}

/** The connection manager's services a filter may use (the stream's `hcm`). */
export interface FilterServices {
  readonly clock: Clock;
  readonly log: Logger;
  /** Uniform [0, 1), the proxy's random source (seeded in tests). */
  random(): number;
  /**
   * A narrow view of ProxyContext: the stats store where filters create their
   * stats; the runtime snapshot of the moment; the clusters and the server's
   * health for the health check filter (optional so test fakes need not
   * provide them).
   */
  readonly ctx: {
    readonly stats: StatsStore;
    readonly runtime: { snapshot(): RuntimeSnapshot };
    readonly clusters?: { get(name: string): FilterClusterView | undefined };
    readonly serverHealth?: ServerHealth;
    /** The bootstrap's node (id, cluster, metadata): Istio's filters read the workload's identity from it. */
    readonly node?: NodeIdentity;
  };
}

/**
 * One request as an HTTP filter sees it (implemented by FilterStream). Filters
 * may edit the request head (method, path, authority, headers) on the decode
 * path, read the route chosen for it, and either let it go on, stop it and
 * later call continueDecoding(), or end it with sendLocalReply().
 */
export interface FilterStream {
  method: string;
  /** :path including the query string. */
  path: string;
  authority: string;
  scheme: string;
  readonly headers: HeaderMap;
  readonly protocol: HttpProtocol;
  readonly conn: ConnectionInfo;
  readonly info: StreamInfo;
  /** True when the downstream asked for gRPC (local replies become gRPC statuses). */
  readonly isGrpc: boolean;
  /** The route chosen when the request head arrived; undefined: no route (the router replies NR). */
  readonly route: RouteMatchResult | undefined;
  readonly state: StreamState;
  readonly hcm: FilterServices;
  /** True once the whole request (body included) has been received; at decodeHeaders: the request has no body. */
  readonly requestComplete: boolean;
  /** Runs the rest of the decode path after a filter returned STOP. */
  continueDecoding(): void;
  /**
   * Passes request body bytes on from `from` (a filter whose decodeData kept
   * chunks by returning null) to the filters after it and the router.
   */
  injectDecodedData(from: HttpFilter, data: Buffer, end: boolean): void;
  /** Passes request trailers on from `from` (whose decodeTrailers returned STOP). */
  injectDecodedTrailers(from: HttpFilter, trailers: HeaderMap): void;
  /**
   * Passes response body bytes on from `from` (whose encodeData kept chunks) to
   * the filters before it and the downstream. Returns false when the downstream
   * is full: the filter waits for its encodeDrained hook before injecting more.
   */
  injectEncodedData(from: HttpFilter, data: Buffer, end: boolean): boolean;
  /** Passes response trailers on from `from` (whose encodeTrailers returned STOP). */
  injectEncodedTrailers(from: HttpFilter, trailers: HeaderMap): void;
  /**
   * A filter holding response data is over (true) or back under (false) its
   * buffer limit: while any filter is over, the router is told to pause the
   * upstream (Envoy's encoder watermark callbacks). Calls must alternate.
   */
  setEncoderAboveWatermark(above: boolean): void;
  /**
   * Answers the request locally with a regular response (a CORS preflight, a
   * health check answer): it passes the encode path like an upstream response
   * and carries no x-weft-error. `details` becomes %RESPONSE_CODE_DETAILS%.
   */
  sendResponse(status: number, headers: HeaderMap, body: string, details: string): void;
  /** Aborts the exchange (after the response head went out, the only way to fail it). */
  resetStream(reason: string): void;
  /** Ends the stream with a response the proxy makes itself. */
  /** `extraHeaders` are added to the reply (a rate limit's x-ratelimit-* headers). */
  sendLocalReply(r: LocalReply, extraHeaders?: HeaderMap): void;
}

/**
 * Per-stream filter instance (or a shared stateless object).
 *
 * Body hooks (decodeData, decodeTrailers, encodeData, encodeTrailers) are
 * optional: a stream whose filters have none passes body bytes straight
 * between codec and router, deciding so once when the stream starts. A data
 * hook returns the bytes to pass on (the chunk itself, a transformed chunk, or
 * an empty buffer), or null: the filter keeps what it got and later passes
 * bytes on with inject*Data (buffering, or an asynchronous transform). Request
 * data reaches a filter only after its decodeHeaders ran; while the headers are
 * stopped at a filter, data for the filters after it waits in the stream.
 */
export interface HttpFilter {
  /** Request headers arrived and a route has been chosen (stream.route may be undefined: NR). */
  decodeHeaders?(stream: FilterStream): FilterStatus;
  /** Request body bytes; `end`: the last of them (no trailers follow). */
  decodeData?(stream: FilterStream, chunk: Buffer, end: boolean): Buffer | null;
  /** Request trailers (the end of the request); STOP: the filter injects them later. */
  decodeTrailers?(stream: FilterStream, trailers: HeaderMap): FilterStatus;
  /** Response headers on their way downstream; may edit them in place. `end`: no body follows. */
  encodeHeaders?(stream: FilterStream, status: number, headers: HeaderMap, end: boolean): void;
  /** Response body bytes on their way downstream (filters run in reverse order). */
  encodeData?(stream: FilterStream, chunk: Buffer, end: boolean): Buffer | null;
  /** Response trailers; STOP: the filter injects them later (after flushing what it holds). */
  encodeTrailers?(stream: FilterStream, trailers: HeaderMap): FilterStatus;
  /** The downstream can take more after injectEncodedData returned false. */
  encodeDrained?(stream: FilterStream): void;
  /** The stream ended (completed, reset or replied locally); release resources. */
  onDestroy?(stream: FilterStream): void;
}

/** A decoded filter config: immutable, shared by every stream of the listener. */
export interface HttpFilterFactory {
  /** The filter's config name (`name` in http_filters), used for typed_per_filter_config lookups. */
  readonly name: string;
  /** Returns the filter for a new stream, or undefined when the filter does nothing for it. */
  create(stream: FilterStream): HttpFilter | undefined;
}

/** Context given to decoders: the filter's name and where stats go. */
export interface FilterDecodeContext {
  name: string;
  statPrefix: string;
  /**
   * The listener's traffic_direction, when the decoder of the listener passes
   * it on (Istio's filters infer client or server side from it). Unset: the
   * filter falls back to its own rule.
   */
  trafficDirection?: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
}

export type HttpFilterDecoder = (cfg: AnyMessage, path: string, errs: ConfigErrors, ctx: FilterDecodeContext) => HttpFilterFactory | undefined;

/** Decoders for per-route overrides in typed_per_filter_config, by type URL. */
export type PerRouteDecoder = (cfg: AnyMessage, path: string, errs: ConfigErrors) => unknown;
