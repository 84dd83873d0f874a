// Collects config from files, folders (recursively: *.yaml, *.yml, *.json)
// and stdin ("-"), for `weft validate`, `weft analyze` and the file-based
// ingest. Unreadable inputs become WEFT0001 messages, not exceptions, so one
// bad path does not hide the problems in the others.
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadConfigDocuments, type LoadedDocument } from './load-documents.js';
import { Reporter, type ValidationMessage } from './message.js';

const CONFIG_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadedInputs {
  readonly docs: LoadedDocument[];
  readonly messages: ValidationMessage[];
  /** The files read, in order ("-" for stdin). */
  readonly files: string[];
}

async function listConfigFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listConfigFiles(p)));
    else if (CONFIG_EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
  }
  return out;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads every input in order; a folder contributes its config files sorted by name. */
export async function loadConfigInputs(inputs: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<LoadedInputs> {
  const docs: LoadedDocument[] = [];
  const messages: ValidationMessage[] = [];
  const files: string[] = [];
  const fail = (file: string, message: string): void => {
    const r = new Reporter('', file);
    r.report('WEFT0001', '', message);
    messages.push(...r.messages);
  };
  const readOne = async (file: string): Promise<void> => {
    files.push(file);
    let text: string;
    try {
      text = file === '-' ? await readStdin(stdin) : await fs.readFile(file, 'utf8');
    } catch (e) {
      fail(file, `cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    const loaded = loadConfigDocuments(text, file === '-' ? '<stdin>' : file);
    docs.push(...loaded.docs);
    messages.push(...loaded.messages);
  };
  for (const input of inputs) {
    if (input === '-') {
      await readOne('-');
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(input);
    } catch (e) {
      fail(input, `cannot read ${input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    if (stat.isDirectory()) {
      const found = await listConfigFiles(input);
      if (found.length === 0) fail(input, `no .yaml, .yml or .json files in ${input}`);
      for (const f of found) await readOne(f);
    } else await readOne(input);
  }
  return { docs, messages, files };
}
