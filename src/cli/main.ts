// weft's command line: one module per command.
import { WEFT_VERSION } from '../common/version.js';
import { runProxy } from './proxy.js';

const USAGE = `weft ${WEFT_VERSION} — a service mesh with Envoy's config model and Istio's APIs

usage: weft <command> [options]

commands:
  proxy     run the sidecar proxy from an Envoy v3 bootstrap file (weft proxy -c bootstrap.yaml)
  version   print the version

run "weft <command> --help" for a command's options.
`;

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'proxy':
      process.exitCode = await runProxy(rest);
      return;
    case 'version':
    case '--version':
    case '-v':
      console.log(`weft ${WEFT_VERSION}`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`weft: unknown command "${cmd}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}
