// The identity of a config object: "Kind name.namespace". One spelling, used
// by the ingest layer (duplicate detection), messages and Accepted.key.
import type { ConfigObject } from '../../api/networking.js';
import { MODEL_DEFAULTS } from './defaults.js';

/** The namespace an object lives in (metadata.namespace, else "default" as kubectl). */
export function namespaceOf(obj: Pick<ConfigObject, 'metadata'>): string {
  const ns = obj.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : MODEL_DEFAULTS.namespace;
}

/** "Kind name.namespace" (the namespace defaults to "default"). */
export function configKey(kind: string, name: string, namespace: string | undefined): string {
  return `${kind} ${name}.${namespace === undefined || namespace === '' ? MODEL_DEFAULTS.namespace : namespace}`;
}

/** The key of a parsed object. */
export function keyOf(obj: Pick<ConfigObject, 'kind' | 'metadata'>): string {
  return configKey(obj.kind, obj.metadata?.name ?? '', namespaceOf(obj));
}
