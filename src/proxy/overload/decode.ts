// bootstrap.overload_manager (envoy.config.overload.v3.OverloadManager): the
// resource monitors and actions weft implements, each refused by name when
// it is not one of them.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { typeNameFromUrl } from '../../xds/type-urls.js';
import type {
  envoy_config_overload_v3_OverloadManager,
  envoy_extensions_resource_monitors_downstream_connections_v3_DownstreamConnectionsConfig,
  envoy_extensions_resource_monitors_fixed_heap_v3_FixedHeapConfig,
} from '../../xds/gen/types.js';
import { checkSupported, durationMs } from '../config/support.js';

export const FIXED_HEAP_TYPE = 'envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig';
export const DOWNSTREAM_CONNECTIONS_TYPE = 'envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig';
/** Accept, then close at once, new connections while saturated (counted as downstream_cx_overload_reject). */
export const REJECT_INCOMING_CONNECTIONS = 'envoy.overload_actions.reject_incoming_connections';
/** Answer new requests 503 "envoy overloaded" with the action's scale as probability (downstream_rq_overload_close). */
export const STOP_ACCEPTING_REQUESTS = 'envoy.overload_actions.stop_accepting_requests';

/** Envoy's default refresh_interval: monitors are sampled once a second. */
export const DEFAULT_OVERLOAD_REFRESH_MS = 1000;

export type MonitorConfig =
  /** Pressure = the process's heap in use (V8 heap + external buffers) / maxHeapBytes. */
  | { readonly kind: 'fixed_heap'; readonly name: string; readonly maxHeapBytes: number }
  /** Caps accepted downstream connections across all listeners (a proactive resource: no triggers). */
  | { readonly kind: 'downstream_connections'; readonly name: string; readonly maxConnections: number };

export type TriggerConfig =
  | { readonly monitor: string; readonly kind: 'threshold'; readonly value: number }
  | { readonly monitor: string; readonly kind: 'scaled'; readonly scaling: number; readonly saturation: number };

export interface ActionConfig {
  readonly name: typeof REJECT_INCOMING_CONNECTIONS | typeof STOP_ACCEPTING_REQUESTS;
  readonly triggers: readonly TriggerConfig[];
}

export interface OverloadConfig {
  readonly refreshIntervalMs: number;
  readonly monitors: readonly MonitorConfig[];
  readonly actions: readonly ActionConfig[];
}

const SUPPORTED_ACTIONS: readonly string[] = [REJECT_INCOMING_CONNECTIONS, STOP_ACCEPTING_REQUESTS];
const REFUSED_ACTIONS: Record<string, string> = {
  'envoy.overload_actions.shrink_heap': 'Node.js gives a program no way to return heap memory to the system',
  'envoy.overload_actions.stop_accepting_connections': 'a Node.js server cannot pause accepting; use envoy.overload_actions.reject_incoming_connections',
};

