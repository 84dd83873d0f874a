// /runtime and /runtime_modify, with Envoy's output shapes and status codes.
import type { Runtime } from '../runtime/runtime.js';
import { NoAdminLayerError } from '../runtime/runtime.js';

/** Envoy's /runtime JSON: layer names, and per key its value in each layer ("" where unset) and the merged value. */
export function runtimeJson(runtime: Runtime): unknown {
  const layers = runtime.layerValues();
  const snapshot = runtime.snapshot();
  const keys = new Set<string>();
  for (const l of layers) for (const k of l.values.keys()) keys.add(k);
  const entries: Record<string, { layer_values: string[]; final_value: string }> = {};
  for (const k of [...keys].sort()) {
    entries[k] = { layer_values: layers.map((l) => l.values.get(k)?.raw ?? ''), final_value: snapshot.get(k) ?? '' };
  }
  return { layers: layers.map((l) => l.name), entries };
}

export const RUNTIME_MODIFY_USAGE = 'usage: /runtime_modify?key1=value1&key2=value2&keyN=valueN\n       or send the parameters as form values\nuse an empty value to remove a previously added override\n';

/** Applies key=value pairs to the admin layer: [status, body]. */
export function runtimeModify(runtime: Runtime, params: URLSearchParams): [number, string] {
  const pairs = [...params];
  if (pairs.length === 0) return [400, RUNTIME_MODIFY_USAGE];
  try {
    runtime.mergeAdminValues(pairs);
  } catch (e) {
    if (e instanceof NoAdminLayerError) return [503, `${e.message}\n`];
    throw e;
  }
  return [200, 'OK\n'];
}
