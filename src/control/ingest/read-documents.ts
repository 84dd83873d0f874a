// Splits one config file into documents with the validation package's loader
// (loadConfigDocuments: multi-document YAML, JSON, `kind: List` unpacked,
// field paths mapped to lines), so ingest messages carry FILE:LINE exactly
// like `weft validate`. A document that does not parse is reported alone; the
// file's other documents are kept.
import { loadConfigDocuments, type LineLocator, type ValidationMessage } from '../validation/index.js';

export interface ParsedDocument {
  /** 0-based position among the file's parsed documents (items of a List count one each). */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly value: unknown;
  /** Line of a field path, for validation messages. */
  readonly lineOf?: LineLocator;
}

export interface ParsedFile {
  readonly docs: readonly ParsedDocument[];
  /** Parse errors (WEFT0001), one per problem, with their lines. */
  readonly errors: readonly ValidationMessage[];
}

/** Parses `text` read from `file`; empty documents (a trailing "---", comments only) are skipped. */
export function parseDocuments(text: string, file?: string): ParsedFile {
  let loaded;
  try {
    loaded = loadConfigDocuments(text, file);
  } catch (e) {
    const m: ValidationMessage = { code: 'WEFT0001', severity: 'error', key: '', path: '', message: `cannot parse: ${(e as Error).message}`, line: 1, ...(file !== undefined ? { file } : {}) };
    return { docs: [], errors: [m] };
  }
  const docs = loaded.docs.map((d, index) => {
    const doc: ParsedDocument = { index, line: d.line ?? 1, value: d.obj };
    return d.lineOf ? { ...doc, lineOf: d.lineOf } : doc;
  });
  return { docs, errors: loaded.messages.filter((m) => m.severity === 'error') };
}
