// weft control: the control plane (Pilot + Galley roles) from a folder of
// Istio YAML, serving proxies over xDS.
import { LOG_LEVELS, LogRegistry, type LogLevel } from '../common/log.js';
import { ControlPlane } from '../control/control-plane.js';
import { parseArgs, usage, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { name: 'config', value: true, help: 'folder of Istio YAML/JSON (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar, Gateway); watched for changes' },
  { name: 'xds-address', value: true, help: 'xDS (ADS, gRPC) listen address (default 127.0.0.1:15010, Istio\'s plaintext xDS port)' },
  { name: 'debug-address', value: true, help: 'debug/status HTTP address: /debug/syncz, /debug/proxies, /debug/config (default 127.0.0.1:15014)' },
  { name: 'debounce-ms', value: true, help: 'wait this long after a config change before pushing (default 100)' },
  { name: 'secrets-dir', value: true, help: 'credentialName secrets, one subfolder per secret with tls.crt/tls.key[/ca.crt] (default <config>/secrets); watched' },
  { name: 'max-config-file-bytes', value: true, help: 'refuse config files larger than this, unread (default 8388608 = 8 MiB)' },
  { name: 'log-level', short: 'l', value: true, help: `log level: ${LOG_LEVELS.join(', ')} (default info)` },
  { name: 'help', short: 'h', value: false, help: 'show this help' },
];

export async function runControl(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS);
  const synopsis = '--config DIR [options]';
  if (typeof parsed === 'string') {
    process.stderr.write(`weft control: ${parsed}\n\n${usage('control', SPECS, synopsis)}`);
    return 2;
  }
  const o = parsed.options;
  if (o.has('help')) {
    process.stdout.write(usage('control', SPECS, synopsis));
    return 0;
  }
  const dir = o.get('config');
  if (typeof dir !== 'string') {
    process.stderr.write('weft control: --config DIR is required\n');
    return 2;
  }
  const level = (o.get('log-level') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    process.stderr.write(`weft control: invalid --log-level "${level}"\n`);
    return 2;
  }
  const debounce = o.has('debounce-ms') ? Number(o.get('debounce-ms')) : undefined;
  if (debounce !== undefined && !(debounce >= 0)) {
    process.stderr.write('weft control: invalid --debounce-ms\n');
    return 2;
  }
  const maxFile = o.has('max-config-file-bytes') ? Number(o.get('max-config-file-bytes')) : undefined;
  if (maxFile !== undefined && !(Number.isInteger(maxFile) && maxFile > 0)) {
    process.stderr.write('weft control: invalid --max-config-file-bytes (a positive number of bytes)\n');
    return 2;
  }
  const logs = new LogRegistry(level);
  const cp = new ControlPlane({
    configDir: dir,
    xdsAddress: String(o.get('xds-address') ?? '127.0.0.1:15010'),
    debugAddress: String(o.get('debug-address') ?? '127.0.0.1:15014'),
    ...(debounce !== undefined ? { debounceMs: debounce } : {}),
    ...(maxFile !== undefined ? { maxConfigFileBytes: maxFile } : {}),
    ...(typeof o.get('secrets-dir') === 'string' ? { secretsDir: String(o.get('secrets-dir')) } : {}),
    logs,
  });
  try {
    await cp.start();
  } catch (err) {
    process.stderr.write(`weft control: failed to start: ${(err as Error).message}\n`);
    await cp.stop().catch(() => undefined);
    return 1;
  }
  logs.logger('control').info(`weft control serving xDS on port ${cp.xdsPort}; debug on port ${cp.debugPort}; config from ${dir}`);
  const stop = () => void cp.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<number>(() => undefined);
}
