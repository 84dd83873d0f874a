// Public surface of the access log subsystem.
export { StreamInfo } from './stream-info.js';
export * from './response-flags.js';
export { type Formatter, type Extractor, FormatCompileError } from './formatter.js';
export { compileFormat, parseFormat, DEFAULT_FORMAT, type TextFormatOptions } from './format-string.js';
export { compileJsonFormat, type JsonFormatOptions } from './json-format.js';
export { compileOperator, OPERATOR_NAMES } from './operators.js';
export { compileTimeFormat, formatDefaultStartTime } from './time-format.js';
export { type AccessLogFilter, decodeAccessLogFilter } from './access-log-filter.js';
export { decodeSubstitutionFormat } from './substitution-format.js';
export {
  decodeAccessLogs,
  type AccessLogConfig,
  STDOUT_ACCESS_LOG_TYPE,
  STDERR_ACCESS_LOG_TYPE,
  FILE_ACCESS_LOG_TYPE,
} from './decode.js';
export { BufferedSink, type BufferedSinkOptions } from './buffered-sink.js';
export { type SinkTarget, FileTarget, FdTarget } from './sink-target.js';
export { AccessLogManager, type AccessLogManagerOptions, type SinkSpec, type SinkStatus, sinkKey } from './access-log-manager.js';
export { AccessLogger } from './logger.js';
