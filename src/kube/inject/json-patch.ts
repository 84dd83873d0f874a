// RFC 6902 JSON Patch between the pod the API server sent and the injected
// pod, as Istio's injector computes it (a diff, not a hand-written list, so
// the patch is right for any pod shape). Arrays that only grew at the end
// get one `add` per new element; any other array change replaces the array.
import { isRecord } from './kube-types.js';

export type PatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** RFC 6901: "~" → "~0", "/" → "~1". */
export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The operations that turn `from` into `to`. */
export function createPatch(from: unknown, to: unknown, path = ''): PatchOperation[] {
  if (deepEqual(from, to)) return [];
  if (isRecord(from) && isRecord(to)) {
    const ops: PatchOperation[] = [];
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: `${path}/${pointerToken(k)}` });
    for (const [k, v] of Object.entries(to)) {
      const p = `${path}/${pointerToken(k)}`;
      if (!(k in from)) ops.push({ op: 'add', path: p, value: v });
      else ops.push(...createPatch(from[k], v, p));
    }
    return ops;
  }
  if (Array.isArray(from) && Array.isArray(to) && to.length >= from.length && from.every((x, i) => deepEqual(x, to[i]))) {
    return to.slice(from.length).map((v, i) => ({ op: 'add' as const, path: `${path}/${from.length + i}`, value: v }));
  }
  if (path === '') throw new Error('createPatch: the document root cannot be replaced');
  return [{ op: 'replace', path, value: to }];
}
