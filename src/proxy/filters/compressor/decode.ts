// envoy.extensions.filters.http.compressor.v3.Compressor (and
// CompressorPerRoute) decoded into immutable settings. The library
// (compressor_library.typed_config) is gzip or brotli; any other is refused
// by name at its path.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeDisabledOr } from '../common/per-route.js';
import type {
  AnyMessage,
  envoy_config_core_v3_RuntimeFeatureFlag,
  envoy_extensions_compression_brotli_compressor_v3_Brotli,
  envoy_extensions_compression_gzip_compressor_v3_Gzip,
  envoy_extensions_filters_http_compressor_v3_Compressor,
  envoy_extensions_filters_http_compressor_v3_CompressorPerRoute,
} from '../../../xds/gen/types.js';
import {
  BROTLI_DEFAULTS, BROTLI_MODES, BROTLI_TYPE_URL, DEFAULT_CONTENT_TYPES, DEFAULT_MIN_CONTENT_LENGTH,
  GZIP_DEFAULTS, GZIP_LEVELS, GZIP_STRATEGIES, GZIP_TYPE_URL,
} from './defaults.js';

export type CompressorLibrary =
  | { readonly kind: 'gzip'; readonly level: number; readonly memoryLevel: number; readonly windowBits: number; readonly strategy: number; readonly chunkSize: number }
  | { readonly kind: 'brotli'; readonly quality: number; readonly windowBits: number; readonly inputBlockBits: number; readonly mode: number; readonly chunkSize: number; readonly disableLiteralContextModeling: boolean };

export interface CompressorSettings {
  /** compressor_library.name: part of the stat prefix. */
  readonly libraryName: string;
  readonly library: CompressorLibrary;
  /** `gzip` or `br`: the content-encoding and the accept-encoding token. */
  readonly encoding: string;
  /** response_direction_config.common_config.enabled's default (runtime keys are not read). */
  readonly enabled: boolean;
  readonly minContentLength: number;
  /** Lower-cased media types without parameters. */
  readonly contentTypes: ReadonlySet<string>;
  readonly disableOnEtagHeader: boolean;
  readonly removeAcceptEncodingHeader: boolean;
  readonly chooseFirst: boolean;
  /** Stats live under `response.` when response_direction_config is set (Envoy's legacy tree otherwise). */
  readonly directionStatPrefix: string;
}

export interface CompressorPerRouteSettings {
  readonly disabled: boolean;
  readonly removeAcceptEncodingHeader: boolean | undefined;
}

const UINT32_MAX = 4294967295;

