// Stats of the fault filter, under Envoy's names: `http.<hcm stat_prefix>.fault.<name>`,
// plus `http.<hcm stat_prefix>.fault.<downstream cluster>.{delays,aborts}_injected`
// when the caller names its cluster in x-envoy-downstream-service-cluster.
import type { Counter } from '../../../stats/counter.js';
import type { Gauge } from '../../../stats/gauge.js';
import type { StatsStore } from '../../../stats/stats-store.js';

export class FaultStats {
  readonly abortsInjected: Counter;
  readonly delaysInjected: Counter;
  /** A fault was due but max_active_faults was reached. */
  readonly faultsOverflow: Counter;
  /** Declared by Envoy; stays 0 because weft does not implement response_rate_limit. */
  readonly responseRlInjected: Counter;
  /** Streams with a fault in progress; a stream counts once however many faults it gets. */
  readonly activeFaults: Gauge;
  /** `http.<prefix>.fault.` */
  readonly prefix: string;

  constructor(readonly store: StatsStore, hcmStatPrefix: string) {
    const p = `http.${hcmStatPrefix}.fault.`;
    this.prefix = p;
    this.abortsInjected = store.counter(`${p}aborts_injected`);
    this.delaysInjected = store.counter(`${p}delays_injected`);
    this.faultsOverflow = store.counter(`${p}faults_overflow`);
    this.responseRlInjected = store.counter(`${p}response_rl_injected`);
    this.activeFaults = store.gauge(`${p}active_faults`);
  }

  /** Per-downstream-cluster counter; looked up per injected fault (faults are rare, the cluster name is dynamic). */
  downstream(cluster: string, which: 'delays_injected' | 'aborts_injected'): Counter {
    return this.store.counter(`${this.prefix}${cluster}.${which}`);
  }
}
