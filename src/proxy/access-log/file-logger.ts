// envoy.access_loggers.file: one line per request or connection, appended to
// a file (reopened on /reopen_logs).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_extensions_access_loggers_file_v3_FileAccessLog } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import type { AccessLoggerRegistration } from '../extensions/access-logger-registration.js';
import type { Formatter } from './formatter.js';
import type { SinkSpec } from './sink-target.js';
import { decodeJsonFormat, decodeSubstitutionFormat, decodeTextFormat, defaultFormatter } from './substitution-format.js';

export const FILE_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** Istio points FileAccessLog at /dev/stdout; that shares the stdout sink instead of opening a file. */
function fileSink(path: string): SinkSpec {
  if (path === '/dev/stdout') return { kind: 'stdout' };
  if (path === '/dev/stderr') return { kind: 'stderr' };
  return { kind: 'file', path };
}

function decodeFile(
  tc: envoy_extensions_access_loggers_file_v3_FileAccessLog,
  path: string,
  errs: ConfigErrors,
): { sink: SinkSpec; formatter: Formatter | undefined } | undefined {
  checkSupported(tc, path, errs, ['path', 'format', 'json_format', 'typed_json_format', 'log_format']);
  if (!tc.path) {
    errs.required(joinPath(path, 'path'), 'path is required');
    return undefined;
  }
  const set = (['format', 'json_format', 'typed_json_format', 'log_format'] as const).filter((k) => tc[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of format, json_format, typed_json_format, log_format may be set (found ${set.join(', ')})`, CFG.CONFLICT);
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

export const fileAccessLogRegistration: AccessLoggerRegistration = {
  name: 'envoy.access_loggers.file',
  typeUrls: [FILE_ACCESS_LOG_TYPE],
  decode: (cfg, path, errs) => {
    const d = decodeFile(cfg as envoy_extensions_access_loggers_file_v3_FileAccessLog, path, errs);
    return d?.formatter ? { sink: d.sink, formatter: d.formatter } : undefined;
  },
};
