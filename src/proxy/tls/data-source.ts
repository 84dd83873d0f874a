// TLS material (certificates, keys, CA bundles, CRLs) from an
// envoy.config.core.v3.DataSource: filename, inline_string, inline_bytes or
// environment_variable, read once when the config is decoded. Reading is
// the shared DataSource reader's; this adds the origin that TLS errors and
// admin /certs name.
import type { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_core_v3_DataSource } from '../../xds/gen/types.js';
import { ALL_DATA_SOURCE_KINDS, dataSourceOrigin, readDataSourceBytes } from '../filters/common/data-source.js';

export interface TlsDataSourceText {
  readonly text: string;
  /** "inline", the file's path, or "env:NAME". */
  readonly origin: string;
}

/** Reads a TLS DataSource as text; undefined (errors reported at `path`) when it cannot be read or is empty. */
export function decodeTlsDataSource(ds: envoy_config_core_v3_DataSource, path: string, errs: ConfigErrors): TlsDataSourceText | undefined {
  const before = errs.issues.length;
  const bytes = readDataSourceBytes(ds, path, errs, { kinds: ALL_DATA_SOURCE_KINDS, required: true });
  if (!bytes) return undefined;
  if (bytes.length === 0) {
    if (errs.issues.length === before) errs.required(path, 'the data source is empty');
    return undefined;
  }
  return { text: bytes.toString('utf8'), origin: dataSourceOrigin(ds) };
}
