// The access loggers weft implements (access_log[].typed_config, wherever an
// AccessLog appears: HCM, tcp_proxy, listener). One line each.
import { fileAccessLogRegistration } from '../access-log/file-logger.js';
import { stderrAccessLogRegistration, stdoutAccessLogRegistration } from '../access-log/stream-loggers.js';
import type { AccessLoggerRegistration } from './access-logger-registration.js';
import { ExtensionRegistry } from './registration.js';

export const ACCESS_LOGGERS = new ExtensionRegistry<AccessLoggerRegistration>('access logger', [
  fileAccessLogRegistration,
  stdoutAccessLogRegistration,
  stderrAccessLogRegistration,
]);
