// weft's command line: one module per command.
import { WEFT_VERSION } from '../common/version.js';
// Each command's module is loaded only when that command runs: the proxy
// (a sidecar beside every workload) must not pay for the control plane's code.

const USAGE = `weft ${WEFT_VERSION} — a service mesh with Envoy's config model and Istio's APIs

usage: weft <command> [options]

commands:
  proxy     run the sidecar proxy from an Envoy v3 bootstrap file (weft proxy -c bootstrap.yaml)
  control   run the control plane: Istio YAML from a folder, served to proxies over xDS
  validate  check Istio config files (weft validate -f FILE...)
  analyze   cross-resource checks of a folder of Istio config (weft analyze DIR)
  up        the whole mesh on this machine: control plane, workloads and their sidecars (weft up DIR)
  kube-inject  add the sidecar to a Kubernetes manifest's workloads, offline (weft kube-inject -f deploy.yaml)
  install   install weft on Kubernetes (weft install [--dry-run] [--profile default|minimal|demo] [-f values.yaml])
  uninstall remove what weft install created
  sidecar   the injected istio-proxy container: bootstrap from the pod's environment, health and status ports, the proxy
  wait      wait until the sidecar is ready (the injected postStart hook)
  status    each proxy's config sync state per xDS type (SYNCED, STALE, NACKED); in weft up, identities and certificates
  dashboard the dashboard's URL for a running weft up (--open opens it); or serve one against a Prometheus
  iptables  capture a pod's traffic into its sidecar, as istio-init (istio-iptables' flags; --dry-run, --cleanup)
  version   print the version

run "weft <command> --help" for a command's options.
`;

export async function main(argv: string[]): Promise<void> {
  // `weft validate … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'proxy':
      process.exitCode = await (await import('./proxy.js')).runProxy(rest);
      return;
    case 'validate':
      process.exitCode = await (await import('./validate.js')).runValidate(rest);
      return;
    case 'analyze':
      process.exitCode = await (await import('./analyze.js')).runAnalyze(rest);
      return;
    case 'control':
      process.exitCode = await (await import('./control.js')).runControl(rest);
      return;
    case 'up':
      process.exitCode = await (await import('./up.js')).runUp(rest);
      return;
    case 'status':
      process.exitCode = await (await import('./status.js')).runStatus(rest);
      return;
    case 'kube-inject':
      process.exitCode = await (await import('./kube-inject.js')).runKubeInject(rest);
      return;
    case 'install':
      process.exitCode = await (await import('./install.js')).runInstall(rest);
      return;
    case 'uninstall':
      process.exitCode = await (await import('./install.js')).runUninstall(rest);
      return;
    case 'sidecar':
      process.exitCode = await (await import('./sidecar.js')).runSidecar(rest);
      return;
    case 'wait':
      process.exitCode = await (await import('./sidecar.js')).runWait(rest);
      return;
    case 'dashboard':
      process.exitCode = await (await import('./dashboard.js')).runDashboard(rest);
      return;
    case 'iptables':
      process.exitCode = await (await import('./iptables.js')).runIptables(rest);
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
