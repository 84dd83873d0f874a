// Access logs as Istio builds them from mesh config `accessLogFile` (here node
// metadata WEFT_ACCESS_LOG_FILE): one envoy.access_loggers.file writing to
// that path, on every HTTP connection manager and tcp_proxy. The format is
// mesh config `accessLogFormat` (node metadata WEFT_ACCESS_LOG_FORMAT) as
// Istio sets it, log_format.text_format_source.inline_string; without one,
// Envoy's default format applies. Unset file: no access log at all.
import type { envoy_config_accesslog_v3_AccessLog } from '../../xds/gen/types.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';

/** A file access logger writing to `path` in `format` (Envoy's default format when undefined). */
export function fileAccessLog(path: string, format?: string): envoy_config_accesslog_v3_AccessLog {
  const logFormat = format === undefined ? {} : { log_format: { text_format_source: { inline_string: format } } };
  return { name: FILTER_NAMES.fileAccessLog, typed_config: anyOf(TYPE_URLS.fileAccessLog, { path, ...logFormat }) };
}

/** The access logs this proxy's listeners carry, or undefined when it asked for none. */
export function accessLogs(ctx: TranslateContext): envoy_config_accesslog_v3_AccessLog[] | undefined {
  const path = ctx.options.accessLogFile;
  return path === undefined ? undefined : [fileAccessLog(path, ctx.options.accessLogFormat)];
}
