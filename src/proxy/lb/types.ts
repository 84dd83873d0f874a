// The contract between the cluster (which owns hosts and their health) and a
// load-balancing policy (which only chooses among them).

/**
 * One upstream endpoint as a load balancer sees it. The cluster owns it and
 * mutates `healthy` (health checks, outlier detection) and `activeRequests`
 * (connection pool) in place; load balancers read both at pick time and never
 * write them. Create all hosts with the same property order (one object
 * shape), so the per-pick reads stay monomorphic.
 */
export interface LbHost {
  /** IP address (or hostname for DNS clusters) without brackets. */
  readonly address: string;
  readonly port: number;
  /** Envoy's load_balancing_weight (>= 1); values below 1 are treated as 1. */
  readonly weight: number;
  /** Envoy's LocalityLbEndpoints.priority; 0 is the most preferred level. */
  readonly priority: number;
  /** `region/zone/sub_zone`, informational (zone-aware routing is not implemented). */
  readonly locality?: string;
  /**
   * Key that ring hash and Maglev hash instead of `ip:port` (Envoy: the
   * endpoint's hostname when use_hostname_for_hashing is set, or the
   * `envoy.lb` metadata `hash_key`). The cluster fills it; LBs only read it.
   */
  readonly hashKey?: string;
  /**
   * Monotonic ms when the host joined the cluster or last passed an active
   * health check: slow start scales its weight until slow_start_window has
   * passed. Unset: never in slow start.
   */
  readonly slowStartFrom?: number;
  healthy: boolean;
  activeRequests: number;
}

/** Per-pick input from the router. Pass `undefined` for a plain pick. */
export interface LbContext {
  /** Request hash from the route's hash_policy; hashing policies pick a random one when absent. */
  hash?: bigint | undefined;
  /**
   * Request attempt number (1 for the first try). Informational: like Envoy's
   * built-in policies, none of weft's uses it; host re-selection on retries is
   * driven by `shouldSkipHost` and `hostSelectionRetryCount`.
   */
  attempt?: number;
  /**
   * Retry host predicate (e.g. previous_hosts). When it returns true the LB
   * selects again, up to `hostSelectionRetryCount` more times, and then
   * returns the last host it selected, as Envoy does.
   */
  shouldSkipHost?(h: LbHost): boolean;
  /**
   * Envoy's retry_policy.host_selection_retry_max_attempts: extra selections
   * allowed when `shouldSkipHost` rejects a host. Default 1 ("retry once").
   */
  hostSelectionRetryCount?: number;
  /**
   * Where the request was going, for CLUSTER_PROVIDED (ORIGINAL_DST)
   * clusters only; the router passes it to those alone.
   */
  downstream?: DownstreamDestination;
}

/** What an original destination load balancer picks from (upstream/original-dst.ts). */
export interface DownstreamDestination {
  /** A request header (lower-case name); undefined for TCP. */
  header(name: string): string | undefined;
  /** The connection's local address: the address it arrived on. */
  readonly local: { ip: string; port: number };
  /** Set when envoy.filters.listener.original_dst ran on the listener. */
  readonly restored?: { ip: string; port: number };
}

/** A load-balancing policy over one cluster's hosts. */
export interface LoadBalancer {
  /**
   * Chooses a host for one request, or `undefined` when no host can take it
   * (no hosts, or none healthy and panic mode disabled). Called per request:
   * O(1) in the number of hosts for ROUND_ROBIN, RANDOM and LEAST_REQUEST
   * (O(log n) with unequal weights), O(log ring) for RING_HASH, O(1) for
   * MAGLEV, and allocation-free for the first three.
   */
  pick(ctx?: LbContext): LbHost | undefined;
  /**
   * Replaces the host set (EDS/DNS update). The LB keeps the array's host
   * objects by reference; later health and active-request changes on them
   * are seen without another call. `overprovisioningFactor` is the
   * ClusterLoadAssignment policy's value (percent; default 140) when it changes.
   */
  update(hosts: readonly LbHost[], overprovisioningFactor?: number): void;
  /**
   * Re-reads every host's `healthy` flag now. Optional: picks notice a change
   * on their own (at once for a host they pick that turned unhealthy; within
   * about hostCount / 4 picks otherwise). Call it after a health check or
   * outlier ejection so the very next pick uses the new priority loads.
   */
  refreshHealth(): void;
}

/** Envoy's slow_start_config, validated (see slow-start.ts for the formula). */
export interface SlowStartConfig {
  readonly windowMs: number;
  /** Aggression (> 0); 1 ramps linearly, larger ramps faster. */
  readonly aggression: number;
  /** Floor of the factor, as a fraction (Envoy's min_weight_percent / 100). */
  readonly minWeight: number;
}

/** Envoy's Cluster.lb_policy values that weft implements. */
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

/** Validated load-balancing settings of one cluster (see decode.ts for their sources). */
export interface LbOptions {
  readonly policy: LbPolicy;
  /** least_request_lb_config.choice_count. */
  readonly choiceCount: number;
  /** least_request_lb_config.active_request_bias.default_value. */
  readonly activeRequestBias: number;
  /** ring_hash_lb_config.minimum_ring_size. */
  readonly minimumRingSize: number;
  /** ring_hash_lb_config.maximum_ring_size. */
  readonly maximumRingSize: number;
  /** maglev_lb_config.table_size (prime). */
  readonly maglevTableSize: number;
  /** common_lb_config.healthy_panic_threshold as an integer percent, 0 disables panic mode. */
  readonly healthyPanicThresholdPercent: number;
  /**
   * common_lb_config.consistent_hashing_lb_config.use_hostname_for_hashing.
   * The LB itself only hashes `LbHost.hashKey ?? ip:port`; when this is set
   * the cluster puts the endpoint's hostname in `hashKey`.
   */
  readonly useHostnameForHashing: boolean;
  /** round_robin_lb_config / least_request_lb_config .slow_start_config, when set. */
  readonly slowStart?: SlowStartConfig;
}

/** What createLoadBalancer accepts: any subset of LbOptions plus the EDS overprovisioning factor. */
export type LbBuildOptions = Partial<LbOptions> & {
  /** ClusterLoadAssignment.policy.overprovisioning_factor, percent. */
  readonly overprovisioningFactor?: number;
};

/** Uniform random number in [0, 1); injectable so tests are deterministic. */
export type RandomSource = () => number;
