// One line per change to `weft up`'s config folder: each object applied
// (created, updated, removed) and each document rejected, with its code and
// where it is. It watches the folder with the control plane's own reader
// (same validation, same snapshots), so what it prints is what the control
// plane serves; the control plane's log keeps its own details.
import path from 'node:path';
import { DirectoryConfigSource, type ConfigSnapshot, type RejectedDocument } from '../control/ingest/index.js';

export class ConfigChangeReporter {
  private readonly source: DirectoryConfigSource;
  /** Accepted objects last seen: key → generation. */
  private accepted = new Map<string, number>();
  /** Rejections last seen, by their printed line: a rejection is reported once, until it changes. */
  private rejected = new Set<string>();

  constructor(private readonly dir: string, private readonly out: (line: string) => void) {
    this.source = new DirectoryConfigSource(dir);
  }

  /** Reads the folder (its first state is summarised in one line, rejections listed) and follows it. */
  async start(): Promise<void> {
    this.source.onSnapshot((s) => this.report(s, false));
    const first = await this.source.start();
    this.report(first, true);
  }

  stop(): void {
    this.source.stop();
  }

  private report(s: ConfigSnapshot, initial: boolean): void {
    const now = new Map<string, number>();
    for (const a of s.accepted) now.set(a.key, a.obj.metadata.generation ?? 1);
    const lines: string[] = [];
    if (!initial) {
      for (const [key, gen] of now) {
        const before = this.accepted.get(key);
        if (before === undefined) lines.push(`config applied: ${key} created`);
        else if (before !== gen) lines.push(`config applied: ${key} updated (generation ${gen})`);
      }
      for (const key of this.accepted.keys()) if (!now.has(key)) lines.push(`config applied: ${key} removed`);
    }
    const rejectedNow = new Set(s.rejected.map((r) => this.rejectionLine(r)));
    for (const l of rejectedNow) if (!this.rejected.has(l)) lines.push(l);
    this.accepted = now;
    this.rejected = rejectedNow;
    if (initial) this.out(`weft up: config ${path.relative(process.cwd(), this.dir) || '.'}: ${now.size} objects applied, ${s.rejected.length} documents rejected`);
    for (const l of lines) this.out(`weft up: ${l}`);
  }

  private rejectionLine(r: RejectedDocument): string {
    const where = `${path.relative(process.cwd(), r.file) || r.file}${r.line ? `:${r.line}` : ''}`;
    const errors = r.messages.filter((m) => m.severity === 'error');
    const first = errors[0] ?? r.messages[0];
    const more = errors.length > 1 ? ` (+${errors.length - 1} more: weft validate -f ${where.replace(/:\d+$/, '')})` : '';
    return `config rejected: ${r.key ?? 'document'} [${where}]: ${first ? `${first.code} ${first.path ? `${first.path}: ` : ''}${first.message}` : 'rejected'}${more}`;
  }
}
