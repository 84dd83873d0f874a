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

/**
 * Parses argv against specs. The first problem is returned as a string;
 * with `errors`, every problem is pushed there instead and parsing goes on
 * (the caller reports them all at once).
 */
export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs | string;
export function parseArgs(argv: string[], specs: OptionSpec[], errors: string[]): ParsedArgs;
export function parseArgs(argv: string[], specs: OptionSpec[], errors?: string[]): ParsedArgs | string {
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
    if (!spec) {
      if (!errors) return `unknown option ${a}`;
      errors.push(`unknown option ${a}`);
      continue;
    }
    if (!spec.value) {
      options.set(spec.name, true);
      continue;
    }
    let v: string | undefined = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) {
      if (!errors) return `option ${a} needs a value`;
      errors.push(`option ${a} needs a value`);
      continue;
    }
    options.set(spec.name, v);
  }
  return { options, positionals };
}

export function usage(cmd: string, specs: OptionSpec[], synopsis: string): string {
  return `usage: weft ${cmd} ${synopsis}\n\noptions:\n${specs.map((s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ' <value>' : ''}\n      ${s.help}`).join('\n')}\n`;
}