/** Decodes one Compressor; undefined (every error reported with its path) when unusable. */
export function decodeCompressor(cfg: envoy_extensions_filters_http_compressor_v3_Compressor, path: string, errs: ConfigErrors): CompressorSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, [
    'compressor_library', 'response_direction_config', 'request_direction_config', 'choose_first',
    // Deprecated v3 fields: honoured as Envoy does when response_direction_config is unset.
    'content_length', 'content_type', 'disable_on_etag_header', 'remove_accept_encoding_header', 'runtime_enabled',
  ]);
  const lib = decodeLibrary(cfg.compressor_library, joinPath(path, 'compressor_library'), errs);
  const rdc = cfg.response_direction_config;
  const rdcPath = joinPath(path, 'response_direction_config');
  checkSupported(rdc, rdcPath, errs, ['common_config', 'disable_on_etag_header', 'remove_accept_encoding_header']);
  const common = rdc?.common_config;
  const commonPath = joinPath(rdcPath, 'common_config');
  checkSupported(common, commonPath, errs, ['enabled', 'min_content_length', 'content_type']);
  if (rdc) {
    for (const k of ['content_length', 'content_type', 'disable_on_etag_header', 'remove_accept_encoding_header', 'runtime_enabled'] as const) {
      if (cfg[k] !== undefined) errs.error(joinPath(path, k), `deprecated field; set it in response_direction_config instead (both are set)`, CFG.CONFLICT);
    }
  }
  const rq = cfg.request_direction_config;
  if (rq) {
    // Request compression is not implemented; an explicitly disabled request direction is accepted.
    const rqPath = joinPath(path, 'request_direction_config');
    checkSupported(rq, rqPath, errs, ['common_config']);
    checkSupported(rq.common_config, joinPath(rqPath, 'common_config'), errs, ['enabled']);
    if (rq.common_config?.enabled?.default_value?.value !== false) errs.unsupported(joinPath(joinPath(rqPath, 'common_config'), 'enabled'), 'value (request compression; set enabled.default_value: false)');
  }
  const enabled = featureFlag(common ? common.enabled : cfg.runtime_enabled, common ? joinPath(commonPath, 'enabled') : joinPath(path, 'runtime_enabled'), errs);
  const minLen = common ? common.min_content_length : cfg.content_length;
  let minContentLength = DEFAULT_MIN_CONTENT_LENGTH;
  if (minLen !== undefined) {
    const v = minLen.value ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) errs.error(common ? joinPath(commonPath, 'min_content_length') : joinPath(path, 'content_length'), `must be a non-negative integer (got ${v})`);
    else minContentLength = v;
  }
  const types = common ? common.content_type : cfg.content_type;
  const contentTypes = new Set((types && types.length > 0 ? types : DEFAULT_CONTENT_TYPES).map((t) => mediaType(t)));
  if (errs.errors.length > before || !lib) return undefined;
  return {
    libraryName: cfg.compressor_library?.name ?? '',
    library: lib,
    encoding: lib.kind === 'gzip' ? 'gzip' : 'br',
    enabled,
    minContentLength,
    contentTypes,
    disableOnEtagHeader: rdc ? rdc.disable_on_etag_header === true : cfg.disable_on_etag_header === true,
    removeAcceptEncodingHeader: rdc ? rdc.remove_accept_encoding_header === true : cfg.remove_accept_encoding_header === true,
    chooseFirst: cfg.choose_first === true,
    directionStatPrefix: rdc ? 'response.' : '',
  };
}

export function decodeCompressorPerRoute(cfg: AnyMessage, path: string, errs: ConfigErrors): CompressorPerRouteSettings | undefined {
  type Overrides = NonNullable<envoy_extensions_filters_http_compressor_v3_CompressorPerRoute['overrides']>;
  const o = decodeDisabledOr<Overrides>(cfg as never, 'overrides', path, errs);
  if (o === undefined) return undefined;
  if (o === 'disabled') return { disabled: true, removeAcceptEncodingHeader: undefined };
  const oPath = joinPath(path, 'overrides');
  checkSupported(o, oPath, errs, ['response_direction_config']);
  const r = o.response_direction_config;
  checkSupported(r, joinPath(oPath, 'response_direction_config'), errs, ['remove_accept_encoding_header']);
  return { disabled: false, removeAcceptEncodingHeader: r?.remove_accept_encoding_header?.value };
}

