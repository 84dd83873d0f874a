// weft install (without --dry-run) and weft uninstall: the manifest applied
// to, or removed from, the cluster of the kubeconfig's current context.
import { INSTALL_NAMES, INSTALL_RESOURCES, buildInstallManifest, uninstallTargets, type ManifestInput } from '../kube/install/index.js';
import { clusterObjects, type ClusterObjects } from '../kube/install/apply.js';

function describe(o: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  return `${o.kind}/${o.metadata?.name}${o.metadata?.namespace ? ` (${o.metadata.namespace})` : ''}`;
}

function open(kubeconfig: string | undefined, cmd: string): ClusterObjects | undefined {
  try {
    return clusterObjects(kubeconfig);
  } catch (err) {
    process.stderr.write(`weft ${cmd}: cannot read the kubeconfig: ${(err as Error).message}\n`);
    return undefined;
  }
}

/** Applies every object in order; stops at the first the cluster refuses. */
export async function applyInstall(input: ManifestInput, caDir: string, kubeconfig?: string): Promise<number> {
  const cluster = open(kubeconfig, 'install');
  if (!cluster) return 2;
  const kubeVersion = input.kubeVersion ?? (await cluster.version());
  const objects = buildInstallManifest({ ...input, ...(kubeVersion ? { kubeVersion } : {}) });
  process.stderr.write(`weft install: applying ${objects.length} objects to ${cluster.server}${kubeVersion ? ` (Kubernetes ${kubeVersion})` : ''}\n`);
  for (const o of objects) {
    try {
      const outcome = await cluster.apply(o as never);
      process.stdout.write(`${describe(o as never)} ${outcome}\n`);
    } catch (err) {
      process.stderr.write(`weft install: ${describe(o as never)}: refused: ${(err as Error).message.split('\n')[0]}\n`);
      return 1;
    }
  }
  process.stderr.write(`weft install: done; the mesh CA stays in ${caDir} (keep it: a later install reuses it)\n`);
  if (input.values.injector) process.stderr.write('weft install: to inject sidecars: kubectl label namespace <namespace> istio-injection=enabled, then restart its workloads\n');
  return 0;
}

export async function uninstall(purge: boolean, dryRun: boolean, kubeconfig?: string): Promise<number> {
  const targets = uninstallTargets(purge);
  if (dryRun) {
    for (const t of targets) process.stdout.write(`${t.kind}/${t.name}${t.namespace ? ` (${t.namespace})` : ''}\n`);
    return 0;
  }
  const cluster = open(kubeconfig, 'uninstall');
  if (!cluster) return 2;
  let failed = 0;
  for (const t of targets) {
    const r = INSTALL_RESOURCES[t.kind]!;
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    try {
      const outcome = await cluster.remove({ apiVersion, ...t });
      if (outcome === 'deleted') process.stdout.write(`${t.kind}/${t.name}${t.namespace ? ` (${t.namespace})` : ''} deleted\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`weft uninstall: ${t.kind}/${t.name}: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
  if (!purge) process.stderr.write(`weft uninstall: the CRDs (and the Istio config in them) are kept; --purge removes them; namespace ${INSTALL_NAMES.namespace} is removed\n`);
  return failed ? 1 : 0;
}
