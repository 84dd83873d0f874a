// weft analyze: cross-resource checks of a folder of Istio config (as
// `istioctl analyze`): every validation message, plus references that point
// nowhere, missing subsets, route conflicts, hidden hosts (codes WEFT03xx).
// Exit code: 1 when any error was found, 0 otherwise, 2 on usage errors.
import { analyze, loadConfigInputs, validateObject, type ValidationMessage } from '../control/validation/index.js';
import { parseArgs, usage, type OptionSpec } from './args.js';
import { printReport, takeRepeated } from './validate.js';

const SPECS: OptionSpec[] = [
  { name: 'filename', short: 'f', value: true, help: 'more files or folders to analyze with DIR; repeatable' },
  { name: 'registry', value: true, help: 'ServiceEntry/WorkloadEntry YAML describing services that DIR routes to (besides the ServiceEntries in DIR); repeatable' },
  { name: 'output', short: 'o', value: true, help: 'output format: "text" (default) or "json"' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];
const SYNOPSIS = 'DIR|FILE... [--registry FILE] [--output text|json]';

export async function runAnalyze(argv: string[]): Promise<number> {
  const files = takeRepeated(argv, 'filename', 'f');
  const reg = takeRepeated(files.rest, 'registry', 'registry');
  const parsed = parseArgs(reg.rest, SPECS);
  if (typeof parsed === 'string') {
    process.stderr.write(`weft analyze: ${parsed}\n\n${usage('analyze', SPECS, SYNOPSIS)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('analyze', SPECS, SYNOPSIS));
    return 0;
  }
  const output = parsed.options.get('output') ?? 'text';
  if (output !== 'text' && output !== 'json') {
    process.stderr.write(`weft analyze: invalid --output "${String(output)}" (text or json)\n`);
    return 2;
  }
  const inputs = [...parsed.positionals, ...files.values];
  if (inputs.length === 0) {
    process.stderr.write(`weft analyze: no input; give a folder or files\n\n${usage('analyze', SPECS, SYNOPSIS)}`);
    return 2;
  }
  const loaded = await loadConfigInputs([...inputs, ...reg.values]);
  const messages: ValidationMessage[] = [...loaded.messages];
  for (const d of loaded.docs) messages.push(...validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : {}).messages);
  messages.push(...analyze(loaded.docs));
  return printReport('analyze', messages, loaded.docs.length, loaded.files, output === 'json');
}
