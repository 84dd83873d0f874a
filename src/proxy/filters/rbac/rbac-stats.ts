// Stats of the RBAC filters, under Envoy's names: `<prefix>rbac.[<rules_stat_prefix>.]{allowed,denied}`
// and `<prefix>rbac.[<shadow_rules_stat_prefix>.]shadow_{allowed,denied}`, where
// <prefix> is `http.<hcm stat_prefix>.` for the HTTP filter and
// `<stat_prefix>.` for the network filter. The rule prefixes are joined as
// Envoy's statPrefixJoin does: a '.' is added unless the prefix is empty or
// already ends with one (`http.h.rbac.mine.allowed`, which Envoy's
// envoy.rbac_http_prefix tag extracts).
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export class RbacStats {
  readonly allowed: Counter;
  readonly denied: Counter;
  readonly shadowAllowed: Counter;
  readonly shadowDenied: Counter;

  constructor(readonly store: StatsStore, prefix: string, rulesStatPrefix: string, shadowRulesStatPrefix: string) {
    const rules = statPrefixJoin(`${prefix}rbac.`, rulesStatPrefix);
    const shadow = statPrefixJoin(`${prefix}rbac.`, shadowRulesStatPrefix);
    this.allowed = store.counter(statPrefixJoin(rules, 'allowed'));
    this.denied = store.counter(statPrefixJoin(rules, 'denied'));
    this.shadowAllowed = store.counter(statPrefixJoin(shadow, 'shadow_allowed'));
    this.shadowDenied = store.counter(statPrefixJoin(shadow, 'shadow_denied'));
  }
}

/** Envoy's statPrefixJoin: `prefix.token`, without doubling a trailing '.'; just `token` when the prefix is empty. */
export function statPrefixJoin(prefix: string, token: string): string {
  if (prefix === '') return token;
  return prefix.endsWith('.') ? prefix + token : `${prefix}.${token}`;
}
