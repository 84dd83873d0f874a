// `weft up DIR --check`: everything `weft up` would refuse or warn about,
// without starting anything. The workloads file (every error with its path,
// each workload's folder and command), then the config folder with exactly
// the checks `weft validate` and `weft analyze` make, the analysis given the
// workloads' services as its registry (what the control plane does at run time).
import path from 'node:path';
import type { ConfigErrors } from '../common/errors.js';
import { analyze, loadConfigInputs, validateObject, type ValidationMessage } from '../control/validation/index.js';
import { WeftUp } from './up.js';
import { workloadRegistry } from './workload-registry.js';
import type { WorkloadsFile } from './workloads.js';

export interface FolderCheck {
  /** The workloads file, when it was accepted. */
  file?: WorkloadsFile;
  /** Errors in the workloads file, its paths and commands. */
  workloadErrors: ConfigErrors;
  /** Validation and analysis messages of the config folder. */
  messages: ValidationMessage[];
  documents: number;
  /** Config files read. */
  files: readonly string[];
}

export async function checkUpFolder(dir: string, startDir = process.cwd()): Promise<FolderCheck> {
  const { file, errors } = WeftUp.load(dir, startDir);
  if (!file) return { workloadErrors: errors, messages: [], documents: 0, files: [] };
  const loaded = await loadConfigInputs([path.resolve(dir, file.config)]);
  const messages: ValidationMessage[] = [...loaded.messages];
  for (const d of loaded.docs) messages.push(...validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}).messages);
  messages.push(...analyze(loaded.docs, { registry: workloadRegistry(file.workloads, '127.0.0.1') }));
  return { file, workloadErrors: errors, messages, documents: loaded.docs.length, files: loaded.files };
}
