// envoy.filters.network.rbac: a connection is checked once (Envoy's
// ONE_TIME_ON_FIRST_BYTE) before the chain's terminal filter gets it, after
// TLS is terminated so the peer certificate is known; a denied connection is
// closed without a byte written. See docs/architecture/rbac.md for when weft
// decides (at hand-off, not on the first byte).
import type { StatsStore } from '../../../stats/stats-store.js';
import { rbacResponseDetail } from '../../rbac/rbac-engine.js';
import { RbacInput, type RbacConnection } from '../../rbac/rbac-input.js';
import type { NetworkRbacSettings } from './decode.js';
import { checkRbac } from './rbac-check.js';
import { RbacStats, statPrefixJoin } from './rbac-stats.js';

/** The filter as a listener's chain runs it: one per filter_chains[].filters[] entry. */
export class NetworkRbac {
  private readonly stats: RbacStats;

  constructor(readonly settings: NetworkRbacSettings, store: StatsStore) {
    this.stats = new RbacStats(store, statPrefixJoin(settings.statPrefix, ''), settings.rulesStatPrefix, settings.shadowRulesStatPrefix);
  }

  /**
   * Undefined when the connection may go on to the next filter; else Envoy's
   * connection termination details, `rbac_access_denied_matched_policy[<policy>|none]`.
   */
  deniedDetails(conn: RbacConnection): string | undefined {
    const r = checkRbac(this.settings, this.stats, new RbacInput(conn, undefined, undefined), undefined, 'envoy.filters.network.rbac');
    return r === undefined || r.allowed ? undefined : rbacResponseDetail(r.policy);
  }
}
