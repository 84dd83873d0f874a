// The change listeners every registry keeps: 'endpoints' when only endpoints
// changed (the server pushes EDS only), 'services' otherwise.

export type RegistryChange = 'endpoints' | 'services';
export type RegistryListener = (what: RegistryChange) => void;

export class RegistryListeners {
  private readonly listeners = new Set<RegistryListener>();

  /** Adds a listener; the returned function removes it. */
  add(cb: RegistryListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Calls every listener; one listener's exception does not stop the others. */
  emit(what: RegistryChange): void {
    for (const cb of [...this.listeners]) {
      try {
        cb(what);
      } catch {
        // A listener's failure is its own; the registry's state is already updated.
      }
    }
  }
}

/**
 * What changed between two registry states, from fingerprints of the
 * service models and of the endpoints: undefined when nothing did.
 */
export function changeBetween(
  before: { services: string; endpoints: string } | undefined,
  after: { services: string; endpoints: string },
): RegistryChange | undefined {
  if (!before || before.services !== after.services) return 'services';
  if (before.endpoints !== after.endpoints) return 'endpoints';
  return undefined;
}
