// envoy.filters.http.buffer: holds the request until its body is complete,
// then lets the filters after it and the router see it whole (with a
// content-length when the client sent none). A body over max_request_bytes
// is answered 413 "Payload Too Large" (request_payload_too_large), counted in
// http.<stat_prefix>.downstream_rq_too_large as Envoy's connection manager does.
import { STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { BUFFER_PER_ROUTE_TYPE_URL, decodeBufferPerRoute, type BufferPerRouteSettings, type BufferSettings } from './decode.js';

export const bufferPerRoute = new PerRouteConfigs<BufferPerRouteSettings>([BUFFER_PER_ROUTE_TYPE_URL], decodeBufferPerRoute);

export const TOO_LARGE_BODY = 'Payload Too Large';
export const TOO_LARGE_DETAILS = 'request_payload_too_large';

export class BufferFilterFactory implements HttpFilterFactory {
  constructor(readonly name: string, readonly settings: BufferSettings, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    // A request without a body has nothing to wait for.
    if (stream.requestComplete) return undefined;
    const perRoute = bufferPerRoute.forStream(stream, this.name);
    if (perRoute === null || perRoute?.disabled) return undefined;
    return new BufferFilter(perRoute?.settings ?? this.settings, this.hcmStatPrefix);
  }
}

class BufferFilter implements HttpFilter {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly settings: BufferSettings, private readonly hcmStatPrefix: string) {}

  decodeHeaders(): FilterStatus {
    return STOP;
  }

  decodeData(stream: FilterStream, chunk: Buffer, end: boolean): Buffer | null {
    this.bytes += chunk.length;
    if (this.bytes > this.settings.maxRequestBytes) {
      this.chunks = [];
      stream.hcm.ctx.stats.counter(`http.${this.hcmStatPrefix}.downstream_rq_too_large`).inc();
      stream.sendLocalReply({ status: 413, code: 'WEFT_REQUEST_TOO_LARGE', flag: 0, cause: `request body over max_request_bytes (${this.settings.maxRequestBytes})`, body: TOO_LARGE_BODY, details: TOO_LARGE_DETAILS });
      return null;
    }
    if (chunk.length) this.chunks.push(chunk);
    if (end) this.release(stream, undefined);
    return null;
  }

  decodeTrailers(stream: FilterStream, trailers: HeaderMap): FilterStatus {
    this.release(stream, trailers);
    return STOP;
  }

  /** The body is complete: pass it (and the trailers) on and resume the header path. */
  private release(stream: FilterStream, trailers: HeaderMap | undefined): void {
    const body = Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    // As Envoy: the whole body is known now, so it gets a length (not with trailers: those need chunked framing).
    if (!trailers && !stream.headers.has('content-length')) stream.headers.set('content-length', String(body.length));
    stream.injectDecodedData(this, body, trailers === undefined);
    if (trailers) stream.injectDecodedTrailers(this, trailers);
    stream.continueDecoding();
  }
}
