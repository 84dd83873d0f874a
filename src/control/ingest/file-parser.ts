// Parses config files off the serving path: one worker thread (parse-worker)
// with a bounded heap, requests answered in order. When the worker dies (its
// heap limit, a crash), the file being parsed is refused with
// WEFT_INGEST_PARSE_FAILED and the next request starts a new worker.
import { Worker } from 'node:worker_threads';
import { INGEST_CODES } from './config-snapshot.js';
import type { ParseRequest } from './parse-worker.js';
import { fileError, fromPortable, parseDocuments, type ParsedFile, type PortableParsedFile } from './read-documents.js';

export const FILE_PARSER_DEFAULTS = {
  /**
   * Heap of the parse worker. YAML trees take 20–40× the text; with files
   * capped at 8 MiB (DIRECTORY_SOURCE_DEFAULTS.maxFileBytes) this is ample,
   * and a bomb stops here instead of in the control plane's heap.
   */
  maxOldGenerationMb: 512,
} as const;

export interface FileParser {
  parse(text: string, file: string): Promise<ParsedFile>;
  close(): Promise<void>;
}

/** Parses in the calling thread (tests, tools that own their event loop). */
export const inlineParser: FileParser = {
  parse: (text, file) => Promise.resolve(parseDocuments(text, file)),
  close: () => Promise.resolve(),
};

export class WorkerFileParser implements FileParser {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { file: string; worker: Worker; resolve: (p: ParsedFile) => void }>();

  constructor(private readonly maxOldGenerationMb: number = FILE_PARSER_DEFAULTS.maxOldGenerationMb) {}

  parse(text: string, file: string): Promise<ParsedFile> {
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { file, worker: w, resolve });
      w.ref(); // keeps the process alive while a parse is owed; idle, the worker does not
      w.postMessage({ id, text, file } satisfies ParseRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(w, 'the control plane is stopping');
    await w?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./parse-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.maxOldGenerationMb } });
    w.unref();
    w.on('message', (m: { id: number; result: PortableParsedFile }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (![...this.pending.values()].some((x) => x.worker === w)) w.unref();
      p.resolve(fromPortable(m.result));
    });
    const died = (why: string): void => {
      if (this.worker === w) this.worker = undefined;
      this.failAll(w, why);
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`parser exited with code ${code}`));
    this.worker = w;
    return w;
  }

  /** Every request still waiting on `w` is answered with a failure (its file is refused, nothing hangs). */
  private failAll(w: Worker | undefined, why: string): void {
    if (!w) return;
    for (const [id, p] of this.pending) {
      if (p.worker !== w) continue;
      this.pending.delete(id);
      p.resolve(fileError(INGEST_CODES.parseFailed, `cannot parse ${p.file}: ${why}`, p.file));
    }
  }
}
