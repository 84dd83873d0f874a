// The proxy's secrets, by name: what SDS (over ADS, an SDS cluster or a file),
// the bootstrap's static secrets and the in-process node agent provide, and
// what TLS contexts read. Consumers ask for the current value when they build
// a context and subscribe to hear about rotation.
import type { SdsRef, TlsCertificateMaterial, ValidationMaterial } from './tls-config.js';

export type SecretValue =
  | { readonly kind: 'tls_certificate'; readonly certificate: TlsCertificateMaterial }
  | { readonly kind: 'validation_context'; readonly validation: ValidationMaterial };

export interface SecretStore {
  /** The secret's current value; undefined while it has not arrived (or was removed). */
  current(ref: SdsRef): SecretValue | undefined;
  /**
   * Calls `onChange` after every change of the secret (arrival, rotation,
   * removal). Subscribing is what starts fetching an SDS secret; the returned
   * function unsubscribes.
   */
  subscribe(ref: SdsRef, onChange: (value: SecretValue | undefined) => void): () => void;
}

/** Key for one secret: the same name from two sources is two secrets. */
export function secretKey(ref: SdsRef): string {
  const s = ref.source;
  const where = s.kind === 'api' ? `api:${s.clusterName}` : s.kind === 'path' ? `path:${s.path}` : s.kind;
  return `${where}/${ref.name}`;
}

/**
 * Secrets held in memory and set by their owner: the bootstrap's static
 * secrets, the node agent's `default` and `ROOTCA`, tests. SDS sources plug
 * in by calling `set` as updates arrive.
 */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, SecretValue>();
  private readonly listeners = new Map<string, Set<(v: SecretValue | undefined) => void>>();
  /** Called when a key gets its first subscriber (SDS sources start fetching here). */
  onFirstSubscribe: ((ref: SdsRef) => void) | undefined;

  current(ref: SdsRef): SecretValue | undefined {
    return this.values.get(secretKey(ref));
  }

  subscribe(ref: SdsRef, onChange: (value: SecretValue | undefined) => void): () => void {
    const k = secretKey(ref);
    let set = this.listeners.get(k);
    if (!set) {
      set = new Set();
      this.listeners.set(k, set);
      this.onFirstSubscribe?.(ref);
    }
    set.add(onChange);
    return () => {
      set!.delete(onChange);
    };
  }

  /** Sets (or with undefined, removes) a secret and tells its subscribers. */
  set(ref: SdsRef, value: SecretValue | undefined): void {
    const k = secretKey(ref);
    if (value) this.values.set(k, value);
    else this.values.delete(k);
    for (const l of this.listeners.get(k) ?? []) l(value);
  }

  /** Every secret held, for admin /certs and config_dump. */
  entries(): [string, SecretValue][] {
    return [...this.values.entries()];
  }
}
