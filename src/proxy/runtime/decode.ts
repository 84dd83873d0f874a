// bootstrap.layered_runtime (envoy.config.bootstrap.v3.LayeredRuntime) decoded
// into layer descriptions. Static layers are read here, whole; disk layers are
// read when the runtime starts (and again when their symlink is swapped).
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_bootstrap_v3_LayeredRuntime } from '../../xds/gen/types.js';
import { checkSupported } from '../config/support.js';
import { createRuntimeEntry, fractionFromJson, runtimeValueText, type RuntimeEntry } from './runtime-snapshot.js';

export type RuntimeLayerConfig =
  | { readonly kind: 'static'; readonly name: string; readonly values: ReadonlyMap<string, RuntimeEntry> }
  | { readonly kind: 'admin'; readonly name: string }
  /** Files under `dir` (symlink_root/subdirectory[/service cluster]); `watch` is symlink_root, whose replacement reloads the layer. */
  | { readonly kind: 'disk'; readonly name: string; readonly dir: string; readonly watch: string };

export interface RuntimeConfig {
  readonly layers: readonly RuntimeLayerConfig[];
}

/** No layered_runtime: no layers, as Envoy (every key reads its default; /runtime_modify has no admin layer to write). */
export const EMPTY_RUNTIME_CONFIG: RuntimeConfig = { layers: [] };

/** Decodes layered_runtime; `serviceCluster` is node.cluster (disk layers' append_service_cluster). */
export function decodeLayeredRuntime(lr: envoy_config_bootstrap_v3_LayeredRuntime, path: string, errs: ConfigErrors, serviceCluster: string): RuntimeConfig {
  checkSupported(lr, path, errs, ['layers']);
  const layers: RuntimeLayerConfig[] = [];
  const names = new Map<string, number>();
  let admin: number | undefined;
  (lr.layers ?? []).forEach((l, i) => {
    const p = joinPath(joinPath(path, 'layers'), i);
    checkSupported(l, p, errs, ['name', 'static_layer', 'admin_layer', 'disk_layer', 'rtds_layer']);
    const name = l.name ?? '';
    const prev = names.get(name);
    if (prev !== undefined) errs.error(joinPath(p, 'name'), `duplicate layer name "${name}" (also ${joinPath(joinPath(path, 'layers'), prev)})`);
    names.set(name, i);
    const set = (['static_layer', 'disk_layer', 'admin_layer', 'rtds_layer'] as const).filter((k) => l[k] !== undefined);
    if (set.length !== 1) {
      errs.error(p, set.length === 0 ? 'one of static_layer, disk_layer, admin_layer, rtds_layer is required' : `only one of static_layer, disk_layer, admin_layer, rtds_layer may be set (found ${set.join(', ')})`);
      return;
    }
    if (l.rtds_layer) {
      errs.unsupported(joinPath(p, 'rtds_layer'), 'rtds_layer (runtime over xDS)');
      return;
    }
    if (l.admin_layer) {
      checkSupported(l.admin_layer, joinPath(p, 'admin_layer'), errs, []);
      if (admin !== undefined) errs.error(joinPath(p, 'admin_layer'), `at most one admin layer may be specified (also ${joinPath(joinPath(path, 'layers'), admin)})`);
      admin = i;
      layers.push({ kind: 'admin', name });
      return;
    }
    if (l.disk_layer) {
      const dp = joinPath(p, 'disk_layer');
      const d = l.disk_layer;
      checkSupported(d, dp, errs, ['symlink_root', 'subdirectory', 'append_service_cluster']);
      if (!d.symlink_root) {
        errs.error(joinPath(dp, 'symlink_root'), 'symlink_root is required');
        return;
      }
      let dir = d.symlink_root;
      if (d.subdirectory) dir += `/${d.subdirectory}`;
      if (d.append_service_cluster) {
        if (!serviceCluster) errs.error(joinPath(dp, 'append_service_cluster'), 'needs node.cluster (the service cluster to append)');
        dir += `/${serviceCluster}`;
      }
      layers.push({ kind: 'disk', name, dir, watch: d.symlink_root });
      return;
    }
    const values = new Map<string, RuntimeEntry>();
    walkStatic(l.static_layer ?? {}, '', joinPath(p, 'static_layer'), values, errs);
    layers.push({ kind: 'static', name, values });
  });
  // Envoy: a layered_runtime without layers gets one (unnamed) admin layer.
  if (lr.layers === undefined || lr.layers.length === 0) layers.push({ kind: 'admin', name: '' });
  return { layers };
}

/** Envoy's ProtoLayer::walkProtoValue: nested objects make dotted keys; an object with numerator/denominator (or empty) is one value. */
function walkStatic(v: unknown, key: string, path: string, out: Map<string, RuntimeEntry>, errs: ConfigErrors): void {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    out.set(key, createRuntimeEntry(runtimeValueText(v)));
    return;
  }
  if (v === null || Array.isArray(v) || typeof v !== 'object') {
    errs.error(path, `invalid runtime entry value for "${key}" (a string, number, boolean, FractionalPercent or nested object)`);
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (key !== '' && (keys.length === 0 || 'numerator' in obj || 'denominator' in obj)) {
    const fraction = keys.length === 0 ? undefined : fractionFromJson(obj, errs, path);
    const raw = runtimeValueText(obj);
    out.set(key, fraction ? { raw, fraction } : { raw });
    return;
  }
  for (const k of keys) walkStatic(obj[k], key === '' ? k : `${key}.${k}`, `${path}[${JSON.stringify(k)}]`, out, errs);
}
