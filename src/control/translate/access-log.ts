// Access logs as Istio builds them from mesh config `accessLogFile` (here node
// metadata WEFT_ACCESS_LOG_FILE): one envoy.access_loggers.file writing to
// that path, on every HTTP connection manager and tcp_proxy. No log_format,
// so Envoy's default format applies. Unset: no access log at all.
import type { envoy_config_accesslog_v3_AccessLog } from '../../xds/gen/types.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';

/** A file access logger writing to `path` in Envoy's default format. */
export function fileAccessLog(path: string): envoy_config_accesslog_v3_AccessLog {
  return { name: FILTER_NAMES.fileAccessLog, typed_config: anyOf(TYPE_URLS.fileAccessLog, { path }) };
}

/** The access logs this proxy's listeners carry, or undefined when it asked for none. */
export function accessLogs(ctx: TranslateContext): envoy_config_accesslog_v3_AccessLog[] | undefined {
  const path = ctx.options.accessLogFile;
  return path === undefined ? undefined : [fileAccessLog(path)];
}
