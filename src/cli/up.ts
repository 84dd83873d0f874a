// weft up DIR: the local mesh with its workloads, each behind its own sidecar.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftUp } from '../up/up.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'log-level', short: 'l', value: true, help: 'control plane log level (default info)' },
  { name: 'check', value: false, help: 'check the folder (workloads file and Istio YAML) and exit' },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runUp(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  const synopsis = 'DIR [options]   (DIR holds workloads.yaml and a folder of Istio YAML)';
  if (typeof parsed === 'string') {
    process.stderr.write(`weft up: ${parsed}\n\n${usage('up', SPECS, synopsis)}`);
    return 2;
  }
  if (parsed.options.has('help')) {
    process.stdout.write(usage('up', SPECS, synopsis));
    return 0;
  }
  const dir = parsed.positionals[0];
  if (!dir) {
    process.stderr.write(`weft up: DIR is required\n\n${usage('up', SPECS, synopsis)}`);
    return 2;
  }
  const { file, errors } = WeftUp.load(dir);
  if (!file) {
    process.stderr.write(`weft up: ${path.join(dir, 'workloads.yaml')} rejected:\n${errors.format().split('\n').map((l) => `  ${l}`).join('\n')}\n`);
    return 1;
  }
  if (parsed.options.has('check')) {
    // The Istio YAML too: the same checks `weft validate` makes.
    const { loadConfigInputs, validateObject, formatMessage } = await import('../control/validation/index.js');
    const inputs = await loadConfigInputs([path.resolve(dir, file.config)]);
    const msgs = [...inputs.messages];
    for (const d of inputs.docs) msgs.push(...validateObject(d.obj, d.file, d.lineOf ? { lineOf: d.lineOf } : undefined).messages);
    for (const m of msgs) process.stdout.write(formatMessage(m) + '\n');
    const errors = msgs.filter((m) => m.severity === 'error').length;
    process.stdout.write(`${dir}: ${file.workloads.length} workloads, ${inputs.docs.length} config documents, ${errors} errors\n`);
    return errors ? 1 : 0;
  }
  const weftBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/weft.js');
  const up = new WeftUp({ dir, weftBin, ...(parsed.options.has('log-level') ? { logLevel: String(parsed.options.get('log-level')) } : {}) });
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) {
      // A second Ctrl-C: stop at once, but never leave children behind.
      process.stdout.write(`\nweft up: ${sig} again: killing everything now\n`);
      up.killAll();
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\nweft up: ${sig}: draining sidecars, stopping apps, then the control plane…\n`);
    void up.stop().then(() => {
      process.stdout.write('weft up: stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    const st = await up.start();
    const lines = [
      '',
      `weft up: mesh running (${st.workloads.length} workloads)`,
      `  control plane   xDS 127.0.0.1:${st.xdsPort}   status http://127.0.0.1:${st.debugPort}/debug/proxies`,
      ...st.workloads.map((w) => `  ${w.name.padEnd(16)} app :${Object.values(w.appPorts).join(',')}   sidecar admin http://127.0.0.1:${w.ports.admin}/  outbound :${w.ports.outbound}  inbound :${Object.values(w.ports.inbound).join(',')}`),
      ...st.exposed.map((e) => `  ${`${e.service}:${e.port}`.padEnd(16)} ${e.url}`),
      `  config          ${path.resolve(dir, file.config)} (edit or copy YAML in to change routing live)`,
      '  weft status shows each proxy\'s sync state; Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (err) {
    process.stderr.write(`weft up: ${(err as Error).message}\n`);
    await up.stop();
    return 1;
  }
  return new Promise<number>(() => undefined);
}