export function decodeOverloadManager(om: envoy_config_overload_v3_OverloadManager, path: string, errs: ConfigErrors): OverloadConfig {
  checkSupported(om, path, errs, ['refresh_interval', 'resource_monitors', 'actions']);
  const refreshIntervalMs = durationMs(om.refresh_interval, DEFAULT_OVERLOAD_REFRESH_MS);
  if (om.refresh_interval && !(refreshIntervalMs >= 1)) errs.error(joinPath(path, 'refresh_interval'), 'must be at least 1 ms');
  const monitors: MonitorConfig[] = [];
  (om.resource_monitors ?? []).forEach((m, i) => {
    const p = joinPath(joinPath(path, 'resource_monitors'), i);
    checkSupported(m, p, errs, ['name', 'typed_config']);
    const name = m.name ?? '';
    if (!name) errs.error(joinPath(p, 'name'), 'name is required');
    if (monitors.some((x) => x.name === name)) errs.error(joinPath(p, 'name'), `duplicate resource monitor "${name}"`);
    const type = m.typed_config ? typeNameFromUrl(m.typed_config['@type']) : '';
    const tp = joinPath(p, 'typed_config');
    if (type === FIXED_HEAP_TYPE) {
      const c = m.typed_config as envoy_extensions_resource_monitors_fixed_heap_v3_FixedHeapConfig;
      checkSupported(c, tp, errs, ['max_heap_size_bytes']);
      const max = c.max_heap_size_bytes ?? 0;
      if (!(max > 0)) errs.error(joinPath(tp, 'max_heap_size_bytes'), 'must be greater than 0');
      else monitors.push({ kind: 'fixed_heap', name, maxHeapBytes: max });
    } else if (type === DOWNSTREAM_CONNECTIONS_TYPE) {
      const c = m.typed_config as envoy_extensions_resource_monitors_downstream_connections_v3_DownstreamConnectionsConfig;
      checkSupported(c, tp, errs, ['max_active_downstream_connections']);
      const max = c.max_active_downstream_connections ?? 0;
      if (!(max > 0)) errs.error(joinPath(tp, 'max_active_downstream_connections'), 'must be greater than 0');
      else if (monitors.some((x) => x.kind === 'downstream_connections')) errs.error(p, 'only one downstream connections monitor may be configured');
      else monitors.push({ kind: 'downstream_connections', name, maxConnections: max });
    } else {
      errs.error(m.typed_config ? tp : joinPath(p, 'name'), `resource monitor ${type || `"${name}"`} is not supported by weft (supported: ${FIXED_HEAP_TYPE} (envoy.resource_monitors.fixed_heap), ${DOWNSTREAM_CONNECTIONS_TYPE} (envoy.resource_monitors.global_downstream_max_connections))`);
    }
  });
  const actions: ActionConfig[] = [];
  (om.actions ?? []).forEach((a, i) => {
    const p = joinPath(joinPath(path, 'actions'), i);
    checkSupported(a, p, errs, ['name', 'triggers']);
    const name = a.name ?? '';
    if (!SUPPORTED_ACTIONS.includes(name)) {
      const why = REFUSED_ACTIONS[name];
      errs.error(joinPath(p, 'name'), `overload action "${name}" is not supported by weft${why ? ` (${why})` : ''} (supported: ${SUPPORTED_ACTIONS.join(', ')})`);
      return;
    }
    if (actions.some((x) => x.name === name)) errs.error(joinPath(p, 'name'), `duplicate overload action "${name}"`);
    const triggers: TriggerConfig[] = [];
    const seen = new Set<string>();
    (a.triggers ?? []).forEach((t, j) => {
      const tp = joinPath(joinPath(p, 'triggers'), j);
      checkSupported(t, tp, errs, ['name', 'threshold', 'scaled']);
      const monitor = t.name ?? '';
      const m = monitors.find((x) => x.name === monitor);
      if (!m) errs.error(joinPath(tp, 'name'), `unknown resource monitor "${monitor}"`);
      else if (m.kind === 'downstream_connections') errs.error(joinPath(tp, 'name'), `"${monitor}" caps connections itself and cannot trigger actions`);
      if (seen.has(monitor)) errs.error(joinPath(tp, 'name'), `duplicate trigger for resource monitor "${monitor}"`);
      seen.add(monitor);
      if (t.threshold && t.scaled) errs.error(tp, 'only one of threshold, scaled may be set');
      else if (t.threshold) {
        checkSupported(t.threshold, joinPath(tp, 'threshold'), errs, ['value']);
        const value = t.threshold.value ?? 0;
        if (!(value >= 0 && value <= 1)) errs.error(joinPath(joinPath(tp, 'threshold'), 'value'), 'must be in [0, 1]');
        triggers.push({ monitor, kind: 'threshold', value });
      } else if (t.scaled) {
        checkSupported(t.scaled, joinPath(tp, 'scaled'), errs, ['scaling_threshold', 'saturation_threshold']);
        const scaling = t.scaled.scaling_threshold ?? 0;
        const saturation = t.scaled.saturation_threshold ?? 0;
        if (!(scaling >= 0 && scaling <= 1) || !(saturation >= 0 && saturation <= 1)) errs.error(joinPath(tp, 'scaled'), 'thresholds must be in [0, 1]');
        else if (scaling >= saturation) errs.error(joinPath(tp, 'scaled'), 'scaling_threshold must be less than saturation_threshold');
        triggers.push({ monitor, kind: 'scaled', scaling, saturation });
      } else errs.error(tp, 'one of threshold, scaled is required');
    });
    if (triggers.length === 0 && (a.triggers ?? []).length === 0) errs.error(joinPath(p, 'triggers'), 'at least one trigger is required');
    actions.push({ name: name as ActionConfig['name'], triggers });
  });
  return { refreshIntervalMs, monitors, actions };
}
