// Runs the capture rules (iptables-rules.ts) in the current network namespace
// with iptables-save / iptables-restore: one atomic transaction per call, so
// a pod never sees half its rules, and applying twice leaves one copy.
import { spawnSync } from 'node:child_process';
import { captureRules, cleanupInput, parseSaved, restoreInput, type CaptureOptions } from './iptables-rules.js';

export interface IptablesBinaries {
  save: string;
  restore: string;
}

export const IPTABLES_BINARIES: IptablesBinaries = { save: 'iptables-save', restore: 'iptables-restore' };

export type ApplyResult = { ok: true; input: string } | { ok: false; error: string; input?: string };

function run(bin: string, args: string[], input?: string): { ok: true; stdout: string } | { ok: false; error: string } {
  const r = spawnSync(bin, args, { input: input ?? '', encoding: 'utf8', timeout: 30_000 });
  if (r.error) return { ok: false, error: `${bin}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (install iptables)' : r.error.message}` };
  if (r.status !== 0) return { ok: false, error: `${bin} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}` };
  return { ok: true, stdout: r.stdout };
}

/** Rules of built-in chains this capture writes (exclude-interface RETURNs), as iptables-save prints them. */
function interfaceRules(o: CaptureOptions | undefined): string[] {
  return o ? captureRules(o).rules.filter((l) => /^-A (PREROUTING|OUTPUT) -[io] /.test(l)) : [];
}

function saved(bins: IptablesBinaries, o: CaptureOptions | undefined): { stale: string[]; chains: string[] } | { error: string } {
  const s = run(bins.save, ['-t', 'nat']);
  if (!s.ok) return { error: s.error };
  return parseSaved(s.stdout, interfaceRules(o));
}

/** Writes the capture rules, replacing any earlier ones. */
export function applyCapture(o: CaptureOptions, bins: IptablesBinaries = IPTABLES_BINARIES): ApplyResult {
  const cur = saved(bins, o);
  if ('error' in cur) return { ok: false, error: cur.error };
  const input = restoreInput(o, cur.stale);
  const r = run(bins.restore, ['--noflush'], input);
  return r.ok ? { ok: true, input } : { ok: false, error: r.error, input };
}

/** Removes every rule and chain a capture wrote (with `o`: also its exclude-interface rules). */
export function cleanupCapture(o: CaptureOptions | undefined, bins: IptablesBinaries = IPTABLES_BINARIES): ApplyResult {
  const cur = saved(bins, o);
  if ('error' in cur) return { ok: false, error: cur.error };
  const input = cleanupInput(cur.stale, cur.chains);
  if (!input) return { ok: true, input };
  const r = run(bins.restore, ['--noflush'], input);
  return r.ok ? { ok: true, input } : { ok: false, error: r.error, input };
}
