// The boundary where Envoy's AccessLog protos (HttpConnectionManager.access_log,
// TcpProxy.access_log, …) become runtime access log configs. Every problem is
// collected with its field path; nothing unsupported is silently ignored.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_accesslog_v3_AccessLog } from '../../xds/gen/types.js';
import { ACCESS_LOGGERS } from '../extensions/access-loggers.js';
import { decodeAccessLogFilter } from './access-log-filter.js';
import type { AccessLogConfig } from './access-log-config.js';

export { FILE_ACCESS_LOG_TYPE } from './file-logger.js';
export { STDERR_ACCESS_LOG_TYPE, STDOUT_ACCESS_LOG_TYPE } from './stream-loggers.js';

export type { AccessLogConfig } from './access-log-config.js';

function decodeOne(log: envoy_config_accesslog_v3_AccessLog, path: string, errs: ConfigErrors): AccessLogConfig | undefined {
  checkSupported(log, path, errs, ['name', 'filter', 'typed_config']);
  const before = errs.errors.length;
  const filter = log.filter === undefined ? undefined : decodeAccessLogFilter(log.filter, joinPath(path, 'filter'), errs);
  const logger = ACCESS_LOGGERS.lookup(log.typed_config, path, errs, log.name);
  const spec = logger?.decode(log.typed_config!, joinPath(path, 'typed_config'), errs, undefined);
  if (!spec || errs.errors.length > before) return undefined;
  return { name: log.name ?? '', sink: spec.sink, formatter: spec.formatter, filter };
}

/**
 * Decodes a repeated AccessLog field. `path` is the field itself (e.g.
 * `…http_connection_manager.access_log`). Entries with errors are left out
 * and their errors recorded in `errs`; callers refuse the config when
 * errs.hasErrors.
 */
export function decodeAccessLogs(
  logs: envoy_config_accesslog_v3_AccessLog[] | undefined,
  path: string,
  errs: ConfigErrors,
): AccessLogConfig[] {
  const out: AccessLogConfig[] = [];
  (logs ?? []).forEach((log, i) => {
    const d = decodeOne(log, joinPath(path, i), errs);
    if (d) out.push(d);
  });
  return out;
}
