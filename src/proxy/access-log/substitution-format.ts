// envoy.config.core.v3.SubstitutionFormatString (log_format) and the
// deprecated format fields of FileAccessLog, decoded into a Formatter.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_core_v3_DataSource, envoy_config_core_v3_SubstitutionFormatString } from '../../xds/gen/types.js';
import { FormatCompileError, type Formatter } from './formatter.js';
import { compileFormat, DEFAULT_FORMAT } from './format-string.js';
import { compileJsonFormat, type JsonFormatOptions } from './json-format.js';
import { ALL_DATA_SOURCE_KINDS, readDataSourceBytes } from '../filters/common/data-source.js';

/** Records a compile error at `path` (extended by the JSON field, if any). */
function report(e: unknown, path: string, errs: ConfigErrors): undefined {
  if (e instanceof FormatCompileError) {
    errs.error(e.field ? joinPath(path, e.field) : path, e.message);
    return undefined;
  }
  throw e;
}

/** Compiles a text format, recording any error at `path`. */
export function decodeTextFormat(fmt: string, path: string, errs: ConfigErrors, omitEmptyValues = false): Formatter | undefined {
  try {
    return compileFormat(fmt, { omitEmptyValues });
  } catch (e) {
    return report(e, path, errs);
  }
}

/** Compiles a format dictionary, recording any error at `path`. */
export function decodeJsonFormat(
  fmt: Record<string, unknown>,
  path: string,
  errs: ConfigErrors,
  opts: JsonFormatOptions,
): Formatter | undefined {
  try {
    return compileJsonFormat(fmt, opts);
  } catch (e) {
    return report(e, path, errs);
  }
}

/** Reads a DataSource as text at config time (all four specifiers, one required). */
function readDataSource(ds: envoy_config_core_v3_DataSource, path: string, errs: ConfigErrors): string | undefined {
  return readDataSourceBytes(ds, path, errs, { kinds: ALL_DATA_SOURCE_KINDS, required: true })?.toString('utf8');
}

/**
 * Decodes a SubstitutionFormatString. Returns undefined (errors recorded)
 * when it cannot be used.
 */
export function decodeSubstitutionFormat(
  sfs: envoy_config_core_v3_SubstitutionFormatString,
  path: string,
  errs: ConfigErrors,
): Formatter | undefined {
  // content_type only matters for local reply bodies; access logs ignore it in Envoy too.
  checkSupported(sfs, path, errs, ['text_format', 'json_format', 'text_format_source', 'omit_empty_values', 'content_type', 'json_format_options']);
  checkSupported(sfs.json_format_options, joinPath(path, 'json_format_options'), errs, ['sort_properties']);
  const set = (['text_format', 'json_format', 'text_format_source'] as const).filter((k) => sfs[k] !== undefined);
  if (set.length !== 1) {
    errs.error(path, set.length === 0
      ? 'one of text_format, json_format, text_format_source must be set'
      : `only one of text_format, json_format, text_format_source may be set (found ${set.join(', ')})`);
    return undefined;
  }
  const omit = sfs.omit_empty_values ?? false;
  if (sfs.text_format !== undefined) return decodeTextFormat(sfs.text_format, joinPath(path, 'text_format'), errs, omit);
  if (sfs.text_format_source !== undefined) {
    const p = joinPath(path, 'text_format_source');
    const text = readDataSource(sfs.text_format_source, p, errs);
    return text === undefined ? undefined : decodeTextFormat(text, p, errs, omit);
  }
  return decodeJsonFormat(sfs.json_format!, joinPath(path, 'json_format'), errs, {
    typed: true,
    omitEmptyValues: omit,
    sortProperties: sfs.json_format_options?.sort_properties ?? false,
  });
}

/** The formatter used when an access logger sets no format: Envoy's default line. */
export function defaultFormatter(): Formatter {
  return compileFormat(DEFAULT_FORMAT);
}
