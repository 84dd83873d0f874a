// One consistent view of a config folder: the accepted objects (oldest
// first) and every document that was not accepted, with the reasons.
//
// Order stands in for Istio's creation time: an object keeps the position it
// got when first seen, so editing a file never makes an old object "newer";
// objects seen for the first time follow in file-path and document order.
//
// Identity is "Kind name.namespace" (namespace "default" when unset). When
// two documents define the same object, the one accepted before keeps it
// (on first load: the first in path order) and the other is rejected with
// WEFT_INGEST_DUPLICATE, as Kubernetes refuses to create an object whose
// name is taken.
import type { ConfigObject } from '../../api/networking.js';
import { keyOf, namespaceOf } from '../model/config-key.js';
import { deepFreeze } from '../model/freeze.js';
import type { Accepted } from '../model/types.js';
import type { LineLocator, ValidationMessage, ValidationResult } from '../validation/index.js';
import type { ParsedFile } from './read-documents.js';

/** Message codes of the ingest layer itself (validation's codes are WEFT00xx–03xx). */
export const INGEST_CODES = {
  /** A file that cannot be read or a document that does not parse (validation's input code). */
  unreadable: 'WEFT0001',
  /** A second document defining an object that another document already defines. */
  duplicate: 'WEFT_INGEST_DUPLICATE',
  /** The validator threw, or returned neither an object nor a message. */
  validatorFailed: 'WEFT_INGEST_VALIDATOR',
  /** An object's new version was rejected, or its file does not parse: its last accepted version keeps serving. */
  keptLastGood: 'WEFT_INGEST_KEPT_LAST_GOOD',
  /** A file larger than the size limit (maxFileBytes) is refused unread. */
  tooLarge: 'WEFT_INGEST_TOO_LARGE',
  /** The parser gave up on a file (its worker ran out of memory or died). */
  parseFailed: 'WEFT_INGEST_PARSE_FAILED',
} as const;

export interface RejectedDocument {
  readonly file: string;
  /** Position among the file's parsed documents (0-based); -1 for a file or document that could not be read or parsed. */
  readonly index: number;
  /** 1-based line where the document starts. */
  readonly line: number;
  /** "Kind name.namespace" when the document got that far. */
  readonly key?: string;
  /** Why: at least one error. */
  messages: readonly ValidationMessage[];
}

export interface ConfigSnapshot {
  /** Increases with every snapshot a source emits. */
  readonly version: number;
  /** Accepted objects, oldest first; frozen; metadata.namespace and metadata.generation filled in. */
  readonly accepted: readonly Accepted<ConfigObject>[];
  /** Documents refused, each alone; never dropped silently. */
  readonly rejected: readonly RejectedDocument[];
  /** Warnings and infos of documents that were accepted or skipped (e.g. a Kubernetes Service in the folder). */
  readonly messages: readonly ValidationMessage[];
  /** Files read, sorted. */
  readonly files: readonly string[];
}

export type Validate = (doc: unknown, file?: string, options?: { lineOf?: LineLocator }) => ValidationResult;

/** A validation result with the object's JSON (for change detection), computed once per parsed document. */
interface Validated {
  readonly result: ValidationResult;
  readonly json: string;
}

interface Seen {
  seq: number;
  file: string;
  json: string;
  generation: number;
}

/** Builds snapshots and remembers first-seen order and generations across builds. */
export class SnapshotAssembler {
  private readonly seen = new Map<string, Seen>();
  /** The last accepted version of each object: an edit that breaks an object does not take it away. */
  private lastGood = new Map<string, { seq: number; acc: Accepted<ConfigObject> }>();
  private nextSeq = 0;
  private version = 0;
  /** Validation results per parsed file: a file whose text did not change is not validated again. */
  private validated = new WeakMap<ParsedFile, (Validated | Error)[]>();

  constructor(private readonly validate: Validate) {}

