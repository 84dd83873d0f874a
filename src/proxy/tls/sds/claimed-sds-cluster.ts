// claimApiCluster's handle: an `api` SDS cluster served by an in-process
// provider (weft's node agent serves Istio's sds-grpc this way) instead of a
// stream. The provider learns which names are asked for and sets them.
import type { SecretValue } from '../secret-store.js';

/**
 * An `api` cluster whose secrets an in-process provider sets itself (weft's
 * node agent for Istio's `sds-grpc`: `default` and `ROOTCA`). No stream is
 * opened to the cluster.
 */
export interface ClaimedSdsCluster {
  readonly clusterName: string;
  /** Secret names TLS contexts asked for so far, in order. */
  requested(): string[];
  /** Called once per newly requested name (after the claim; earlier names are in requested()). */
  onRequest: ((name: string) => void) | undefined;
  /** Sets (or with undefined removes) a secret: subscribers hear it, stats and config_dump show it. */
  set(name: string, value: SecretValue | undefined, versionInfo?: string): void;
}

export class Claim implements ClaimedSdsCluster {
  private readonly names: string[] = [];
  onRequest: ((name: string) => void) | undefined;
  private version = 0;

  /** @param apply puts the value in the store with the manager's bookkeeping (stats, version, config_dump). */
  constructor(readonly clusterName: string, private readonly apply: (name: string, value: SecretValue | undefined, version: string) => void) {}

  requested(): string[] {
    return [...this.names];
  }

  /** The manager: a TLS context asked for `name` from this cluster. */
  request(name: string): void {
    if (this.names.includes(name)) return;
    this.names.push(name);
    this.onRequest?.(name);
  }

  set(name: string, value: SecretValue | undefined, versionInfo?: string): void {
    this.apply(name, value, versionInfo ?? String(++this.version));
  }
}
