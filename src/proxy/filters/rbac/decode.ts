// envoy.extensions.filters.http.rbac.v3.RBAC (and RBACPerRoute) and
// envoy.extensions.filters.network.rbac.v3.RBAC decoded into RbacSettings:
// the enforced and shadow engines, compiled once, and their stat prefixes.
import { CFG, ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeRbacRules } from '../../rbac/decode-rbac.js';
import type { RbacEngine } from '../../rbac/rbac-engine.js';
import type {
  envoy_config_rbac_v3_RBAC,
  envoy_extensions_filters_http_rbac_v3_RBAC,
  envoy_extensions_filters_http_rbac_v3_RBACPerRoute,
  envoy_extensions_filters_network_rbac_v3_RBAC,
} from '../../../xds/gen/types.js';

export interface RbacSettings {
  /** Enforced rules; undefined (no `rules`): every request is allowed and nothing is counted, as Envoy. */
  readonly rules: RbacEngine | undefined;
  /** Shadow rules: evaluated and counted, never enforced. */
  readonly shadowRules: RbacEngine | undefined;
  readonly rulesStatPrefix: string;
  readonly shadowRulesStatPrefix: string;
}

export interface NetworkRbacSettings extends RbacSettings {
  /** The network filter's stat_prefix (required by Envoy). */
  readonly statPrefix: string;
}

const HTTP_FIELDS = ['rules', 'rules_stat_prefix', 'shadow_rules', 'shadow_rules_stat_prefix', 'track_per_rule_stats'];
const NETWORK_FIELDS = ['rules', 'shadow_rules', 'shadow_rules_stat_prefix', 'stat_prefix', 'enforcement_type'];

/** Decodes the HTTP filter's config; undefined (every error reported) when unusable. */
export function decodeHttpRbac(cfg: envoy_extensions_filters_http_rbac_v3_RBAC, path: string, errs: ConfigErrors): RbacSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, HTTP_FIELDS);
  // Per-rule stats (policy.<name>.allowed/denied) are not emitted by weft.
  if (cfg.track_per_rule_stats === true) errs.unsupported(joinPath(path, 'track_per_rule_stats'), 'track_per_rule_stats: true');
  const engines = decodeEngines(cfg, path, errs, false);
  if (errs.errors.length > before) return undefined;
  return { ...engines, rulesStatPrefix: cfg.rules_stat_prefix ?? '', shadowRulesStatPrefix: cfg.shadow_rules_stat_prefix ?? '' };
}

/** RBACPerRoute: its `rbac` replaces the filter's config on the route; absent, the filter is off there. */
export function decodeHttpRbacPerRoute(cfg: envoy_extensions_filters_http_rbac_v3_RBACPerRoute, path: string, errs: ConfigErrors): RbacSettings | undefined {
  checkSupported(cfg, path, errs, ['rbac']);
  if (!cfg.rbac) return { rules: undefined, shadowRules: undefined, rulesStatPrefix: '', shadowRulesStatPrefix: '' };
  return decodeHttpRbac(cfg.rbac, joinPath(path, 'rbac'), errs);
}

/** Decodes the network filter's config. */
export function decodeNetworkRbac(cfg: envoy_extensions_filters_network_rbac_v3_RBAC, path: string, errs: ConfigErrors): NetworkRbacSettings | undefined {
  const before = errs.errors.length;
  checkSupported(cfg, path, errs, NETWORK_FIELDS);
  const statPrefix = cfg.stat_prefix ?? '';
  if (statPrefix === '') errs.required(joinPath(path, 'stat_prefix'));
  const et = cfg.enforcement_type ?? 'ONE_TIME_ON_FIRST_BYTE';
  if (et === 'CONTINUOUS') errs.unsupported(joinPath(path, 'enforcement_type'), 'enforcement_type CONTINUOUS (weft has no network filter that emits per-message metadata; ONE_TIME_ON_FIRST_BYTE is supported)');
  else if (et !== 'ONE_TIME_ON_FIRST_BYTE') errs.error(joinPath(path, 'enforcement_type'), `unknown enforcement_type ${String(et)}`, CFG.INVALID_VALUE);
  const engines = decodeEngines(cfg, path, errs, true);
  if (errs.errors.length > before) return undefined;
  return { ...engines, statPrefix, rulesStatPrefix: '', shadowRulesStatPrefix: cfg.shadow_rules_stat_prefix ?? '' };
}

function decodeEngines(cfg: { rules?: envoy_config_rbac_v3_RBAC; shadow_rules?: envoy_config_rbac_v3_RBAC }, path: string, errs: ConfigErrors, network: boolean): Pick<RbacSettings, 'rules' | 'shadowRules'> {
  const ctx = { network };
  return {
    rules: cfg.rules ? decodeRbacRules(cfg.rules, joinPath(path, 'rules'), errs, ctx) : undefined,
    shadowRules: cfg.shadow_rules ? decodeRbacRules(cfg.shadow_rules, joinPath(path, 'shadow_rules'), errs, ctx) : undefined,
  };
}
