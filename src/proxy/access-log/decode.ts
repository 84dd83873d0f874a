// The boundary where Envoy's AccessLog protos (HttpConnectionManager.access_log,
// TcpProxy.access_log, …) become runtime access log configs. Every problem is
// collected with its field path; nothing unsupported is silently ignored.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type {
  AnyMessage,
  envoy_config_accesslog_v3_AccessLog,
  envoy_extensions_access_loggers_file_v3_FileAccessLog,
  envoy_extensions_access_loggers_stream_v3_StdoutAccessLog,
} from '../../xds/gen/types.js';
import { type AccessLogFilter, decodeAccessLogFilter } from './access-log-filter.js';
import type { Formatter } from './formatter.js';
import type { SinkSpec } from './sink-target.js';
import { decodeJsonFormat, decodeSubstitutionFormat, decodeTextFormat, defaultFormatter } from './substitution-format.js';

export const STDOUT_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
export const STDERR_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';
export const FILE_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** One decoded access log: where, what, and when. Immutable; shared by every stream. */
export interface AccessLogConfig {
  /** AccessLog.name (informational, as in Envoy). */
  readonly name: string;
  readonly sink: SinkSpec;
  readonly formatter: Formatter;
  /** Undefined: log every request/connection. */
  readonly filter: AccessLogFilter | undefined;
}

/** Istio points FileAccessLog at /dev/stdout; that shares the stdout sink instead of opening a file. */
function fileSink(path: string): SinkSpec {
  if (path === '/dev/stdout') return { kind: 'stdout' };
  if (path === '/dev/stderr') return { kind: 'stderr' };
  return { kind: 'file', path };
}

function decodeStream(tc: envoy_extensions_access_loggers_stream_v3_StdoutAccessLog, path: string, errs: ConfigErrors): Formatter | undefined {
  checkSupported(tc, path, errs, ['log_format']);
  if (tc.log_format === undefined) return defaultFormatter();
  return decodeSubstitutionFormat(tc.log_format, joinPath(path, 'log_format'), errs);
}

function decodeFile(
  tc: envoy_extensions_access_loggers_file_v3_FileAccessLog,
  path: string,
  errs: ConfigErrors,
): { sink: SinkSpec; formatter: Formatter | undefined } | undefined {
  checkSupported(tc, path, errs, ['path', 'format', 'json_format', 'typed_json_format', 'log_format']);
  if (!tc.path) {
    errs.error(joinPath(path, 'path'), 'path is required');
    return undefined;
  }
  const set = (['format', 'json_format', 'typed_json_format', 'log_format'] as const).filter((k) => tc[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of format, json_format, typed_json_format, log_format may be set (found ${set.join(', ')})`);
    return undefined;
  }
  let formatter: Formatter | undefined;
  if (tc.format !== undefined) {
    // Deprecated `format`: an empty string means the default format, as in Envoy.
    formatter = tc.format === '' ? defaultFormatter() : decodeTextFormat(tc.format, joinPath(path, 'format'), errs);
  } else if (tc.json_format !== undefined) {
    // Deprecated json_format printed every value as a string; typed_json_format kept types.
    formatter = decodeJsonFormat(tc.json_format, joinPath(path, 'json_format'), errs, { typed: false });
  } else if (tc.typed_json_format !== undefined) {
    formatter = decodeJsonFormat(tc.typed_json_format, joinPath(path, 'typed_json_format'), errs, { typed: true });
  } else if (tc.log_format !== undefined) {
    formatter = decodeSubstitutionFormat(tc.log_format, joinPath(path, 'log_format'), errs);
  } else {
    formatter = defaultFormatter();
  }
  return { sink: fileSink(tc.path), formatter };
}

function decodeOne(log: envoy_config_accesslog_v3_AccessLog, path: string, errs: ConfigErrors): AccessLogConfig | undefined {
  checkSupported(log, path, errs, ['name', 'filter', 'typed_config']);
  const before = errs.errors.length;
  const filter = log.filter === undefined ? undefined : decodeAccessLogFilter(log.filter, joinPath(path, 'filter'), errs);
  const tc: AnyMessage | undefined = log.typed_config;
  const tcPath = joinPath(path, 'typed_config');
  if (tc === undefined) {
    errs.error(tcPath, 'typed_config is required (StdoutAccessLog, StderrAccessLog or FileAccessLog)');
    return undefined;
  }
  let sink: SinkSpec | undefined;
  let formatter: Formatter | undefined;
  switch (tc['@type']) {
    case STDOUT_ACCESS_LOG_TYPE:
      sink = { kind: 'stdout' };
      formatter = decodeStream(tc as envoy_extensions_access_loggers_stream_v3_StdoutAccessLog, tcPath, errs);
      break;
    case STDERR_ACCESS_LOG_TYPE:
      sink = { kind: 'stderr' };
      formatter = decodeStream(tc as envoy_extensions_access_loggers_stream_v3_StdoutAccessLog, tcPath, errs);
      break;
    case FILE_ACCESS_LOG_TYPE: {
      const d = decodeFile(tc as envoy_extensions_access_loggers_file_v3_FileAccessLog, tcPath, errs);
      sink = d?.sink;
      formatter = d?.formatter;
      break;
    }
    default:
      errs.error(joinPath(tcPath, '@type'), `access logger ${tc['@type'] || '(no @type)'} is not supported by weft (supported: StdoutAccessLog, StderrAccessLog, FileAccessLog)`);
      return undefined;
  }
  if (!sink || !formatter || errs.errors.length > before) return undefined;
  return { name: log.name ?? '', sink, formatter, filter };
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
