// envoy.config.core.v3.DataSource read at config time into bytes, for
// filters: inline_string, inline_bytes or filename (environment_variable and
// watched_directory are refused by name). A file that cannot be read is a
// config error at `<path>.filename`.
import fs from 'node:fs';
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import type { envoy_config_core_v3_DataSource } from '../../../xds/gen/types.js';

const KINDS = ['inline_string', 'inline_bytes', 'filename'] as const;

export function readDataSourceBytes(ds: envoy_config_core_v3_DataSource, path: string, errs: ConfigErrors): Buffer | undefined {
  checkSupported(ds, path, errs, KINDS);
  const set = KINDS.filter((k) => ds[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of ${KINDS.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  if (ds.inline_string !== undefined) return Buffer.from(ds.inline_string, 'utf8');
  if (ds.inline_bytes !== undefined) return Buffer.from(ds.inline_bytes);
  if (ds.filename !== undefined) {
    try {
      return fs.readFileSync(ds.filename);
    } catch (e) {
      errs.error(joinPath(path, 'filename'), `cannot read ${JSON.stringify(ds.filename)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
  }
  return Buffer.alloc(0);
}
