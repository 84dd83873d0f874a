// All live clusters by name. Applying a new cluster set keeps clusters whose
// config did not change (and so their connections and health state), adds
// new ones and closes removed ones once their requests are done.
import type { ClusterConfig } from '../config/cluster.js';
import { UpstreamCluster, type ClusterDeps } from './cluster.js';

export class ClusterManager {
  private readonly clusters = new Map<string, UpstreamCluster>();
  /** Canonical JSON of each cluster's source proto, to detect "unchanged". */
  private readonly fingerprints = new Map<string, string>();

  constructor(private readonly deps: ClusterDeps) {}

  get(name: string): UpstreamCluster | undefined {
    return this.clusters.get(name);
  }

  all(): UpstreamCluster[] {
    return [...this.clusters.values()];
  }

  /** Adds or replaces one cluster (CDS add/update). Returns the live cluster. */
  upsert(cfg: ClusterConfig): UpstreamCluster {
    const fp = JSON.stringify(cfg.source);
    const cur = this.clusters.get(cfg.name);
    if (cur && this.fingerprints.get(cfg.name) === fp) return cur;
    const next = new UpstreamCluster(cfg, this.deps);
    if (cur && cfg.type === 'EDS' && cur.config.type === 'EDS') {
      // Keep the endpoints already known until EDS sends new ones.
      next.setEndpoints(cur.hosts.map((h) => ({ host: h.address, port: h.port, hostname: h.hostname, weight: h.weight, priority: h.priority, locality: h.locality, healthy: !h.healthFlags.has('failed_eds_health'), ...(h.socketMatch ? { socketMatch: h.socketMatch } : {}) })));
    }
    this.clusters.set(cfg.name, next);
    this.fingerprints.set(cfg.name, fp);
    cur?.close();
    return next;
  }

  remove(name: string): void {
    const cur = this.clusters.get(name);
    if (!cur) return;
    this.clusters.delete(name);
    this.fingerprints.delete(name);
    cur.close();
  }

  /** Replaces the whole set (static bootstrap or SotW CDS). */
  replaceAll(cfgs: readonly ClusterConfig[]): void {
    const keep = new Set(cfgs.map((c) => c.name));
    for (const name of [...this.clusters.keys()]) if (!keep.has(name)) this.remove(name);
    for (const c of cfgs) this.upsert(c);
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
  }
}
