// Splits one config file into documents with the validation package's loader
// (loadConfigDocuments: multi-document YAML, JSON, `kind: List` unpacked,
// field paths mapped to lines), so ingest messages carry FILE:LINE exactly
// like `weft validate`. A document that does not parse is reported alone; the
// file's other documents are kept.
import { lineTableLocator, loadConfigDocuments, type LineLocator, type LoadResult, type ValidationMessage } from '../validation/index.js';

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

/** A ParsedFile that can cross a thread boundary: line tables instead of locators. */
export interface PortableParsedFile {
  readonly docs: readonly { index: number; line: number; value: unknown; lines: [string, number][] }[];
  readonly errors: readonly ValidationMessage[];
}

function parseError(message: string, file?: string): ValidationMessage {
  return { code: 'WEFT0001', severity: 'error', key: '', path: '', message, line: 1, ...(file !== undefined ? { file } : {}) };
}

/** loadConfigDocuments, with an exception turned into the file's one parse error. */
function load(text: string, file?: string): LoadResult | ParsedFile {
  try {
    return loadConfigDocuments(text, file);
  } catch (e) {
    return { docs: [], errors: [parseError(`cannot parse: ${(e as Error).message}`, file)] };
  }
}

/** Parses `text` read from `file`; empty documents (a trailing "---", comments only) are skipped. */
export function parseDocuments(text: string, file?: string): ParsedFile {
  const loaded = load(text, file);
  if ('errors' in loaded) return loaded;
  const docs = loaded.docs.map((d, index) => {
    const doc: ParsedDocument = { index, line: d.line ?? 1, value: d.obj };
    return d.lineOf ? { ...doc, lineOf: d.lineOf } : doc;
  });
  return { docs, errors: loaded.messages.filter((m) => m.severity === 'error') };
}

/** parseDocuments for a worker thread: the result is plain data (structured-clone safe). */
export function parsePortable(text: string, file?: string): PortableParsedFile {
  const loaded = load(text, file);
  if ('errors' in loaded) return { docs: [], errors: loaded.errors };
  return {
    docs: loaded.docs.map((d, index) => ({ index, line: d.line ?? 1, value: d.obj, lines: d.lineTable?.() ?? [] })),
    errors: loaded.messages.filter((m) => m.severity === 'error'),
  };
}

/** The ParsedFile of a portable result (locators rebuilt from the line tables). */
export function fromPortable(p: PortableParsedFile): ParsedFile {
  return { docs: p.docs.map((d) => ({ index: d.index, line: d.line, value: d.value, lineOf: lineTableLocator(d.lines) })), errors: p.errors };
}

/** A parse failure of the file as a whole (too large, parser out of memory): one WEFT0001-class message. */
export function fileError(code: string, message: string, file: string): ParsedFile {
  return { docs: [], errors: [{ ...parseError(message, file), code }] };
}
