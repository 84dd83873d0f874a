// Cluster → LbOptions: the load-balancing fields of envoy.config.cluster.v3.Cluster,
// validated with Envoy's rules, every problem reported with its field path.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_cluster_v3_Cluster, envoy_config_cluster_v3_Cluster_SlowStartConfig } from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import { SLOW_START_DEFAULTS } from './slow-start.js';
import type { SlowStartConfig } from './types.js';
import { LB_DEFAULTS, MAX_MAGLEV_TABLE_SIZE, MAX_RING_SIZE } from './defaults.js';
import type { LbOptions, LbPolicy } from './types.js';

export type { LbOptions, LbPolicy } from './types.js';

/**
 * The Cluster fields decodeLbConfig reads and validates; a cluster decoder
 * lists them as supported and leaves them to this function.
 */
export const LB_CLUSTER_FIELDS = [
  'lb_policy', 'common_lb_config', 'least_request_lb_config', 'ring_hash_lb_config', 'maglev_lb_config', 'round_robin_lb_config',
] as const;

// CLUSTER_PROVIDED: the cluster type brings its own LB (ORIGINAL_DST; the pairing is checked by upstream/original-dst.ts).
const POLICIES: readonly LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED'];

/** Which lb_policy each per-policy config block belongs to (Envoy's `lb_config` oneof). */
const CONFIG_POLICY = {
  least_request_lb_config: 'LEAST_REQUEST',
  ring_hash_lb_config: 'RING_HASH',
  maglev_lb_config: 'MAGLEV',
  round_robin_lb_config: 'ROUND_ROBIN',
} as const;

/**
 * Decodes and validates a cluster's load-balancing settings. `path` is the
 * cluster's own path; errors name the offending field below it. Always
 * returns options (defaults where a field was bad) so decoding can go on.
 */
export function decodeLbConfig(c: envoy_config_cluster_v3_Cluster, path: string, errs: ConfigErrors): LbOptions {
  const policyPath = joinPath(path, 'lb_policy');
  let policy: LbPolicy = LB_DEFAULTS.policy;
  const raw = c.lb_policy;
  if (raw !== undefined) {
    if ((POLICIES as readonly string[]).includes(raw)) policy = raw as LbPolicy;
    else if (raw === 'LOAD_BALANCING_POLICY_CONFIG') errs.unsupported(policyPath, `lb_policy ${raw}`);
    else errs.error(policyPath, `unknown lb_policy "${String(raw)}"`);
  }

  // Envoy's lb_config is a oneof: at most one block, and only the chosen
  // policy's block has any effect.
  const blocks = (Object.keys(CONFIG_POLICY) as (keyof typeof CONFIG_POLICY)[]).filter((k) => c[k] !== undefined);
  if (blocks.length > 1) errs.error(joinPath(path, blocks[1]!), `only one of ${blocks.join(', ')} may be set`, CFG.CONFLICT);
  for (const k of blocks) {
    if (CONFIG_POLICY[k] !== policy) errs.warn(joinPath(path, k), `has no effect: lb_policy is ${policy}`);
  }

  let choiceCount = LB_DEFAULTS.choiceCount;
  let activeRequestBias = LB_DEFAULTS.activeRequestBias;
  const lr = c.least_request_lb_config;
  if (lr) {
    const p = joinPath(path, 'least_request_lb_config');
    checkSupported(lr, p, errs, ['choice_count', 'active_request_bias', 'slow_start_config']);
    choiceCount = wrapped(lr.choice_count, LB_DEFAULTS.choiceCount);
    if (!Number.isInteger(choiceCount) || choiceCount < 2) {
      errs.error(joinPath(p, 'choice_count'), 'must be at least 2');
      choiceCount = LB_DEFAULTS.choiceCount;
    }
    const bias = lr.active_request_bias;
    if (bias) {
      const bp = joinPath(p, 'active_request_bias');
      checkSupported(bias, bp, errs, ['default_value', 'runtime_key']);
      if (bias.runtime_key) errs.warn(joinPath(bp, 'runtime_key'), 'weft has no runtime layer; default_value is used');
      const v = bias.default_value ?? 0;
      if (!Number.isFinite(v) || v < 0) {
        // Envoy logs and falls back to 1.0 rather than refusing the cluster.
        errs.warn(joinPath(bp, 'default_value'), 'must be a finite number >= 0; using 1.0 as Envoy does');
      } else activeRequestBias = v;
    }
  }

  let minimumRingSize = LB_DEFAULTS.minimumRingSize;
  let maximumRingSize = LB_DEFAULTS.maximumRingSize;
  const rh = c.ring_hash_lb_config;
  if (rh) {
    const p = joinPath(path, 'ring_hash_lb_config');
    checkSupported(rh, p, errs, ['minimum_ring_size', 'maximum_ring_size', 'hash_function']);
    if (rh.hash_function === 'MURMUR_HASH_2') {
      errs.unsupported(joinPath(p, 'hash_function'), 'hash_function MURMUR_HASH_2 (only XX_HASH)');
    } else if (rh.hash_function !== undefined && rh.hash_function !== 'XX_HASH') {
      errs.error(joinPath(p, 'hash_function'), `unknown hash_function "${String(rh.hash_function)}"`);
    }
    minimumRingSize = ringSize(rh.minimum_ring_size, LB_DEFAULTS.minimumRingSize, joinPath(p, 'minimum_ring_size'), errs);
    maximumRingSize = ringSize(rh.maximum_ring_size, LB_DEFAULTS.maximumRingSize, joinPath(p, 'maximum_ring_size'), errs);
    if (minimumRingSize > maximumRingSize) {
      errs.error(joinPath(p, 'minimum_ring_size'), `minimum_ring_size (${minimumRingSize}) > maximum_ring_size (${maximumRingSize})`);
      minimumRingSize = Math.min(LB_DEFAULTS.minimumRingSize, maximumRingSize);
    }
  }

  let maglevTableSize = LB_DEFAULTS.maglevTableSize;
  const mg = c.maglev_lb_config;
  if (mg) {
    const p = joinPath(path, 'maglev_lb_config');
    checkSupported(mg, p, errs, ['table_size']);
    const size = wrapped(mg.table_size, LB_DEFAULTS.maglevTableSize);
    if (!Number.isInteger(size) || size > MAX_MAGLEV_TABLE_SIZE) {
      errs.error(joinPath(p, 'table_size'), `must be a prime number at most ${MAX_MAGLEV_TABLE_SIZE}`);
    } else if (!isPrime(size)) {
      errs.error(joinPath(p, 'table_size'), `must be a prime number (${size} is not)`);
    } else maglevTableSize = size;
  }

  if (c.round_robin_lb_config) checkSupported(c.round_robin_lb_config, joinPath(path, 'round_robin_lb_config'), errs, ['slow_start_config']);
  const ssBlock = policy === 'ROUND_ROBIN' ? 'round_robin_lb_config' : policy === 'LEAST_REQUEST' ? 'least_request_lb_config' : undefined;
  const ss = ssBlock ? c[ssBlock]?.slow_start_config : undefined;
  const slowStart = ss ? decodeSlowStart(ss, joinPath(joinPath(path, ssBlock!), 'slow_start_config'), errs) : undefined;

  let healthyPanicThresholdPercent = LB_DEFAULTS.healthyPanicThresholdPercent;
  let useHostnameForHashing = LB_DEFAULTS.useHostnameForHashing;
  const common = c.common_lb_config;
  if (common) {
    const p = joinPath(path, 'common_lb_config');
    checkSupported(common, p, errs, ['healthy_panic_threshold', 'consistent_hashing_lb_config', 'locality_weighted_lb_config']);
    const t = common.healthy_panic_threshold;
    if (t) {
      const v = t.value ?? 0;
      if (!Number.isFinite(v) || v < 0 || v > 100) errs.error(joinPath(p, 'healthy_panic_threshold.value'), 'must be between 0 and 100');
      else healthyPanicThresholdPercent = Math.round(v);
    }
    if (common.locality_weighted_lb_config) {
      errs.warn(joinPath(p, 'locality_weighted_lb_config'),
        'locality weights are not applied: hosts within a priority are balanced by their own weights');
    }
    const ch = common.consistent_hashing_lb_config;
    if (ch) {
      const cp = joinPath(p, 'consistent_hashing_lb_config');
      checkSupported(ch, cp, errs, ['use_hostname_for_hashing']);
      useHostnameForHashing = ch.use_hostname_for_hashing ?? false;
    }
  }

  return {
    policy,
    choiceCount,
    activeRequestBias,
    minimumRingSize,
    maximumRingSize,
    maglevTableSize,
    healthyPanicThresholdPercent,
    useHostnameForHashing,
    ...(slowStart ? { slowStart } : {}),
  };
}

