// envoy.filters.http.compressor: compresses response bodies with gzip or
// brotli (node:zlib, streaming). Lifetimes as in Envoy: CompressorSettings
// (decoded, immutable), the factory (settings + stats, shared by the
// listener's streams) and CompressorFilter (one stream's zlib stream).
//
// The decision is made on the response head, in Envoy's order and with its
// stats: content-length ≥ min_content_length, the accept-encoding negotiation,
// then content type, `cache-control: no-transform`, the ETag rule, no
// content-encoding, no compressing transfer-encoding; a response that ends
// with its head (HEAD, 204, 304) is never compressed. Compressed output is injected downstream as zlib produces it;
// zlib's input buffer above its limit pauses the upstream (encoder watermark),
// a full downstream pauses zlib's output.
import zlib from 'node:zlib';
import { CONTINUE, STOP, type FilterStatus, type FilterStream, type HttpFilter, type HttpFilterFactory } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import { PerRouteConfigs } from '../common/per-route.js';
import { negotiationFor, type EncodingNegotiation, type Registrant } from './accept-encoding.js';
import { CompressorStats } from './compressor-stats.js';
import { decodeCompressorPerRoute, mediaType, type CompressorLibrary, type CompressorPerRouteSettings, type CompressorSettings } from './decode.js';
import { COMPRESSOR_PER_ROUTE_TYPE_URL } from './defaults.js';

export const compressorPerRoute = new PerRouteConfigs<CompressorPerRouteSettings>([COMPRESSOR_PER_ROUTE_TYPE_URL], decodeCompressorPerRoute);

export class CompressorFilterFactory implements HttpFilterFactory {
  private stats: CompressorStats | undefined;

  constructor(readonly name: string, readonly settings: CompressorSettings, private readonly hcmStatPrefix: string) {}

  create(stream: FilterStream): HttpFilter | undefined {
    const s = this.settings;
    if (!s.enabled) return undefined;
    const perRoute = compressorPerRoute.forStream(stream, this.name);
    if (perRoute === null || perRoute?.disabled) return undefined;
    const store = stream.hcm.ctx.stats;
    if (!this.stats || this.stats.store !== store) {
      const lib = s.library.kind === 'gzip' ? 'gzip' : 'brotli';
      this.stats = new CompressorStats(store, `http.${this.hcmStatPrefix}.compressor.${s.libraryName}.${lib}.${s.directionStatPrefix}`);
    }
    return new CompressorFilter(s, this.stats, perRoute?.removeAcceptEncodingHeader ?? s.removeAcceptEncodingHeader);
  }
}

export class CompressorFilter implements HttpFilter {
  private negotiation: EncodingNegotiation | undefined;
  private readonly registrant: Registrant;
  private z: zlib.Gzip | zlib.BrotliCompress | undefined;
  private aboveWatermark = false;
  private pendingTrailers: HeaderMap | undefined;
  private stream: FilterStream | undefined;

  constructor(private readonly settings: CompressorSettings, private readonly stats: CompressorStats, private readonly removeAcceptEncoding: boolean) {
    this.registrant = { encoding: settings.encoding, chooseFirst: settings.chooseFirst, contentTypes: settings.contentTypes };
  }

  decodeHeaders(stream: FilterStream): FilterStatus {
    this.negotiation = negotiationFor(stream);
    this.negotiation.registrants.push(this.registrant);
    if (this.removeAcceptEncoding) stream.headers.remove('accept-encoding');
    return CONTINUE;
  }

