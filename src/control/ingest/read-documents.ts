// Splits one config file into documents: YAML with "---" separators (JSON is
// YAML too), a Kubernetes `kind: List` expanded into its items. A document
// that does not parse is reported alone; the file's other documents are kept.
import { LineCounter, parseAllDocuments } from 'yaml';

export interface ParsedDocument {
  /** 0-based position of the document in its file (items of a List count one each). */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly value: unknown;
}

export interface DocumentError {
  readonly index: number;
  readonly line: number;
  readonly message: string;
}

export interface ParsedFile {
  readonly docs: readonly ParsedDocument[];
  readonly errors: readonly DocumentError[];
}

/** Parses `text`; empty documents (a trailing "---", comments only) are skipped. */
export function parseDocuments(text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  let index = 0;
  let parsed;
  try {
    parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    return { docs, errors: [{ index: 0, line: 1, message: (e as Error).message }] };
  }
  const list = Array.isArray(parsed) ? parsed : [];
  for (const doc of list) {
    const line = lineCounter.linePos(doc.range?.[0] ?? 0).line;
    if (doc.errors.length > 0) {
      errors.push({ index: index++, line, message: doc.errors.map((e) => e.message).join('; ') });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ index: index++, line, message: (e as Error).message });
      continue;
    }
    if (value === null || value === undefined) continue;
    if (isList(value)) {
      for (const item of value.items) docs.push({ index: index++, line, value: item });
      continue;
    }
    docs.push({ index: index++, line, value });
  }
  return { docs, errors };
}

function isList(v: unknown): v is { items: unknown[] } {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && o.kind.endsWith('List') && o.apiVersion === 'v1' && Array.isArray(o.items);
}
