// weft iptables: istio-init's job. Writes Istio's traffic capture rules
// (src/kube/capture/iptables-rules.ts) into the current network namespace,
// or prints them (--dry-run), or removes them (--cleanup). Takes
// istio-iptables' flag names, so an injector written for Istio can run it
// as the init container's command.
import { parseArgs, usage, type OptionSpec } from './args.js';
import { CAPTURE_FLAGS, decodeCaptureFlags } from '../kube/capture/capture-flags.js';
import { applyCapture, cleanupCapture } from '../kube/capture/iptables-apply.js';
import { restoreInput } from '../kube/capture/iptables-rules.js';

const SPECS: OptionSpec[] = CAPTURE_FLAGS.map((f) => ({ name: f.name, ...(f.short ? { short: f.short } : {}), value: f.value, help: f.help }));

export async function runIptables(argv: string[]): Promise<number> {
  const synopsis = '[-p 15001] [-z 15006] [-u 1337] [-m REDIRECT] [-i "*"] [-x CIDRS] [-b "*"] [-d PORTS] [-o PORTS] [-q PORTS] [--dry-run | --cleanup]';
  // Every problem at once: unknown options, missing values, stray arguments and bad values.
  const errors: string[] = [];
  const parsed = parseArgs(argv, SPECS, errors);
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('iptables', SPECS, synopsis));
    return 0;
  }
  for (const p of parsed.positionals) errors.push(`unexpected argument "${p}"`);
  const flags = decodeCaptureFlags((n) => o.get(n));
  errors.push(...flags.errors);
  if (o.has('cleanup') && o.has('dry-run')) errors.push('--cleanup and --dry-run together: --dry-run prints what would be applied, --cleanup removes it');
  if (errors.length > 0 || !flags.options) {
    const unknown = errors.some((e) => e.startsWith('unknown option'));
    process.stderr.write(`weft iptables: options rejected (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${e}\n`).join('')}${unknown ? `\n${usage('iptables', SPECS, synopsis)}` : ''}`);
    return 2;
  }
  if (o.has('cleanup')) {
    const r = cleanupCapture(flags.options);
    if (!r.ok) {
      process.stderr.write(`weft iptables: cleanup failed: ${r.error}\n`);
      return 1;
    }
    process.stdout.write(r.input ? 'weft iptables: capture rules removed\n' : 'weft iptables: no capture rules present\n');
    return 0;
  }
  if (o.has('dry-run')) {
    process.stdout.write(restoreInput(flags.options, []));
    return 0;
  }
  const r = applyCapture(flags.options);
  if (!r.ok) {
    process.stderr.write(`weft iptables: applying the rules failed: ${r.error}\n${r.input ? `input was:\n${r.input}` : ''}`);
    return 1;
  }
  process.stdout.write(r.input);
  return 0;
}
