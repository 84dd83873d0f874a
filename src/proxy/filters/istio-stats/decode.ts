// stats.PluginConfig (istio/proxy's stats filter config), in the
// xds.type.v3.TypedStruct form: Istio's proto is not published on a registry
// weft can use, and a TypedStruct naming the type is how Envoy and Istio
// configure extensions whose protos a control plane does not link.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import { typedStructValue } from '../peer-metadata/decode.js';
import { ISTIO_STATS_TYPE_URL } from './defaults.js';

export interface IstioStatsConfig {
  /** Do not use the Host header when the cluster names no service (Istio sets it on inbound and gateways). */
  readonly disableHostHeaderFallback: boolean;
}

/** Fields of stats.PluginConfig that weft does not implement: refused by name. */
const UNSUPPORTED = ['tcp_reporting_duration', 'metrics', 'definitions', 'rescoping_duration', 'scope_grace_period_duration'];

export function decodeIstioStatsConfig(cfg: AnyMessage, path: string, errs: ConfigErrors): IstioStatsConfig | undefined {
  const before = errs.errors.length;
  const v = typedStructValue(cfg, ISTIO_STATS_TYPE_URL, path, errs);
  if (!v) return undefined;
  const vp = joinPath(path, 'value');
  let disableHostHeaderFallback = false;
  for (const [key, val] of Object.entries(v)) {
    const kp = joinPath(vp, key);
    if (key === 'disable_host_header_fallback' || key === 'disableHostHeaderFallback') {
      if (typeof val !== 'boolean') errs.error(kp, 'must be a boolean', CFG.WRONG_TYPE);
      else disableHostHeaderFallback = val;
    } else if (key === 'reporter') {
      // UNSPECIFIED: client or server side from the listener's direction. SERVER_GATEWAY is for waypoints.
      if (val !== 'UNSPECIFIED' && val !== 0) errs.error(kp, `reporter "${String(val)}" is not supported by weft (supported: UNSPECIFIED)`, CFG.UNSUPPORTED_VALUE);
    } else if (UNSUPPORTED.includes(key)) {
      errs.unsupported(kp);
    } else {
      errs.error(kp, `unknown field "${key}" of stats.PluginConfig`, CFG.UNKNOWN_FIELD);
    }
  }
  if (errs.errors.length > before) return undefined;
  return { disableHostHeaderFallback };
}
