// Stats of the RBAC filters, under Envoy's names: `<prefix>rbac.<rules_stat_prefix>{allowed,denied}`
// and `<prefix>rbac.<shadow_rules_stat_prefix>shadow_{allowed,denied}`, where
// <prefix> is `http.<hcm stat_prefix>.` for the HTTP filter and
// `<stat_prefix>.` for the network filter.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export class RbacStats {
  readonly allowed: Counter;
  readonly denied: Counter;
  readonly shadowAllowed: Counter;
  readonly shadowDenied: Counter;

  constructor(readonly store: StatsStore, prefix: string, rulesStatPrefix: string, shadowRulesStatPrefix: string) {
    const base = `${prefix}rbac.`;
    this.allowed = store.counter(`${base}${rulesStatPrefix}allowed`);
    this.denied = store.counter(`${base}${rulesStatPrefix}denied`);
    this.shadowAllowed = store.counter(`${base}${shadowRulesStatPrefix}shadow_allowed`);
    this.shadowDenied = store.counter(`${base}${shadowRulesStatPrefix}shadow_denied`);
  }
}
