// Access logs from the Telemetry API and mesh config, as Istio builds them
// (pilot/pkg/model/telemetry.go mergeLogs, telemetry_logging.go):
//   - the Telemetries of the workload (root namespace, namespace, workload)
//     say which providers log, for which side (match.mode), with which
//     filter; a later scope's providers replace the earlier ones, `disabled`
//     turns a provider off for the sides it matches;
//   - no Telemetry accessLogging and no meshConfig.defaultProviders.accessLogging:
//     Istio's legacy accessLogFile (here the node metadata WEFT_ACCESS_LOG_FILE);
//   - every log is Envoy's file access logger with Istio's default format
//     (text, or JSON with accessLogEncoding JSON) unless the provider's
//     logFormat says otherwise.
import type { AccessLogging, WorkloadMode } from '../../api/telemetry.js';
import { telemetryChain, type KeyedTelemetry } from '../model/telemetry-index.js';
import type { ExtensionProvider, MeshConfig } from '../model/types.js';
import type {
  envoy_config_accesslog_v3_AccessLog as AccessLog,
  envoy_config_accesslog_v3_AccessLogFilter as AccessLogFilter,
} from '../../xds/gen/types.js';
import { MESSAGE_CODES } from './messages.js';
import { anyOf, FILTER_NAMES, TYPE_URLS } from './proto-helpers.js';
import { translateLogFilterExpression } from './telemetry-log-filter.js';
import type { TranslateContext } from './translate-context.js';

/**
 * Istio's default text format (EnvoyTextLogFormat, Istio 1.9 onwards, with
 * %UPSTREAM_CLUSTER_RAW% as in current releases), byte for byte.
 */
export const ISTIO_TEXT_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% '
  + '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% '
  + '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% '
  + '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" '
  + '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" '
  + '%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% '
  + '%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's default JSON fields (EnvoyJSONLogFormatIstio), in the order Istio lists them. */
export const ISTIO_JSON_LOG_FORMAT: Readonly<Record<string, string>> = Object.freeze({
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
});

const DEV_STDOUT = '/dev/stdout';
const BUILTIN_ENVOY_PROVIDER = 'envoy';

/** The side a listener serves: inbound listeners are the SERVER, outbound and gateway ones the CLIENT (Istio's workloadMode). */
export type TelemetrySide = 'CLIENT' | 'SERVER';

function matchesSide(mode: WorkloadMode | undefined, side: TelemetrySide): boolean {
  return mode === undefined || mode === 'CLIENT_AND_SERVER' || mode === side;
}

const providerNames = (ps: { name?: string }[] | undefined): string[] => (ps ?? []).map((p) => p.name ?? '').filter((n) => n !== '');

/**
 * Istio's mergeLogs: provider name → the filter of the entry that named it
 * last (undefined: none). Undefined as a whole when neither a Telemetry nor
 * the mesh's default providers say anything about access logs (legacy mode).
 */
export function mergeAccessLogging(chain: readonly KeyedTelemetry[], mesh: MeshConfig, side: TelemetrySide): Map<string, AccessLogging['filter']> | undefined {
  const scopes = chain.map((t) => t.obj.spec?.accessLogging ?? []).filter((l) => l.length > 0);
  const defaults = [...(mesh.defaultProviders.accessLogging ?? [])];
  const out = new Map<string, AccessLogging['filter']>();
  if (scopes.length === 0) {
    if (defaults.length === 0) return undefined;
    for (const d of defaults) out.set(d, undefined);
    return out;
  }
  // The providers in scope: those of the most specific scope that names any.
  let inScope = defaults;
  const filters = new Map<string, AccessLogging['filter']>();
  for (const logs of scopes) {
    const names = new Set<string>();
    for (const l of logs) {
      for (const n of providerNames(l.providers)) {
        names.add(n);
        filters.set(n, l.filter);
      }
    }
    if (names.size > 0) inScope = [...names];
  }
  const allowed = new Set(inScope);
  let parent = defaults;
  for (const logs of scopes) {
    for (const l of logs) {
      let names = providerNames(l.providers);
      if (names.length === 0) names = parent;
      parent = names;
      for (const n of names) {
        if (!allowed.has(n) || !matchesSide(l.match?.mode, side)) continue;
        if (l.disabled === true) out.delete(n);
        else out.set(n, filters.get(n));
      }
    }
  }
  return out;
}

