// stats.PluginConfig (istio/proxy's stats filter config), in the
// xds.type.v3.TypedStruct form: Istio's proto is not published on a registry
// weft can use, and a TypedStruct naming the type is how Envoy and Istio
// configure extensions whose protos a control plane does not link.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import { typedStructValue } from '../peer-metadata/decode.js';
import { ISTIO_STATS_TYPE_URL, METRICS } from './defaults.js';
import { parseTagExpression, type TagExpression } from './tag-expression.js';

/** One entry of stats.PluginConfig.metrics: overrides for one metric (or all, when name is empty). */
export interface MetricOverride {
  /** Short name (`requests_total`, …, without the `istio_` prefix), '' for every metric. */
  readonly name: string;
  /** Added labels, or new values of standard labels, in config order. */
  readonly dimensions: readonly (readonly [string, TagExpression])[];
  readonly tagsToRemove: readonly string[];
  readonly drop: boolean;
}

export interface IstioStatsConfig {
  /** Do not use the Host header when the cluster names no service (Istio sets it on inbound and gateways). */
  readonly disableHostHeaderFallback: boolean;
  /** Istio's `metrics` overrides, applied in order (later entries win). */
  readonly metrics: readonly MetricOverride[];
}

/** Fields of stats.PluginConfig that weft does not implement: refused by name. */
const UNSUPPORTED = ['tcp_reporting_duration', 'definitions', 'rescoping_duration', 'scope_grace_period_duration'];
/** Fields of stats.MetricConfig that weft does not implement. */
const UNSUPPORTED_METRIC_FIELDS = ['match'];

/** The short names the `metrics[].name` field takes (Istio's metric names without `istio_`). */
export const METRIC_SHORT_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.slice('istio_'.length));

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function decodeMetric(raw: unknown, path: string, errs: ConfigErrors): MetricOverride | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errs.error(path, 'must be an object', CFG.WRONG_TYPE);
    return undefined;
  }
  let name = '';
  let drop = false;
  const dimensions: [string, TagExpression][] = [];
  const tagsToRemove: string[] = [];
  for (const [key, val] of Object.entries(raw as Record<string, unknown>)) {
    const kp = joinPath(path, key);
    if (key === 'name') {
      if (typeof val !== 'string') errs.error(kp, 'must be a string', CFG.WRONG_TYPE);
      else if (val !== '' && !METRIC_SHORT_NAMES.includes(val)) {
        errs.error(kp, `metric "${val}" is not a standard Istio metric (custom metrics need \`definitions\`, not supported by weft; known: ${METRIC_SHORT_NAMES.join(', ')})`, CFG.UNSUPPORTED_VALUE);
      } else name = val;
    } else if (key === 'drop') {
      if (typeof val !== 'boolean') errs.error(kp, 'must be a boolean', CFG.WRONG_TYPE);
      else drop = val;
    } else if (key === 'dimensions') {
      if (typeof val !== 'object' || val === null || Array.isArray(val)) {
        errs.error(kp, 'must be a map of label name to expression', CFG.WRONG_TYPE);
        continue;
      }
      for (const [label, expr] of Object.entries(val as Record<string, unknown>)) {
        const lp = joinPath(kp, label);
        if (!LABEL_NAME.test(label)) errs.error(lp, `"${label}" is not a valid Prometheus label name`);
        if (typeof expr !== 'string') {
          errs.error(lp, 'must be a string (an expression)', CFG.WRONG_TYPE);
          continue;
        }
        const parsed = parseTagExpression(expr);
        if ('error' in parsed) errs.error(lp, parsed.error, CFG.UNSUPPORTED_VALUE);
        else dimensions.push([label, parsed]);
      }
    } else if (key === 'tags_to_remove' || key === 'tagsToRemove') {
      if (!Array.isArray(val) || val.some((t) => typeof t !== 'string')) errs.error(kp, 'must be a list of label names', CFG.WRONG_TYPE);
      else tagsToRemove.push(...(val as string[]));
    } else if (UNSUPPORTED_METRIC_FIELDS.includes(key)) {
      errs.unsupported(kp);
    } else {
      errs.error(kp, `unknown field "${key}" of stats.MetricConfig`, CFG.UNKNOWN_FIELD);
    }
  }
  return { name, dimensions, tagsToRemove, drop };
}

export function decodeIstioStatsConfig(cfg: AnyMessage, path: string, errs: ConfigErrors): IstioStatsConfig | undefined {
  const before = errs.errors.length;
  const v = typedStructValue(cfg, ISTIO_STATS_TYPE_URL, path, errs);
  if (!v) return undefined;
  const vp = joinPath(path, 'value');
  let disableHostHeaderFallback = false;
  const metrics: MetricOverride[] = [];
  for (const [key, val] of Object.entries(v)) {
    const kp = joinPath(vp, key);
    if (key === 'disable_host_header_fallback' || key === 'disableHostHeaderFallback') {
      if (typeof val !== 'boolean') errs.error(kp, 'must be a boolean', CFG.WRONG_TYPE);
      else disableHostHeaderFallback = val;
    } else if (key === 'reporter') {
      // UNSPECIFIED: client or server side from the listener's direction. SERVER_GATEWAY is for waypoints.
      if (val !== 'UNSPECIFIED' && val !== 0) errs.error(kp, `reporter "${String(val)}" is not supported by weft (supported: UNSPECIFIED)`, CFG.UNSUPPORTED_VALUE);
    } else if (key === 'metrics') {
      if (!Array.isArray(val)) errs.error(kp, 'must be a list', CFG.WRONG_TYPE);
      else val.forEach((m, i) => {
        const d = decodeMetric(m, joinPath(kp, i), errs);
        if (d) metrics.push(d);
      });
    } else if (UNSUPPORTED.includes(key)) {
      errs.unsupported(kp);
    } else {
      errs.error(kp, `unknown field "${key}" of stats.PluginConfig`, CFG.UNKNOWN_FIELD);
    }
  }
  if (errs.errors.length > before) return undefined;
  return { disableHostHeaderFallback, metrics };
}
