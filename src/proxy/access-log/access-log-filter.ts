// AccessLog.filter: decides per request whether a line is written. Decoded
// once into a predicate over StreamInfo. Supported: status_code_filter,
// duration_filter, not_health_check_filter, response_flag_filter, and_filter,
// or_filter; the rest are refused with their path.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type {
  envoy_config_accesslog_v3_AccessLogFilter,
  envoy_config_accesslog_v3_ComparisonFilter,
} from '../../xds/gen/types.js';
import { RESPONSE_FLAGS, responseFlagBit } from './response-flags.js';
import type { StreamInfo } from './stream-info.js';

/** True when the line should be written. */
export type AccessLogFilter = (info: StreamInfo) => boolean;

const FILTER_KINDS = [
  'status_code_filter', 'duration_filter', 'not_health_check_filter', 'traceable_filter', 'runtime_filter',
  'and_filter', 'or_filter', 'header_filter', 'response_flag_filter', 'grpc_status_filter', 'extension_filter',
  'metadata_filter', 'log_type_filter',
] as const;
const SUPPORTED = ['status_code_filter', 'duration_filter', 'not_health_check_filter', 'response_flag_filter', 'and_filter', 'or_filter'];

/** `value OP threshold`; the runtime key is never overridden (weft has no runtime layer), so default_value applies. */
function decodeComparison(
  c: envoy_config_accesslog_v3_ComparisonFilter | undefined,
  path: string,
  errs: ConfigErrors,
): ((v: number) => boolean) | undefined {
  if (!c) {
    errs.required(path, 'comparison is required');
    return undefined;
  }
  checkSupported(c, path, errs, ['op', 'value']);
  checkSupported(c.value, joinPath(path, 'value'), errs, ['default_value', 'runtime_key']);
  const threshold = c.value?.default_value ?? 0;
  switch (c.op ?? 'EQ') {
    case 'EQ': return (v) => v === threshold;
    case 'GE': return (v) => v >= threshold;
    case 'LE': return (v) => v <= threshold;
    default:
      errs.error(joinPath(path, 'op'), `unknown comparison op ${String(c.op)}`);
      return undefined;
  }
}

/** Decodes one AccessLogFilter; undefined (with errors recorded) when it cannot be used. */
export function decodeAccessLogFilter(
  f: envoy_config_accesslog_v3_AccessLogFilter,
  path: string,
  errs: ConfigErrors,
): AccessLogFilter | undefined {
  const set = FILTER_KINDS.filter((k) => f[k] !== undefined);
  const unknown = Object.keys(f).filter((k) => !(FILTER_KINDS as readonly string[]).includes(k));
  for (const k of unknown) errs.unsupported(joinPath(path, k));
  if (set.length !== 1) {
    errs.error(path, set.length === 0 ? 'filter must set exactly one filter type' : `filter sets more than one filter type: ${set.join(', ')}`);
    return undefined;
  }
  const kind = set[0]!;
  const p = joinPath(path, kind);
  if (!SUPPORTED.includes(kind)) {
    errs.error(p, `access log filter ${kind} is not supported by weft`, CFG.UNSUPPORTED_FIELD);
    return undefined;
  }
  switch (kind) {
    case 'status_code_filter': {
      checkSupported(f.status_code_filter, p, errs, ['comparison']);
      const cmp = decodeComparison(f.status_code_filter!.comparison, joinPath(p, 'comparison'), errs);
      return cmp && ((info) => cmp(info.responseCode));
    }
    case 'duration_filter': {
      checkSupported(f.duration_filter, p, errs, ['comparison']);
      const cmp = decodeComparison(f.duration_filter!.comparison, joinPath(p, 'comparison'), errs);
      // Envoy compares whole milliseconds and fails the filter while the duration is unknown.
      return cmp && ((info) => info.duration !== undefined && cmp(Math.floor(info.duration)));
    }
    case 'not_health_check_filter':
      checkSupported(f.not_health_check_filter, p, errs, []);
      return (info) => !info.healthCheck;
    case 'response_flag_filter': {
      checkSupported(f.response_flag_filter, p, errs, ['flags']);
      const flags = f.response_flag_filter!.flags ?? [];
      let mask = 0;
      flags.forEach((name, i) => {
        const bit = responseFlagBit(name);
        if (bit === undefined) errs.error(joinPath(joinPath(p, 'flags'), i), `unknown response flag "${name}" (known: ${RESPONSE_FLAGS.map((x) => x.short).join(', ')})`);
        else mask |= bit;
      });
      // No flags listed means "any flag set", as in Envoy.
      if (flags.length === 0) return (info) => info.responseFlags !== 0;
      const m = mask;
      return (info) => (info.responseFlags & m) !== 0;
    }
    case 'and_filter':
    case 'or_filter': {
      const group = kind === 'and_filter' ? f.and_filter! : f.or_filter!;
      checkSupported(group, p, errs, ['filters']);
      const subs: AccessLogFilter[] = [];
      const list = group.filters ?? [];
      if (list.length < 2) errs.error(joinPath(p, 'filters'), 'needs at least two filters');
      list.forEach((sub, i) => {
        const d = decodeAccessLogFilter(sub, joinPath(joinPath(p, 'filters'), i), errs);
        if (d) subs.push(d);
      });
      if (subs.length !== list.length) return undefined;
      if (kind === 'and_filter') {
        return (info) => {
          for (const s of subs) if (!s(info)) return false;
          return true;
        };
      }
      return (info) => {
        for (const s of subs) if (s(info)) return true;
        return false;
      };
    }
  }
  return undefined;
}
