// Leader election with a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does it, so two control plane replicas can run and
// only one writes (config status today, CA secrets later):
// - the leader renews the Lease (renewTime) every retry period; a write that
//   loses a race gets 409 Conflict (the Lease's resourceVersion) and the
//   writer is not leader;
// - a candidate takes the Lease only when the holder has not renewed it for
//   leaseDuration, measured on the candidate's own clock from when it last saw
//   the record change (never by comparing renewTime with its clock: clocks of
//   two machines differ);
// - a leader that cannot renew within the renew deadline stops leading (its
//   callers stop writing) before another replica can take over;
// - stop() releases the Lease (empty holder, 1 s duration) so a successor
//   does not wait out the lease.
import { systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import type { Logger } from '../common/log.js';
import { KubeApiError, type KubeClient, type KubeObject } from './kube-client.js';
import { KUBE_RESOURCES } from './kube-resources.js';

/** client-go's defaults (and istiod's): a 15 s lease, 10 s renew deadline, 2 s between attempts. */
export const LEADER_ELECTION_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  /** The Lease istiod uses for its status writers is istio-system/istio-leader; weft names its own. */
  leaseName: 'weft-control-leader',
} as const;

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name?: string;
  /** This replica's identity (pod name); unique among replicas. */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  /** Called when the observed holder changes (identity, or '' when nobody holds it). */
  readonly onNewLeader?: (identity: string) => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaderElector {
  private leading = false;
  private running = false;
  private timer: TimerHandle | undefined;
  private observed: { spec: string; at: number } | undefined;
  private lastRenew = 0;
  private holder = '';
  private readonly clock: Clock;
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private inFlight: Promise<boolean> | undefined;
  private lastError: string | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.clock = opts.clock ?? systemClock;
    this.name = opts.name ?? LEADER_ELECTION_DEFAULTS.leaseName;
    this.leaseMs = opts.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.retryMs = opts.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The identity last seen holding the Lease ('' when none). */
  get leader(): string {
    return this.holder;
  }

  /** Tries now, then every retry period. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Stops trying; a leader releases the Lease. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    await this.inFlight?.catch(() => undefined);
    if (this.leading) {
      await this.release().catch((e: unknown) => this.opts.log?.warn(`leader election: releasing Lease ${this.opts.namespace}/${this.name} failed: ${(e as Error).message}`));
      this.setLeading(false);
    }
  }

  /** One acquire-or-renew attempt (the loop calls it; tests call it with a manual clock). Resolves whether this replica leads. */
  tick(): Promise<boolean> {
    const p = this.tryAcquireOrRenew().then(
      (ok) => {
        this.lastError = undefined;
        if (ok) {
          this.lastRenew = this.clock.now();
          this.setLeading(true);
        } else if (this.leading) this.setLeading(false);
        return ok;
      },
      (e: unknown) => {
        const err = e as Error;
        // Said once per distinct problem (e.g. the lease namespace does not exist), then quietly retried.
        if (err.message !== this.lastError) this.opts.log?.warn(`leader election: cannot read or write Lease ${this.opts.namespace}/${this.name}: ${err.message}; retrying every ${this.retryMs} ms`);
        else this.opts.log?.debug(`leader election: ${err.message}`);
        this.lastError = err.message;
        // A leader keeps leading through errors until the renew deadline passes.
        if (this.leading && this.clock.now() - this.lastRenew >= this.renewDeadlineMs) {
          this.opts.log?.warn(`leader election: could not renew Lease ${this.opts.namespace}/${this.name} for ${this.renewDeadlineMs} ms (${err.message}); stepping down`);
          this.setLeading(false);
        }
        return this.leading;
      },
    );
    this.inFlight = p;
    return p;
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    await this.tick();
    if (!this.running) return;
    this.timer = this.clock.setTimer(this.retryMs, () => void this.loop());
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    if (v) {
      this.opts.log?.info(`leader election: ${this.opts.identity} now leads (Lease ${this.opts.namespace}/${this.name})`);
      this.opts.onStartedLeading?.();
    } else {
      this.opts.log?.info(`leader election: ${this.opts.identity} stopped leading`);
      this.opts.onStoppedLeading?.();
    }
  }

  private observe(spec: LeaseSpec): void {
    const json = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseDurationSeconds ?? 0, spec.leaseTransitions ?? 0]);
    if (!this.observed || this.observed.spec !== json) this.observed = { spec: json, at: this.clock.now() };
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.holder) {
      this.holder = holder;
      this.opts.onNewLeader?.(holder);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, identity } = this.opts;
    const now = new Date(this.clock.wallNow()).toISOString().replace('Z', '000Z'); // MicroTime: RFC 3339 with microseconds
    const leaseSeconds = Math.max(1, Math.round(this.leaseMs / 1000));
    let lease: KubeObject;
    try {
      lease = await client.get(KUBE_RESOURCES.leases, namespace, this.name);
    } catch (e) {
      if (!(e instanceof KubeApiError) || e.code !== 404) throw e;
      const created = await client.create(KUBE_RESOURCES.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      }).catch((err: unknown) => {
        if (err instanceof KubeApiError && err.code === 409) return undefined; // another replica created it first
        throw err;
      });
      if (!created) return false;
      this.observe(created.spec as LeaseSpec);
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    this.observe(spec);
    const holder = spec.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (heldByOther && this.observed && this.clock.now() - this.observed.at < durationMs) return false;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: now,
      ...(holder !== identity ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === '' && !spec.leaseTransitions ? 0 : 1) } : {}),
    };
    try {
      const updated = await client.replace(KUBE_RESOURCES.leases, { ...lease, spec: next });
      this.observe(updated.spec as LeaseSpec);
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 409) return false; // another replica wrote first
      throw e;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.opts.client.get(KUBE_RESOURCES.leases, this.opts.namespace, this.name);
    const spec = (lease.spec ?? {}) as LeaseSpec;
    if (spec.holderIdentity !== this.opts.identity) return;
    const now = new Date(this.clock.wallNow()).toISOString().replace('Z', '000Z');
    await this.opts.client.replace(KUBE_RESOURCES.leases, { ...lease, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } });
  }
}