/** Envoy's file access logger with Istio's default format in the mesh's encoding, or the format given. */
export function istioFileAccessLog(path: string, format: { text?: string; labels?: Readonly<Record<string, string>> } | 'TEXT' | 'JSON', filter?: AccessLogFilter): AccessLog {
  let logFormat: Record<string, unknown>;
  if (format === 'JSON') logFormat = { json_format: { ...ISTIO_JSON_LOG_FORMAT } };
  else if (format === 'TEXT') logFormat = { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } };
  else if (format.labels && Object.keys(format.labels).length > 0) logFormat = { json_format: { ...format.labels } };
  else if (format.labels) logFormat = { json_format: { ...ISTIO_JSON_LOG_FORMAT } };
  else {
    const text = format.text ?? '';
    logFormat = { text_format_source: { inline_string: text === '' ? ISTIO_TEXT_LOG_FORMAT : text.endsWith('\n') ? text : `${text}\n` } };
  }
  return {
    name: FILTER_NAMES.fileAccessLog,
    ...(filter ? { filter } : {}),
    typed_config: anyOf(TYPE_URLS.fileAccessLog, { path, log_format: logFormat }),
  };
}

function findProvider(mesh: MeshConfig, name: string): ExtensionProvider | undefined {
  const n = name.toLowerCase();
  return mesh.extensionProviders.find((p) => p.name.toLowerCase() === n);
}

function providerLog(ctx: TranslateContext, name: string, filter: AccessLogging['filter']): AccessLog | undefined {
  const mesh = ctx.push.mesh;
  const p = findProvider(mesh, name);
  const key = `Proxy ${ctx.proxy.id}`;
  if (!p) {
    ctx.messages.warn(MESSAGE_CODES.TELEMETRY_PROVIDER, key, 'accessLogging.providers', `access log provider "${name}" is not in meshConfig.extensionProviders: no access log for it (as Istio)`);
    return undefined;
  }
  const file = p.envoyFileAccessLog;
  if (!file) return undefined; // prometheus (and other metric providers) write no access log, as in Istio
  let f: AccessLogFilter | undefined;
  if (filter?.expression) {
    const t = translateLogFilterExpression(filter.expression);
    if ('errors' in t) {
      // Validation refuses these; a config built another way must still not log unfiltered.
      ctx.messages.warn(MESSAGE_CODES.TELEMETRY_PROVIDER, key, 'accessLogging.filter.expression', `${t.errors.join('; ')}: no access log for provider "${name}"`);
      return undefined;
    }
    f = t;
  }
  const path = file.path || DEV_STDOUT;
  const builtinDefault = p.name === BUILTIN_ENVOY_PROVIDER && !file.logFormat;
  return istioFileAccessLog(path, builtinDefault ? mesh.accessLogEncoding : (file.logFormat ?? {}), f);
}

/**
 * The access logs of one listener side of this proxy, or undefined for none.
 * An empty Telemetry result (every provider disabled) means none, as Istio.
 */
export function telemetryAccessLogs(ctx: TranslateContext, side: TelemetrySide): AccessLog[] | undefined {
  const chain = telemetryChain(ctx.push.telemetry(ctx.proxy.namespace, ctx.proxy.labels));
  const merged = mergeAccessLogging(chain, ctx.push.mesh, side);
  if (merged === undefined) {
    const path = ctx.options.accessLogFile ?? ctx.push.mesh.accessLogFile;
    // Istio's accessLogFormat (node metadata WEFT_ACCESS_LOG_FORMAT, else the mesh config's) replaces the default text format.
    const format = ctx.options.accessLogFormat ?? ctx.push.mesh.accessLogFormat;
    return path === undefined ? undefined : [istioFileAccessLog(path, format !== undefined ? { text: format } : ctx.push.mesh.accessLogEncoding)];
  }
  const logs: AccessLog[] = [];
  for (const name of [...merged.keys()].sort()) {
    const l = providerLog(ctx, name, merged.get(name));
    if (l) logs.push(l);
  }
  return logs.length > 0 ? logs : undefined;
}