  /** `files`: path → parsed contents, or an Error when the file could not be read. */
  build(files: ReadonlyMap<string, ParsedFile | Error>): ConfigSnapshot {
    const rejected: RejectedDocument[] = [];
    const messages: ValidationMessage[] = [];
    const candidates: { key: string; obj: ConfigObject; file: string; index: number; line: number; json: string }[] = [];
    const paths = [...files.keys()].sort();
    for (const file of paths) {
      const parsed = files.get(file)!;
      if (parsed instanceof Error) {
        rejected.push({ file, index: -1, line: 1, messages: [msg(INGEST_CODES.unreadable, '', `cannot read file: ${parsed.message}`, file)] });
        continue;
      }
      for (const e of parsed.errors) rejected.push({ file, index: -1, line: e.line ?? 1, messages: [e] });
      let results = this.validated.get(parsed);
      if (!results) {
        results = parsed.docs.map((d) => {
          try {
            const result = this.validate(d.value, file, d.lineOf ? { lineOf: d.lineOf } : {});
            return { result, json: result.object ? JSON.stringify(result.object) : '' };
          } catch (e) {
            return e instanceof Error ? e : new Error(String(e));
          }
        });
        this.validated.set(parsed, results);
      }
      for (let i = 0; i < parsed.docs.length; i++) {
        const d = parsed.docs[i]!;
        const validated = results[i]!;
        if (validated instanceof Error) {
          rejected.push({ file, index: d.index, line: d.line, messages: [msg(INGEST_CODES.validatorFailed, '', `validation failed: ${validated.message}`, file, d.line)] });
          continue;
        }
        const result = validated.result;
        const errors = result.messages.filter((m) => m.severity === 'error');
        const key = result.object ? keyOf(result.object) : result.messages.find((m) => m.key)?.key;
        if (errors.length > 0 || (!result.object && result.messages.length === 0)) {
          const why = errors.length > 0 ? result.messages : [msg(INGEST_CODES.validatorFailed, key ?? '', 'validation returned no object and no reason', file, d.line)];
          rejected.push(key === undefined ? { file, index: d.index, line: d.line, messages: why } : { file, index: d.index, line: d.line, key, messages: why });
          continue;
        }
        messages.push(...result.messages);
        if (!result.object) continue; // skipped kind; its warning says so
        const obj = result.object as ConfigObject;
        candidates.push({ key: keyOf(obj), obj, file, index: d.index, line: d.line, json: validated.json });
      }
    }

    // Duplicates: the object accepted before keeps its key; else the first in path order.
    const winners = new Map<string, (typeof candidates)[number]>();
    for (const c of candidates) {
      const cur = winners.get(c.key);
      if (!cur) winners.set(c.key, c);
      else if (this.seen.get(c.key)?.file === c.file && this.seen.get(c.key)?.file !== cur.file) winners.set(c.key, c);
    }
    for (const c of candidates) {
      const w = winners.get(c.key)!;
      if (w === c) continue;
      rejected.push({
        file: c.file,
        index: c.index,
        line: c.line,
        key: c.key,
        messages: [msg(INGEST_CODES.duplicate, c.key, `${c.key} is defined twice: at ${w.file}:${w.line} (document ${w.index + 1}, in force) and at ${c.file}:${c.line} (ignored); an identity (kind, namespace, name) names one object`, c.file, c.line)],
      });
    }

    const accepted: { seq: number; acc: Accepted<ConfigObject> }[] = [];
    const present = new Set<string>();
    for (const [key, c] of winners) {
      present.add(key);
      let s = this.seen.get(key);
      if (!s) {
        s = { seq: this.nextSeq++, file: c.file, json: c.json, generation: 1 };
        this.seen.set(key, s);
      } else if (s.json !== c.json) {
        s.json = c.json;
        s.generation += 1;
      }
      s.file = c.file;
      const obj = { ...c.obj, metadata: { ...c.obj.metadata, namespace: namespaceOf(c.obj), generation: s.generation } } as ConfigObject;
      accepted.push({ seq: s.seq, acc: deepFreeze({ obj, key, file: c.file, line: c.line }) });
    }
    // An object whose new version was rejected keeps serving its last accepted
    // version (as a Kubernetes API server keeps the stored object when an update
    // is refused); the rejection says so.
    for (const r of rejected) {
      if (r.key === undefined || present.has(r.key)) continue;
      const prev = this.lastGood.get(r.key);
      if (!prev || prev.acc.file !== r.file) continue;
      present.add(r.key);
      accepted.push(prev);
      r.messages = [...r.messages, msgInfo(INGEST_CODES.keptLastGood, r.key, `${r.key}: the last accepted version (generation ${prev.acc.obj.metadata.generation ?? 1}) keeps serving until this one is fixed`, r.file, r.line)];
    }
    // A file that does not parse (a syntax error, too large, unreadable) takes
    // none of its objects away: each keeps its last accepted version, and the
    // file's rejection says which.
    const broken = new Map<string, RejectedDocument>();
    for (const r of rejected) if (r.index === -1 && !broken.has(r.file)) broken.set(r.file, r);
    for (const [key, prev] of this.lastGood) {
      if (present.has(key) || !prev.acc.file) continue;
      const r = broken.get(prev.acc.file);
      if (!r) continue;
      present.add(key);
      accepted.push(prev);
      r.messages = [...r.messages, msgInfo(INGEST_CODES.keptLastGood, key, `${key}: the last accepted version (generation ${prev.acc.obj.metadata.generation ?? 1}) keeps serving until ${r.file} parses again`, r.file, r.line)];
    }
    for (const key of [...this.seen.keys()]) if (!present.has(key)) this.seen.delete(key);
    this.lastGood = new Map(accepted.map((a) => [a.acc.key, a]));
    accepted.sort((a, b) => a.seq - b.seq);
    rejected.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    return Object.freeze({
      version: ++this.version,
      accepted: Object.freeze(accepted.map((a) => a.acc)),
      rejected: Object.freeze(rejected),
      messages: Object.freeze(messages),
      files: Object.freeze(paths),
    });
  }
}

function msgInfo(code: string, key: string, message: string, file: string, line?: number): ValidationMessage {
  return { ...msg(code, key, message, file, line), severity: 'info' };
}

function msg(code: string, key: string, message: string, file: string, line?: number): ValidationMessage {
  return line === undefined ? { code, severity: 'error', key, path: '', message, file } : { code, severity: 'error', key, path: '', message, file, line };
}
