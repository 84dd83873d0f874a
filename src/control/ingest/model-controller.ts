// Ties the input side together: config snapshots (from a DirectoryConfigSource
// or anything with the same shape) feed the ConfigRegistry and a new
// PushContext; registry changes rebuild too. Listeners get each new context
// with what kind of push it needs: 'full' (config or services changed) or
// 'endpoints' (only endpoints moved: EDS alone).
import type { ConfigObject } from '../../api/networking.js';
import { buildPushContext, type IndexedPushContext } from '../model/push-context.js';
import type { JwtKeyResolver } from '../model/jwt-key-resolver.js';
import type { Accepted, MeshConfig, ServiceRegistry } from '../model/types.js';
import { CompositeRegistry } from './composite-registry.js';
import type { ConfigSnapshot } from './config-snapshot.js';
import { ConfigRegistry } from './config-registry.js';

export interface PushEvent {
  readonly push: IndexedPushContext;
  readonly kind: 'full' | 'endpoints';
}

export type PushListener = (event: PushEvent) => void;

/** What the controller needs from a config source. */
export interface SnapshotSource {
  readonly snapshot: ConfigSnapshot | undefined;
  onSnapshot(cb: (snapshot: ConfigSnapshot) => void): () => void;
}

export interface ModelControllerOptions {
  /** Registries besides the config one (`weft up`'s StaticRegistry, Kubernetes); they lose service conflicts to ServiceEntries. */
  readonly registries?: readonly ServiceRegistry[];
  readonly mesh?: Partial<MeshConfig>;
  /** The JWKS fetcher every PushContext hands to translation (RequestAuthentication jwksUri). */
  readonly jwtKeyResolver?: JwtKeyResolver;
}

export class ModelController {
  /** ServiceEntries and WorkloadEntries of the current config. */
  readonly configRegistry = new ConfigRegistry();
  /** configRegistry first, then the others. */
  readonly registry: CompositeRegistry;
  private configs: readonly Accepted<ConfigObject>[] = [];
  private ctx: IndexedPushContext;
  private applying = false;
  private readonly listeners = new Set<PushListener>();
  private mesh: Partial<MeshConfig> | undefined;
  private readonly jwtKeyResolver: JwtKeyResolver | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: ModelControllerOptions = {}) {
    this.mesh = options.mesh;
    this.jwtKeyResolver = options.jwtKeyResolver;
    this.registry = new CompositeRegistry([this.configRegistry, ...(options.registries ?? [])]);
    this.registry.onChange((what) => {
      if (this.applying) return; // a snapshot is being applied; it rebuilds everything once
      if (what === 'endpoints') this.publish(this.ctx.withEndpoints(this.registry), 'endpoints');
      else this.rebuild();
    });
    this.ctx = this.build();
  }

  /** The current PushContext. */
  get current(): IndexedPushContext {
    return this.ctx;
  }

  /** Listeners get every new PushContext; returns an unsubscribe function. */
  onPush(cb: PushListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Follows a source: applies its current snapshot now and each new one. */
  follow(source: SnapshotSource): void {
    this.unsubscribe?.();
    this.unsubscribe = source.onSnapshot((s) => this.applySnapshot(s));
    if (source.snapshot) this.applySnapshot(source.snapshot);
  }

  /** Stops following the source. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Replaces the mesh settings (a reloaded mesh config file) and rebuilds everything once. */
  setMesh(mesh: Partial<MeshConfig>): void {
    this.mesh = mesh;
    this.rebuild();
  }

  /** Applies a config snapshot: registry update and one full rebuild. */
  applySnapshot(snapshot: Pick<ConfigSnapshot, 'accepted'>): void {
    this.configs = snapshot.accepted;
    this.applying = true;
    try {
      this.configRegistry.update(this.configs);
    } finally {
      this.applying = false;
    }
    this.rebuild();
  }

  private build(): IndexedPushContext {
    return buildPushContext({ configs: this.configs, registry: this.registry, mesh: this.mesh, jwtKeyResolver: this.jwtKeyResolver });
  }

  private rebuild(): void {
    this.publish(this.build(), 'full');
  }

  private publish(push: IndexedPushContext, kind: PushEvent['kind']): void {
    this.ctx = push;
    for (const cb of [...this.listeners]) cb({ push, kind });
  }
}
