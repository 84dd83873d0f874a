// envoy.config.core.v3.DataSource read at config time into bytes:
// inline_string, inline_bytes, filename and (where the caller allows it)
// environment_variable; watched_directory is refused by name. A file that
// cannot be read, or a variable that is not set, is a config error at the
// field's path. Filters, access log formats and TLS material all read their
// DataSources here.
import fs from 'node:fs';
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import type { envoy_config_core_v3_DataSource } from '../../../xds/gen/types.js';

export type DataSourceKind = 'inline_string' | 'inline_bytes' | 'filename' | 'environment_variable';

const DEFAULT_KINDS: readonly DataSourceKind[] = ['inline_string', 'inline_bytes', 'filename'];
/** Every specifier Envoy's DataSource has that weft reads. */
export const ALL_DATA_SOURCE_KINDS: readonly DataSourceKind[] = ['inline_string', 'inline_bytes', 'filename', 'environment_variable'];

export interface DataSourceOptions {
  /** Specifiers accepted here (others are refused by name); default inline_string, inline_bytes, filename. */
  readonly kinds?: readonly DataSourceKind[];
  /** An empty DataSource is an error (Envoy's validate.required on the specifier) instead of empty bytes. */
  readonly required?: boolean;
}

export function readDataSourceBytes(ds: envoy_config_core_v3_DataSource, path: string, errs: ConfigErrors, opts: DataSourceOptions = {}): Buffer | undefined {
  const kinds = opts.kinds ?? DEFAULT_KINDS;
  checkSupported(ds, path, errs, kinds);
  const set = kinds.filter((k) => ds[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of ${kinds.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  if (ds.inline_string !== undefined) return Buffer.from(ds.inline_string, 'utf8');
  if (ds.inline_bytes !== undefined) return Buffer.from(ds.inline_bytes);
  if (ds.filename !== undefined && kinds.includes('filename')) {
    try {
      return fs.readFileSync(ds.filename);
    } catch (e) {
      errs.error(joinPath(path, 'filename'), `cannot read ${JSON.stringify(ds.filename)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
  }
  if (ds.environment_variable !== undefined && kinds.includes('environment_variable')) {
    const v = process.env[ds.environment_variable];
    if (v === undefined) {
      errs.error(joinPath(path, 'environment_variable'), `environment variable ${ds.environment_variable} is not set`);
      return undefined;
    }
    return Buffer.from(v, 'utf8');
  }
  if (opts.required && set.length === 0) {
    errs.required(path, `one of ${kinds.join(', ')} is required`);
    return undefined;
  }
  return Buffer.alloc(0);
}

/** Where a DataSource's content came from, for messages and admin /certs ("inline" or the file or variable). */
export function dataSourceOrigin(ds: envoy_config_core_v3_DataSource): string {
  if (ds.filename !== undefined) return ds.filename;
  if (ds.environment_variable !== undefined) return `env:${ds.environment_variable}`;
  return 'inline';
}