/** slow_start_config; undefined (off) without a slow_start_window, as in Envoy. */
function decodeSlowStart(ss: envoy_config_cluster_v3_Cluster_SlowStartConfig, p: string, errs: ConfigErrors): SlowStartConfig | undefined {
  checkSupported(ss, p, errs, ['slow_start_window', 'aggression', 'min_weight_percent']);
  const windowMs = durationMs(ss.slow_start_window, 0);
  let aggression = SLOW_START_DEFAULTS.aggression;
  if (ss.aggression) {
    const ap = joinPath(p, 'aggression');
    checkSupported(ss.aggression, ap, errs, ['default_value', 'runtime_key']);
    if (ss.aggression.runtime_key) errs.warn(joinPath(ap, 'runtime_key'), 'weft has no runtime layer; default_value is used');
    const v = ss.aggression.default_value ?? SLOW_START_DEFAULTS.aggression;
    // Envoy logs an aggression <= 0 (or NaN) and uses 1.0.
    if (!Number.isFinite(v) || v <= 0) errs.warn(joinPath(ap, 'default_value'), 'must be a finite number > 0; using 1.0 as Envoy does');
    else aggression = v;
  }
  const pct = ss.min_weight_percent ? ss.min_weight_percent.value ?? 0 : SLOW_START_DEFAULTS.minWeightPercent;
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) errs.error(joinPath(p, 'min_weight_percent.value'), 'must be between 0 and 100');
  if (windowMs <= 0) {
    errs.warn(joinPath(p, 'slow_start_window'), 'not set: slow start is off');
    return undefined;
  }
  return { windowMs, aggression, minWeight: Math.min(100, Math.max(0, pct)) / 100 };
}

function ringSize(w: { value?: number } | undefined, dflt: number, path: string, errs: ConfigErrors): number {
  const v = wrapped(w, dflt);
  if (!Number.isInteger(v) || v < 1 || v > MAX_RING_SIZE) {
    errs.error(path, `must be between 1 and ${MAX_RING_SIZE}`);
    return dflt;
  }
  return v;
}

/** Trial division; table sizes are at most ~5M, so this is at most ~1.1k divisions. */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
