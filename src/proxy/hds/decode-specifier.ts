// HealthCheckSpecifier (what the control plane asks this proxy to check) →
// validated per-cluster check plans. Like every other config boundary, all
// errors are collected with their field paths, and a specifier with any error
// is refused as a whole (Envoy's HdsDelegate does the same: it validates the
// message and ignores it on failure), so the last good one keeps running.
import type { ConfigErrors } from '../../common/errors.js';
import { CFG, joinPath } from '../../common/errors.js';
import type {
  envoy_config_core_v3_Locality, envoy_service_health_v3_ClusterHealthCheck, envoy_service_health_v3_HealthCheckSpecifier,
} from '../../xds/gen/types.js';
import { decodeSocketAddress, formatAddr } from '../config/address.js';
import { checkSupported, durationMs } from '../config/support.js';
import { decodeHealthChecks, type HealthCheckConfig } from '../upstream/health-check-config.js';
import { HDS_DEFAULTS } from './hds-defaults.js';

/** One endpoint to check. */
export interface HdsEndpoint {
  readonly host: string;
  readonly port: number;
  /** `ip:port` as Envoy prints it (UpstreamHost.key). */
  readonly key: string;
}

/** Endpoints grouped as the specifier grouped them; reports echo the locality back. */
export interface HdsLocality {
  readonly locality: envoy_config_core_v3_Locality | undefined;
  readonly endpoints: readonly HdsEndpoint[];
}

export interface HdsClusterPlan {
  readonly name: string;
  readonly healthCheck: HealthCheckConfig;
  readonly localities: readonly HdsLocality[];
}

export interface HdsPlan {
  /** How often to send EndpointHealthResponse (the specifier's `interval`). */
  readonly reportIntervalMs: number;
  readonly clusters: readonly HdsClusterPlan[];
}

export function decodeHealthCheckSpecifier(spec: envoy_service_health_v3_HealthCheckSpecifier, errs: ConfigErrors): HdsPlan | undefined {
  checkSupported(spec, '', errs, ['cluster_health_checks', 'interval']);
  const reportIntervalMs = durationMs(spec.interval, HDS_DEFAULTS.reportIntervalMs);
  if (reportIntervalMs <= 0) errs.error('interval', 'must be greater than 0');
  const clusters: HdsClusterPlan[] = [];
  const seen = new Map<string, number>();
  (spec.cluster_health_checks ?? []).forEach((c, i) => {
    const p = joinPath('cluster_health_checks', i);
    const plan = decodeClusterHealthCheck(c, p, errs);
    if (!plan) return;
    const prev = seen.get(plan.name);
    if (prev !== undefined) errs.error(joinPath(p, 'cluster_name'), `duplicate cluster_name "${plan.name}" (also cluster_health_checks[${prev}])`, CFG.DUPLICATE);
    seen.set(plan.name, i);
    clusters.push(plan);
  });
  return errs.hasErrors ? undefined : { reportIntervalMs, clusters };
}

function decodeClusterHealthCheck(c: envoy_service_health_v3_ClusterHealthCheck, path: string, errs: ConfigErrors): HdsClusterPlan | undefined {
  checkSupported(c, path, errs, ['cluster_name', 'health_checks', 'locality_endpoints']);
  const name = c.cluster_name ?? '';
  if (!name) errs.required(joinPath(path, 'cluster_name'), 'cluster_name is required (reports are grouped by it)');
  const hcPath = joinPath(path, 'health_checks');
  const list = c.health_checks ?? [];
  if (list.length === 0) errs.required(hcPath, 'at least one health check is required');
  const checks = decodeHealthChecks(list, hcPath, errs);
  const localities: HdsLocality[] = [];
  const seen = new Set<string>();
  (c.locality_endpoints ?? []).forEach((le, li) => {
    const lp = joinPath(joinPath(path, 'locality_endpoints'), li);
    checkSupported(le, lp, errs, ['locality', 'endpoints']);
    const endpoints: HdsEndpoint[] = [];
    (le.endpoints ?? []).forEach((ep, ei) => {
      const epPath = joinPath(joinPath(lp, 'endpoints'), ei);
      checkSupported(ep, epPath, errs, ['address']);
      const addr = decodeSocketAddress(ep.address, joinPath(epPath, 'address'), errs, { allowHostname: false });
      if (!addr || addr.port === 0) return;
      const key = formatAddr(addr.host, addr.port);
      // The same address twice would be two checks of one host and one report entry; keep the first.
      if (seen.has(key)) return;
      seen.add(key);
      endpoints.push({ host: addr.host, port: addr.port, key });
    });
    localities.push({ locality: le.locality, endpoints });
  });
  const healthCheck = checks[0];
  if (!name || !healthCheck) return undefined;
  return { name, healthCheck, localities };
}
