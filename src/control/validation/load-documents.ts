// Reads config text (multi-document YAML, or JSON) into documents, keeping
// where each field came from so messages can say FILE:LINE. Kubernetes
// `kind: List` documents (kubectl get -o yaml) are unpacked into their items;
// empty documents (a trailing `---`) are skipped.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { childPath, parsePath } from './field-path.js';
import { joinFlowColons, KUBE_YAML_OPTIONS } from './kube-yaml.js';
import { Reporter, type LineLocator, type ValidationMessage } from './message.js';

export interface LoadedDocument {
  /** The parsed document (plain JSON values). */
  readonly obj: unknown;
  readonly file?: string;
  /** 1-based line where the document starts. */
  readonly line?: number;
  /** Finds the line of a field path inside this document. */
  readonly lineOf?: LineLocator;
  /**
   * Every field path of the document with its line, for a locator that
   * outlives the YAML tree (parsing in a worker thread: see lineTableLocator).
   */
  readonly lineTable?: () => [string, number][];
}

export interface LoadResult {
  readonly docs: LoadedDocument[];
  /** Parse errors (WEFT0001); documents with errors are left out. */
  readonly messages: ValidationMessage[];
}

// Anchors and aliases are fine; a document that expands into millions of nodes is not config.
const MAX_ALIAS_COUNT = 1000;

/** Descends the YAML tree along `segments`; returns the deepest node found (the key node for map fields). */
function nodeAt(root: Node | null, segments: readonly (string | number)[]): Node | undefined {
  let node: Node | null | undefined = root;
  let last: Node | undefined = root ?? undefined;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return last;
      last = (isScalar(pair.key) ? pair.key : undefined) ?? last;
      node = pair.value as Node | null;
      // A key whose value starts on the next line is best reported at the key.
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return last;
      node = item;
      last = item;
    } else return last;
  }
  return last;
}

function locator(root: Node | null, counter: LineCounter, prefix: readonly (string | number)[]): LineLocator {
  return (path: string) => {
    const segs = parsePath(path);
    if (!segs) return undefined;
    const node = nodeAt(root, [...prefix, ...segs]);
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
}

/** Every field path below `prefix` with the line nodeAt would give it (map fields at their key, list items at the item). */
function lineTable(root: Node | null, counter: LineCounter, prefix: readonly (string | number)[]): [string, number][] {
  const out: [string, number][] = [];
  const start = nodeAt(root, prefix);
  const lineAt = (n: Node | undefined): number | undefined => (n?.range ? counter.linePos(n.range[0]).line : undefined);
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const p of node.items) {
        const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
        const child = childPath(path, key);
        const line = lineAt(isScalar(p.key) ? p.key : undefined);
        if (line !== undefined) out.push([child, line]);
        walk(p.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const child = childPath(path, i);
        const line = lineAt(item as Node);
        if (line !== undefined) out.push([child, line]);
        walk(item, child);
      });
    }
  };
  const rootLine = lineAt(start);
  if (rootLine !== undefined) out.push(['', rootLine]);
  walk(prefix.length === 0 ? root : valueAt(root, prefix), '');
  return out;
}

/** The value node at `segments` (nodeAt gives the key node for map fields). */
function valueAt(root: Node | null, segments: readonly (string | number)[]): unknown {
  let node: unknown = root;
  for (const seg of segments) {
    if (isMap(node)) node = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg))?.value;
    else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

/** A locator from a line table: the line of the deepest part of the path that exists (as the tree locator). */
export function lineTableLocator(entries: readonly [string, number][]): LineLocator {
  const lines = new Map(entries);
  return (path: string) => {
    const segs = parsePath(path);
    if (!segs) return undefined;
    for (let n = segs.length; n >= 0; n--) {
      const key = segs.slice(0, n).reduce<string>((p, s) => childPath(p, s), '');
      const line = lines.get(key);
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

/** Splits config text into documents. `file` names the source in messages. */
export function loadConfigDocuments(text: string, file?: string): LoadResult {
  const counter = new LineCounter();
  const docs: LoadedDocument[] = [];
  const messages: ValidationMessage[] = [];
  // Read as Kubernetes reads YAML (go-yaml v2, YAML 1.1 rules): see kube-yaml.ts.
  const parsed = parseAllDocuments(text, { ...KUBE_YAML_OPTIONS, lineCounter: counter, merge: true, prettyErrors: false });
  for (const doc of parsed) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
        const r = new Reporter('', file, () => line);
        r.report('WEFT0001', '', `YAML: ${e.message.split('\n')[0]}`);
        messages.push(...r.messages);
      }
      continue;
    }
    joinFlowColons(doc, text);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const r = new Reporter('', file, () => (doc.contents?.range ? counter.linePos(doc.contents.range[0]).line : undefined));
      r.report('WEFT0001', '', `YAML: ${(e as Error).message}`);
      messages.push(...r.messages);
      continue;
    }
    if (value === null || value === undefined) continue;
    const root = doc.contents as Node | null;
    const push = (obj: unknown, prefix: (string | number)[]): void => {
      const lineOf = locator(root, counter, prefix);
      const line = lineOf('');
      docs.push({ obj, ...(file !== undefined ? { file } : {}), ...(line !== undefined ? { line } : {}), lineOf, lineTable: () => lineTable(root, counter, prefix) });
    };
    if (Array.isArray(value)) {
      // A JSON array of objects (or a YAML sequence) holds one object per element.
      value.forEach((item, i) => push(item, [i]));
    } else if (isKubeList(value)) {
      (value.items as unknown[]).forEach((item, i) => push(item, ['items', i]));
    } else push(value, []);
  }
  return { docs, messages };
}

function isKubeList(v: unknown): v is { kind: string; items: unknown[] } {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) && o.spec === undefined;
}

