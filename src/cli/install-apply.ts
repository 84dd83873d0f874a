// placeholder until the Kubernetes client is on main
import type { ManifestInput } from '../kube/install/index.js';
export async function applyInstall(_i: ManifestInput, _caDir: string): Promise<number> {
  process.stderr.write('weft install: applying to a cluster is not built yet; use --dry-run | kubectl apply -f -\n');
  return 2;
}
export async function uninstall(_purge: boolean, _dry: boolean): Promise<number> {
  process.stderr.write('weft uninstall: not built yet\n');
  return 2;
}
