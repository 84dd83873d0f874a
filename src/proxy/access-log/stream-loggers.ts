// envoy.access_loggers.stdout and envoy.access_loggers.stderr: one line per
// request or connection on the process's stdout or stderr.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { AnyMessage, envoy_extensions_access_loggers_stream_v3_StdoutAccessLog } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import type { AccessLoggerRegistration } from '../extensions/access-logger-registration.js';
import type { Formatter } from './formatter.js';
import { decodeSubstitutionFormat, defaultFormatter } from './substitution-format.js';

export const STDOUT_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
export const STDERR_ACCESS_LOG_TYPE = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

function decodeStream(cfg: AnyMessage, path: string, errs: ConfigErrors): Formatter | undefined {
  const tc = cfg as envoy_extensions_access_loggers_stream_v3_StdoutAccessLog;
  checkSupported(tc, path, errs, ['log_format']);
  if (tc.log_format === undefined) return defaultFormatter();
  return decodeSubstitutionFormat(tc.log_format, joinPath(path, 'log_format'), errs);
}

/** stdout and stderr differ only in their sink. */
function streamLogger(name: string, typeUrl: string, kind: 'stdout' | 'stderr'): AccessLoggerRegistration {
  return {
    name,
    typeUrls: [typeUrl],
    decode: (cfg, path, errs) => {
      const formatter = decodeStream(cfg, path, errs);
      return formatter ? { sink: { kind }, formatter } : undefined;
    },
  };
}

export const stdoutAccessLogRegistration = streamLogger('envoy.access_loggers.stdout', STDOUT_ACCESS_LOG_TYPE, 'stdout');
export const stderrAccessLogRegistration = streamLogger('envoy.access_loggers.stderr', STDERR_ACCESS_LOG_TYPE, 'stderr');
