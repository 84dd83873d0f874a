// A filter's typed_per_filter_config entries, decoded once per config object
// (route tables are immutable, so the object's identity is a safe key) and
// looked up per stream. The route decoder validates each entry through the
// registration's perRoute.decode, so errors surface with the route config;
// the data path only reads the cached result.
import { CFG, ConfigErrors, joinPath, type ConfigIssue } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import type { AnyMessage } from '../../../xds/gen/types.js';
import type { FilterStream } from '../../http/filter.js';

interface Entry<T> {
  readonly settings: T | undefined;
  readonly issues: readonly ConfigIssue[];
  reported: boolean;
}

export class PerRouteConfigs<T> {
  private readonly cache = new WeakMap<AnyMessage, Entry<T>>();

  constructor(
    private readonly typeUrls: readonly string[],
    private readonly decodeFn: (cfg: AnyMessage, path: string, errs: ConfigErrors) => T | undefined,
  ) {}

  /** For the registration's perRoute.decode: validates (and caches) one entry. */
  readonly decode = (cfg: AnyMessage, path: string, errs: ConfigErrors): T | undefined => {
    const e = this.entry(cfg, path);
    for (const i of e.issues) errs.issues.push(i);
    return e.settings;
  };

  /**
   * The stream's route-level settings for filter `name`: undefined when the
   * route has none, null when its entry is invalid (logged once; a route table
   * decoded without validation can still carry one).
   */
  forStream(stream: FilterStream, name: string): T | undefined | null {
    const cfg = stream.route?.route.perFilterConfig(name);
    if (!cfg) return undefined;
    const e = this.entry(cfg, 'typed_per_filter_config');
    if (e.settings !== undefined) return e.settings;
    if (!e.reported) stream.hcm.log.error(`${name}: ignoring invalid typed_per_filter_config of route "${stream.route!.route.name}": ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    e.reported = true;
    return null;
  }

  /**
   * Every level's settings for filter `name`, most specific first: the route's
   * own entry, then the virtual host's (else the route table's). For filters
   * that merge field by field across levels, as Envoy's CORS filter does.
   */
  levelsForStream(stream: FilterStream, name: string): T[] {
    const r = stream.route;
    if (!r) return [];
    const out: T[] = [];
    const own = r.route.typedPerFilterConfig.get(name);
    const outer = r.vhost.perFilterConfig(name);
    for (const cfg of [own, outer]) {
      if (!cfg) continue;
      const e = this.entry(cfg, 'typed_per_filter_config');
      if (e.settings !== undefined) out.push(e.settings);
    }
    return out;
  }

  private entry(cfg: AnyMessage, path: string): Entry<T> {
    const hit = this.cache.get(cfg);
    if (hit) return hit;
    const errs = new ConfigErrors();
    let settings: T | undefined;
    if (!this.typeUrls.includes(cfg['@type'])) errs.error(`${path}["@type"]`, `expected ${this.typeUrls.map((u) => u.replace('type.googleapis.com/', '')).join(' or ')}, got ${String(cfg['@type'])}`);
    else settings = this.decodeFn(cfg, path, errs);
    const e: Entry<T> = { settings: errs.hasErrors ? undefined : settings, issues: errs.issues, reported: false };
    this.cache.set(cfg, e);
    return e;
  }
}

/**
 * Envoy's per-route `oneof override { bool disabled = 1 [const: true]; M <field> = 2; }`
 * (CompressorPerRoute, BufferPerRoute): 'disabled', the other member, or
 * undefined with the problem reported at its path.
 */
export function decodeDisabledOr<M>(cfg: { disabled?: boolean } & Record<string, unknown>, field: string, path: string, errs: ConfigErrors): 'disabled' | M | undefined {
  checkSupported(cfg, path, errs, ['disabled', field]);
  const other = cfg[field] as M | undefined;
  if (cfg.disabled !== undefined && other !== undefined) {
    errs.error(path, `only one of disabled, ${field} may be set`, CFG.CONFLICT);
    return undefined;
  }
  if (cfg.disabled !== undefined) {
    if (cfg.disabled === true) return 'disabled';
    errs.error(joinPath(path, 'disabled'), 'must be true when set');
    return undefined;
  }
  if (other === undefined) errs.required(path, `one of disabled, ${field} is required`);
  return other;
}

/** A runtime fraction (filter_enabled, shadow_enabled) drawn with the proxy's random source; 0% and 100% draw nothing. */
export function drawn(stream: FilterStream, fraction: number): boolean {
  return fraction >= 1 || (fraction > 0 && stream.hcm.random() < fraction);
}
