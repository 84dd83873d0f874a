// A small, strict option parser: unknown options are errors, never ignored.
export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  /** true: takes a value. */
  value: boolean;
  help: string;
}

export type ParsedArgs = { options: Map<string, string | true>; positionals: string[] };

export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs | string {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : a.slice(1);
    const spec = a.startsWith('--') ? specs.find((s) => s.name === key) : specs.find((s) => s.short === key);
    if (!spec) return `unknown option ${a}`;
    if (!spec.value) {
      options.set(spec.name, true);
      continue;
    }
    let v: string | undefined = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) return `option ${a} needs a value`;
    options.set(spec.name, v);
  }
  return { options, positionals };
}

export function usage(cmd: string, specs: OptionSpec[], synopsis: string): string {
  return `usage: weft ${cmd} ${synopsis}\n\noptions:\n${specs.map((s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ' <value>' : ''}\n      ${s.help}`).join('\n')}\n`;
}
