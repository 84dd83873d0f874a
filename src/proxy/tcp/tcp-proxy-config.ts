// envoy.filters.network.tcp_proxy → TcpProxyConfig.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { AnyMessage, envoy_extensions_filters_network_tcp_proxy_v3_TcpProxy } from '../../xds/gen/types.js';
import { checkSupported, durationMs, wrapped } from '../config/support.js';
import { decodeAccessLogs, type AccessLogConfig } from '../access-log/decode.js';

export const TCP_PROXY_DEFAULTS = {
  /** idle_timeout: 1 hour, as Envoy. */
  idleTimeoutMs: 3_600_000,
  /** max_connect_attempts: 1. */
  maxConnectAttempts: 1,
};

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** Clusters with weights (a single `cluster` is one entry of weight 1). */
  readonly clusters: { name: string; weight: number }[];
  readonly totalWeight: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectAttempts: number;
  readonly hashBySourceIp: boolean;
  readonly accessLogs: AccessLogConfig[];
}

export function decodeTcpProxy(t: AnyMessage & envoy_extensions_filters_network_tcp_proxy_v3_TcpProxy, path: string, errs: ConfigErrors): TcpProxyConfig | undefined {
  checkSupported(t, path, errs, ['stat_prefix', 'cluster', 'weighted_clusters', 'idle_timeout', 'access_log', 'max_connect_attempts', 'hash_policy']);
  const statPrefix = t.stat_prefix ?? '';
  if (!statPrefix) errs.required(joinPath(path, 'stat_prefix'), 'stat_prefix is required');
  const clusters: { name: string; weight: number }[] = [];
  if (t.cluster && t.weighted_clusters) errs.error(path, 'only one of cluster and weighted_clusters may be set', CFG.CONFLICT);
  if (t.cluster) clusters.push({ name: t.cluster, weight: 1 });
  else if (t.weighted_clusters) {
    (t.weighted_clusters.clusters ?? []).forEach((c, i) => {
      const p = joinPath(joinPath(path, 'weighted_clusters.clusters'), i);
      checkSupported(c, p, errs, ['name', 'weight']);
      if (!c.name) errs.required(joinPath(p, 'name'), 'name is required');
      if (!c.weight) errs.error(joinPath(p, 'weight'), 'weight must be at least 1');
      clusters.push({ name: c.name ?? '', weight: c.weight ?? 0 });
    });
  } else errs.required(path, 'one of cluster or weighted_clusters is required');
  let hashBySourceIp = false;
  (t.hash_policy ?? []).forEach((h, i) => {
    const p = joinPath(joinPath(path, 'hash_policy'), i);
    checkSupported(h, p, errs, ['source_ip']);
    if (h.source_ip) hashBySourceIp = true;
  });
  const attempts = wrapped(t.max_connect_attempts, TCP_PROXY_DEFAULTS.maxConnectAttempts);
  if (attempts < 1) errs.error(joinPath(path, 'max_connect_attempts'), 'must be at least 1');
  return {
    statPrefix,
    clusters,
    totalWeight: clusters.reduce((a, c) => a + c.weight, 0),
    idleTimeoutMs: durationMs(t.idle_timeout, TCP_PROXY_DEFAULTS.idleTimeoutMs),
    maxConnectAttempts: attempts,
    hashBySourceIp,
    accessLogs: decodeAccessLogs(t.access_log, joinPath(path, 'access_log'), errs),
  };
}