  encodeHeaders(stream: FilterStream, _status: number, headers: HeaderMap, end: boolean): void {
    // Local replies sent before this filter's decodeHeaders ran have no negotiation: left alone.
    const neg = this.negotiation;
    if (!neg) return;
    const s = this.settings;
    const st = this.stats;
    // Envoy's order and stats: length first (content_length_too_small), then whether the response
    // could be compressed at all, then the accept-encoding decision (counted only past the length).
    const len = headers.get('content-length');
    const bigEnough = len === undefined || (/^\d+$/.test(len.trim()) && Number(len) >= s.minContentLength);
    if (!bigEnough) st.contentLengthTooSmall.inc();
    const ct = headers.get('content-type');
    const type = ct === undefined ? undefined : mediaType(ct);
    const compressible = bigEnough
      && (type === undefined || s.contentTypes.has(type))
      && !/(^|,)\s*no-transform\s*(,|$)/i.test(headers.getJoined('cache-control') ?? '')
      && this.etagAllowed(headers)
      && !headers.has('content-encoding');
    let compress = false;
    if (!end && bigEnough) {
      if (neg.acceptEncoding === undefined) st.accept.no_accept_header.inc();
      else {
        const d = neg.decide(this.registrant, type);
        st.accept[d.outcome].inc();
        compress = d.compress;
      }
    }
    compress = compress && compressible && !/(^|,)\s*(gzip|br|deflate|compress|zstd)\s*(,|$)/i.test(headers.getJoined('transfer-encoding') ?? '');
    // A cache in front must key on accept-encoding whenever this response could be compressed.
    if (compressible) addVary(headers);
    if (!compress) {
      st.notCompressed.inc();
      return;
    }
    st.compressed.inc();
    // Envoy keeps weak ETags and drops strong ones: the compressed bytes are a different entity.
    const etag = headers.get('etag');
    if (etag !== undefined && etag.length > 2 && !/^w\//i.test(etag)) headers.remove('etag');
    headers.remove('content-length');
    headers.set('content-encoding', s.encoding);
    this.start(stream, s.library);
  }

  private etagAllowed(headers: HeaderMap): boolean {
    if (!this.settings.disableOnEtagHeader || !headers.has('etag')) return true;
    this.stats.notCompressedEtag.inc();
    return false;
  }

  private start(stream: FilterStream, lib: CompressorLibrary): void {
    this.stream = stream;
    const z = lib.kind === 'gzip'
      ? zlib.createGzip({ level: lib.level, memLevel: lib.memoryLevel, windowBits: lib.windowBits, strategy: lib.strategy, chunkSize: lib.chunkSize })
      : zlib.createBrotliCompress({
          chunkSize: lib.chunkSize,
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: lib.quality,
            [zlib.constants.BROTLI_PARAM_LGWIN]: lib.windowBits,
            [zlib.constants.BROTLI_PARAM_LGBLOCK]: lib.inputBlockBits,
            [zlib.constants.BROTLI_PARAM_MODE]: lib.mode,
            [zlib.constants.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: lib.disableLiteralContextModeling ? 1 : 0,
          },
        });
    this.z = z;
    z.on('data', (out: Buffer) => {
      this.stats.totalCompressedBytes.add(out.length);
      if (!stream.injectEncodedData(this, out, false)) z.pause();
    });
    z.on('end', () => {
      if (this.z !== z) return;
      this.z = undefined;
      if (this.pendingTrailers) stream.injectEncodedTrailers(this, this.pendingTrailers);
      else stream.injectEncodedData(this, Buffer.alloc(0), true);
    });
    z.on('drain', () => this.setAbove(false));
    z.on('error', (err) => {
      stream.hcm.log.error(`compressor: ${String(err)}`);
      this.z = undefined;
      stream.resetStream('compressor_error');
    });
  }

  encodeData(_stream: FilterStream, chunk: Buffer, end: boolean): Buffer | null {
    const z = this.z;
    if (!z) return chunk;
    if (chunk.length) {
      this.stats.totalUncompressedBytes.add(chunk.length);
      if (!z.write(chunk)) this.setAbove(true);
    }
    if (end) z.end();
    return null;
  }

  encodeTrailers(_stream: FilterStream, trailers: HeaderMap): FilterStatus {
    if (!this.z) return CONTINUE;
    this.pendingTrailers = trailers;
    this.z.end();
    return STOP;
  }

  encodeDrained(): void {
    this.z?.resume();
  }

  onDestroy(): void {
    this.setAbove(false);
    const z = this.z;
    this.z = undefined;
    z?.destroy();
  }

  private setAbove(above: boolean): void {
    if (this.aboveWatermark === above || !this.stream) return;
    this.aboveWatermark = above;
    this.stream.setEncoderAboveWatermark(above);
  }
}

function addVary(headers: HeaderMap): void {
  const vary = headers.getJoined('vary');
  if (vary === undefined) headers.set('vary', 'accept-encoding');
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) headers.set('vary', `${vary}, accept-encoding`);
}
