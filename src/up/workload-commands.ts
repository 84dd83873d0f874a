// What `weft up` will run, checked before anything starts: each workload's
// folder exists, its program is found (PATH, or a path relative to that
// folder) and executable, and the script an interpreter is handed exists.
// A copy of the demo started from another folder used to crash-loop every
// app while the mesh looked healthy; this names the missing file instead.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigErrors, joinPath } from '../common/errors.js';
import type { Workload } from './workloads.js';

/** Programs whose first non-option argument is a script file that must exist. */
const INTERPRETERS = new Set(['node', 'nodejs', 'python', 'python3', 'ruby', 'perl', 'bash', 'sh', 'deno', 'bun', 'tsx']);
/** Options after which the interpreter runs code from the command line, not a file. */
const INLINE_CODE = new Set(['-e', '--eval', '-p', '--print', '-c', '--check', '-m', '-']);

/** The folder a workload runs in: `cwd` relative to DIR, else where `weft up` was started. */
export function workloadCwd(w: Workload, dir: string, startDir: string): string {
  return w.cwd ? path.resolve(dir, w.cwd) : startDir;
}

/** Reports, with its path in the workloads file, every command or folder that cannot run. */
export function checkWorkloadCommands(workloads: readonly Workload[], dir: string, startDir: string, errs: ConfigErrors, pathEnv = process.env.PATH ?? ''): void {
  workloads.forEach((w, i) => {
    const p = joinPath('workloads', i);
    const cwd = workloadCwd(w, dir, startDir);
    if (!isDir(cwd)) {
      errs.error(joinPath(p, w.cwd ? 'cwd' : 'command'), `folder ${cwd} does not exist${w.cwd ? '' : ' (no cwd: the folder weft up was started in)'}`);
      return;
    }
    const [program, ...args] = w.command;
    if (!program) return; // reported by the file's own checks
    const found = findProgram(program, cwd, w.env.PATH ?? pathEnv);
    if (!found.ok) {
      errs.error(joinPath(joinPath(p, 'command'), 0), found.reason);
      return;
    }
    if (!INTERPRETERS.has(path.basename(program))) return;
    const scriptAt = args.findIndex((a) => !a.startsWith('-'));
    if (scriptAt < 0 || args.slice(0, scriptAt).some((a) => INLINE_CODE.has(a))) return;
    const script = path.resolve(cwd, args[scriptAt]!);
    if (!fs.existsSync(script)) {
      errs.error(joinPath(joinPath(p, 'command'), scriptAt + 1), `file ${args[scriptAt]} not found in ${cwd}${w.cwd ? '' : ' (no cwd: relative to the folder weft up was started in; set cwd, relative to DIR)'}${script.includes(`${path.sep}dist${path.sep}`) ? '; run `npm run build` first if it is built' : ''}`);
    }
  });
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findProgram(program: string, cwd: string, pathEnv: string): { ok: true } | { ok: false; reason: string } {
  if (program.includes('/')) {
    const full = path.resolve(cwd, program);
    if (!fs.existsSync(full)) return { ok: false, reason: `program ${program} not found in ${cwd}` };
    return executable(full) ? { ok: true } : { ok: false, reason: `program ${full} is not an executable file` };
  }
  for (const d of pathEnv.split(path.delimiter)) if (d && executable(path.join(d, program))) return { ok: true };
  return { ok: false, reason: `program "${program}" not found on PATH` };
}