/** A media type without parameters, lower-cased: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaType(v: string): string {
  const i = v.indexOf(';');
  return (i < 0 ? v : v.slice(0, i)).trim().toLowerCase();
}

function featureFlag(f: envoy_config_core_v3_RuntimeFeatureFlag | undefined, path: string, errs: ConfigErrors): boolean {
  if (!f) return true;
  checkSupported(f, path, errs, ['default_value', 'runtime_key']);
  if (f.default_value === undefined) errs.required(joinPath(path, 'default_value'));
  return f.default_value?.value ?? false;
}

function decodeLibrary(lib: { name?: string; typed_config?: AnyMessage } | undefined, path: string, errs: ConfigErrors): CompressorLibrary | undefined {
  if (!lib) {
    errs.required(path, 'compressor_library is required');
    return undefined;
  }
  checkSupported(lib, path, errs, ['name', 'typed_config']);
  const tcPath = joinPath(path, 'typed_config');
  const tc = lib.typed_config;
  if (!tc) {
    errs.required(tcPath);
    return undefined;
  }
  errs.claimExtension(tcPath);
  if (tc['@type'] === GZIP_TYPE_URL) return decodeGzip(tc as envoy_extensions_compression_gzip_compressor_v3_Gzip, tcPath, errs);
  if (tc['@type'] === BROTLI_TYPE_URL) return decodeBrotli(tc as envoy_extensions_compression_brotli_compressor_v3_Brotli, tcPath, errs);
  errs.unsupportedExtension(tcPath, `compressor library "${String(tc['@type']).replace('type.googleapis.com/', '')}" is not supported by weft (supported here: envoy.compression.gzip.compressor, envoy.compression.brotli.compressor)`);
  return undefined;
}

function ranged(w: { value?: number } | undefined, path: string, errs: ConfigErrors, lo: number, hi: number, dflt: number): number {
  if (w === undefined) return dflt;
  const v = w.value ?? 0;
  if (!Number.isInteger(v) || v < lo || v > hi) {
    errs.error(path, `must be an integer in [${lo}, ${hi}] (got ${v})`);
    return dflt;
  }
  return v;
}

function enumValue(v: unknown, table: Readonly<Record<string, number>>, path: string, errs: ConfigErrors, dflt: number): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'string' ? table[v] : undefined;
  if (n === undefined) {
    errs.error(path, `unknown value ${String(v)} (${Object.keys(table).join(', ')})`);
    return dflt;
  }
  return n;
}

function decodeGzip(g: envoy_extensions_compression_gzip_compressor_v3_Gzip, path: string, errs: ConfigErrors): CompressorLibrary {
  checkSupported(g, path, errs, ['memory_level', 'compression_level', 'compression_strategy', 'window_bits', 'chunk_size']);
  const d = GZIP_DEFAULTS;
  return {
    kind: 'gzip',
    level: enumValue(g.compression_level, GZIP_LEVELS, joinPath(path, 'compression_level'), errs, d.level),
    strategy: enumValue(g.compression_strategy, GZIP_STRATEGIES, joinPath(path, 'compression_strategy'), errs, d.strategy),
    memoryLevel: ranged(g.memory_level, joinPath(path, 'memory_level'), errs, 1, 9, d.memoryLevel),
    windowBits: ranged(g.window_bits, joinPath(path, 'window_bits'), errs, 9, 15, d.windowBits),
    chunkSize: ranged(g.chunk_size, joinPath(path, 'chunk_size'), errs, 4096, 65536, d.chunkSize),
  };
}

function decodeBrotli(b: envoy_extensions_compression_brotli_compressor_v3_Brotli, path: string, errs: ConfigErrors): CompressorLibrary {
  checkSupported(b, path, errs, ['quality', 'encoder_mode', 'window_bits', 'input_block_bits', 'chunk_size', 'disable_literal_context_modeling']);
  const d = BROTLI_DEFAULTS;
  return {
    kind: 'brotli',
    quality: ranged(b.quality, joinPath(path, 'quality'), errs, 0, 11, d.quality),
    mode: enumValue(b.encoder_mode, BROTLI_MODES, joinPath(path, 'encoder_mode'), errs, BROTLI_MODES['DEFAULT']!),
    windowBits: ranged(b.window_bits, joinPath(path, 'window_bits'), errs, 10, 24, d.windowBits),
    inputBlockBits: ranged(b.input_block_bits, joinPath(path, 'input_block_bits'), errs, 16, 24, d.inputBlockBits),
    chunkSize: ranged(b.chunk_size, joinPath(path, 'chunk_size'), errs, 4096, 65536, d.chunkSize),
    disableLiteralContextModeling: b.disable_literal_context_modeling === true,
  };
}
