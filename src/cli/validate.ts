// weft validate: checks Istio config files object by object (schema and
// semantic rules, as Istio's `istioctl validate` and Galley do), printing
// every problem with its code, object, field path and FILE:LINE.
// Exit code: 1 when any error was found, 0 otherwise (warnings alone pass), 2 on usage errors.
import {
  countBySeverity,
  formatMessage,
  loadConfigInputs,
  sortMessages,
  validateObject,
  analyze,
  type ValidationMessage,
} from '../control/validation/index.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

/**
 * What `weft validate` keeps of the analysis of the files it is given: two
 * objects with one identity (an error naming both places), references that
 * contradict an object among the inputs (a subset missing from the
 * DestinationRule given), and notes for references to objects not among them.
 */
const VALIDATE_CODES = new Set(['WEFT0302', 'WEFT0307', 'WEFT0308', 'WEFT0310']);

const SPECS: OptionSpec[] = [
  { name: 'filename', short: 'f', value: true, help: 'file or folder (recursive: *.yaml, *.yml, *.json) to check, or "-" for stdin; repeatable' },
  { name: 'output', short: 'o', value: true, help: 'output format: "text" (default) or "json"' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];
const SYNOPSIS = '-f FILE|DIR|- [-f ...] [--output text|json]';

/** Pulls every value of a repeatable option (-f a -f b, --filename=c) out of argv. */
export function takeRepeated(argv: readonly string[], long: string, short: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `-${short}` || a === `--${long}`) {
      const v = argv[i + 1];
      if (v === undefined) rest.push(a); // let the parser report the missing value
      else values.push(v);
      i++;
    } else if (a.startsWith(`--${long}=`)) values.push(a.slice(long.length + 3));
    else rest.push(a);
  }
  return { values, rest };
}

/** Prints messages (text or JSON) and a summary on stderr; returns the exit code. */
export function printReport(cmd: string, messages: readonly ValidationMessage[], objects: number, files: readonly string[], json: boolean): number {
  const sorted = sortMessages(messages);
  const { errors, warnings } = countBySeverity(sorted);
  if (json) {
    process.stdout.write(`${JSON.stringify({ valid: errors === 0, objects, files, errors, warnings, messages: sorted }, null, 2)}\n`);
  } else {
    for (const m of sorted) process.stdout.write(`${formatMessage(m)}\n`);
  }
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  process.stderr.write(`weft ${cmd}: ${plural(objects, 'object')} in ${plural(files.length, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors > 0 ? 1 : 0;
}

export async function runValidate(argv: string[]): Promise<number> {
  const { values, rest } = takeRepeated(argv, 'filename', 'f');
  const parsed = parseArgs(rest, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft validate: ${parsed}\n\n${usage('validate', SPECS, SYNOPSIS)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('validate', SPECS, SYNOPSIS));
    return 0;
  }
  const output = parsed.options.get('output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    process.stderr.write(`weft validate: invalid --output "${String(output)}" (text or json)\n`);
    return 2;
  }
  const inputs = [...values, ...parsed.positionals];
  if (inputs.length === 0) {
    process.stderr.write(`weft validate: no input; give -f FILE, -f DIR or -f - (stdin)\n\n${usage('validate', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const loaded = await loadConfigInputs(inputs);
  const messages: ValidationMessage[] = [...loaded.messages];
  for (const d of loaded.docs) messages.push(...validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}).messages);
  // Each object is judged on its own, as `istioctl validate` does: a reference
  // to an object not among the inputs (IST0101 is an analyzer message) is an
  // informational note; `weft analyze` judges references against the whole config.
  messages.push(...analyze(loaded.docs, { missingReferences: 'info' }).filter((m) => VALIDATE_CODES.has(m.code)));
  return printReport('validate', messages, loaded.docs.length, loaded.files, output === 'json');
}
