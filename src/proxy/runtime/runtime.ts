// The runtime loader: layers in bootstrap order, later layers overriding
// earlier ones, merged into one immutable RuntimeSnapshot that is replaced
// (never mutated) when the admin layer changes or a disk layer's symlink is
// swapped. Readers call snapshot() at request or connection time.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/log.js';
import type { StatsStore } from '../../stats/stats-store.js';
import type { RuntimeConfig, RuntimeLayerConfig } from './decode.js';
import { isKnownRuntimeKey } from './known-keys.js';
import { createRuntimeEntry, RuntimeSnapshot, type RuntimeEntry } from './runtime-snapshot.js';

/** Thrown by mergeAdminValues when there is no admin layer (Envoy answers /runtime_modify with 503). */
export class NoAdminLayerError extends Error {
  readonly code = 'WEFT_RUNTIME_NO_ADMIN_LAYER';
  constructor() {
    super('No admin layer specified');
  }
}

/** Envoy walks at most 16 directories deep into a disk layer. */
const MAX_DISK_DEPTH = 16;

interface LiveLayer {
  readonly config: RuntimeLayerConfig;
  values: Map<string, RuntimeEntry>;
}

export class Runtime {
  private readonly layers: LiveLayer[];
  private current: RuntimeSnapshot;
  private readonly watchers: fs.FSWatcher[] = [];
  private readonly warned = new Set<string>();
  private readonly listeners: (() => void)[] = [];

  /**
   * @param knownKeys runtime key names the config itself chose (e.g. a fault filter's abort_percent_runtime), so they are not reported as unknown.
   */
  constructor(
    readonly config: RuntimeConfig,
    private readonly stats: StatsStore,
    private readonly log: Logger,
    private readonly knownKeys: ReadonlySet<string> = new Set(),
  ) {
    this.layers = config.layers.map((c) => ({ config: c, values: c.kind === 'static' ? new Map(c.values) : new Map() }));
    for (const l of this.layers) if (l.config.kind === 'disk') l.values = this.readDisk(l.config.dir);
    stats.gauge('runtime.num_layers').set(this.layers.length);
    this.current = this.merge();
  }

  /** The current values; cheap (no copy). Take it once per request or connection. */
  snapshot(): RuntimeSnapshot {
    return this.current;
  }

  /** Layer names and values, in order (for /runtime). */
  layerValues(): { name: string; values: ReadonlyMap<string, RuntimeEntry> }[] {
    return this.layers.map((l) => ({ name: l.config.name, values: l.values }));
  }

  /** /runtime_modify: sets (or, with an empty value, removes) keys in the admin layer. */
  mergeAdminValues(values: Iterable<[string, string]>): void {
    const admin = this.layers.find((l) => l.config.kind === 'admin');
    if (!admin) throw new NoAdminLayerError();
    for (const [k, v] of values) {
      if (v === '') admin.values.delete(k);
      else admin.values.set(k, createRuntimeEntry(v));
    }
    this.stats.gauge('runtime.admin_overrides_active').set(admin.values.size > 0 ? 1 : 0);
    this.current = this.merge();
    for (const fn of this.listeners) fn();
  }

  /** Starts watching disk layers' symlink roots; a swap (Envoy's MovedTo) reloads them. */
  watch(): void {
    for (const l of this.layers) {
      if (l.config.kind !== 'disk') continue;
      const { watch, dir } = l.config;
      try {
        const w = fs.watch(path.dirname(watch), { persistent: false }, (_ev, file) => {
          if (file !== null && file !== path.basename(watch)) return;
          l.values = this.readDisk(dir);
          this.current = this.merge();
          for (const fn of this.listeners) fn();
        });
        w.on('error', (e) => this.log.warn(`watching ${watch}: ${e.message}`));
        this.watchers.push(w);
      } catch (e) {
        this.log.warn(`cannot watch ${watch}: ${(e as Error).message}`);
      }
    }
  }

  /** Calls `fn` after each new snapshot (an admin change or a disk layer reload). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }

  private merge(): RuntimeSnapshot {
    const merged = new Map<string, RuntimeEntry>();
    for (const l of this.layers) for (const [k, v] of l.values) merged.set(k, v);
    this.stats.gauge('runtime.num_keys').set(merged.size);
    this.stats.counter('runtime.load_success').inc();
    for (const k of merged.keys()) {
      if (this.warned.has(k) || isKnownRuntimeKey(k, this.knownKeys)) continue;
      this.warned.add(k);
      this.log.warn(`key "${k}" is not used by weft (it is kept and shown by /runtime)`);
    }
    return merged.size === 0 ? RuntimeSnapshot.EMPTY : new RuntimeSnapshot(merged);
  }

  /** Envoy's DiskLayer: each file is a key (path segments joined by '.'); lines starting with '#' are comments. */
  private readDisk(dir: string): Map<string, RuntimeEntry> {
    const out = new Map<string, RuntimeEntry>();
    const walk = (d: string, prefix: string, depth: number): void => {
      if (depth > MAX_DISK_DEPTH) throw new Error(`walk recursion depth exceeded ${MAX_DISK_DEPTH}`);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const key = prefix === '' ? e.name : `${prefix}.${e.name}`;
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full, key, depth + 1);
        else if (e.isFile()) out.set(key, createRuntimeEntry(diskValue(fs.readFileSync(full, 'utf8'))));
      }
    };
    try {
      walk(dir, '', 1);
    } catch (e) {
      // Envoy counts load_error and keeps going without the layer's values.
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') this.stats.counter('runtime.load_error').inc();
      this.stats.counter(err.code === 'ENOENT' ? 'runtime.override_dir_not_exists' : 'runtime.load_error');
      if (err.code !== 'ENOENT') this.log.warn(`reading ${dir}: ${err.message}`);
      return new Map();
    }
    return out;
  }
}

/** A disk layer file's value: '#' comment lines dropped, trailing whitespace of the last line trimmed. */
function diskValue(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  let out = '';
  lines.forEach((l, i) => {
    if (l.startsWith('#')) return;
    out += i === lines.length - 1 ? l.replace(/\s+$/, '') : `${l}\n`;
  });
  return out;
}
