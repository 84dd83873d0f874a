// Helpers for the injection and webhook tests: the test manifests in
// testdata/, pod templates out of them, and an RFC 6902 implementation that
// is not weft's own (fast-json-patch) to apply the patches.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';
import type { Pod } from './kube-types.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const TESTDATA = path.join(REPO_ROOT, 'src', 'kube', 'inject', 'testdata');

export function readManifest(name: string): Record<string, unknown>[] {
  return parseAllDocuments(fs.readFileSync(path.join(TESTDATA, name), 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
}

/** The pod a controller would create from the manifest's object `kind/name`. */
export function podFrom(file: string, name: string): Pod {
  const all = readManifest(file).flatMap((d) => (Array.isArray(d.items) ? (d.items as Record<string, unknown>[]) : [d]));
  const doc = all.find((d) => (d.metadata as { name?: string } | undefined)?.name === name);
  if (!doc) throw new Error(`${name} not in ${file}`);
  if (doc.kind === 'Pod') return structuredClone(doc) as unknown as Pod;
  const spec = doc.spec as Record<string, unknown>;
  const template = (doc.kind === 'CronJob' ? ((spec.jobTemplate as Record<string, unknown>).spec as Record<string, unknown>).template : spec.template) as Pod;
  return structuredClone({ apiVersion: 'v1', kind: 'Pod', metadata: template.metadata ?? {}, spec: template.spec });
}

/** Applies a JSON Patch with fast-json-patch after checking it is a valid patch for `doc`. */
export function applyJsonPatch<T>(doc: T, patch: unknown[]): T {
  const err = jsonpatch.validate(patch as jsonpatch.Operation[], structuredClone(doc));
  if (err) throw err;
  return jsonpatch.applyPatch(structuredClone(doc), patch as jsonpatch.Operation[], true, false).newDocument;
}

/** The value of env var `name` of container `c` (literal values only). */
export function envOf(c: { env?: unknown[] }, name: string): string | undefined {
  const e = (c.env ?? []).find((x) => (x as { name: string }).name === name) as { value?: string } | undefined;
  return e?.value;
}

/**
 * Resolves a container's env as the kubelet would for `pod` (literal values
 * and the fieldRefs the injector uses), to feed weft's agent config decoder.
 */
export function resolveEnv(pod: Pod, c: { env?: unknown[] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of c.env ?? []) {
    const e = raw as { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
    if (e.value !== undefined) out[e.name] = e.value;
    const fp = e.valueFrom?.fieldRef?.fieldPath;
    if (fp === 'metadata.namespace') out[e.name] = String(pod.metadata?.namespace ?? '');
    if (fp === 'metadata.name') out[e.name] = String(pod.metadata?.name ?? '');
    if (fp === 'spec.serviceAccountName') out[e.name] = pod.spec.serviceAccountName ?? 'default';
  }
  return out;
}
