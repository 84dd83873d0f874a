// Istio's exportTo: which namespaces may see a service or config object.
// "*" = every namespace, "." = the object's own namespace, "~" = none,
// anything else a namespace name. Unset = "*" (mesh default).
import { MODEL_DEFAULTS } from './defaults.js';

/** The effective exportTo list (the default when unset or empty). */
export function normalizeExportTo(exportTo: readonly string[] | undefined): readonly string[] {
  return exportTo && exportTo.length > 0 ? exportTo : MODEL_DEFAULTS.exportTo;
}

/** True when an object in `ownerNamespace` exported as `exportTo` is visible from `fromNamespace`. */
export function isVisibleFrom(exportTo: readonly string[], ownerNamespace: string, fromNamespace: string): boolean {
  for (const e of exportTo) {
    if (e === '*') return true;
    if (e === '.' ? ownerNamespace === fromNamespace : e === fromNamespace) return true;
  }
  return false;
}

/** True when visible in every namespace. */
export function isPublic(exportTo: readonly string[]): boolean {
  return exportTo.includes('*');
}

/**
 * The namespaces an object is visible in besides "everywhere": its own for
 * ".", and each named one. Used to index private and exported objects.
 */
export function exportNamespaces(exportTo: readonly string[], ownerNamespace: string): string[] {
  const out = new Set<string>();
  for (const e of exportTo) {
    if (e === '*' || e === '~') continue;
    out.add(e === '.' ? ownerNamespace : e);
  }
  return [...out];
}
