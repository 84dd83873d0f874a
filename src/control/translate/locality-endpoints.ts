// Registry endpoints → LocalityLbEndpoints, grouped by locality, for both EDS
// ClusterLoadAssignments and the load_assignment of DNS/static clusters.
// Sorted (locality, then address and port) so output is deterministic.
import { isIP } from 'node:net';
import type { ServiceEndpoint } from '../model/types.js';
import type { envoy_config_core_v3_Locality, envoy_config_core_v3_Metadata, envoy_config_endpoint_v3_LbEndpoint, envoy_config_endpoint_v3_LocalityLbEndpoints } from '../../xds/gen/types.js';
import { ISTIO_TLS } from './istio-tls.js';

/** Whether `labels` selects the endpoint (every label present with the same value, as a subset's labels). */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

/** Whether an endpoint address is an IP (EDS carries IPs only; DNS clusters carry names). */
export function isIpAddress(a: string): boolean {
  return isIP(a) !== 0;
}

/** A socket address in the canonical shape. */
export function socketAddress(address: string, port: number): { socket_address: { address: string; port_value: number } } {
  return { socket_address: { address, port_value: port } };
}

/** Parses "region/zone/subzone" into a Locality, or undefined when empty. */
export function parseLocality(s: string): envoy_config_core_v3_Locality | undefined {
  const [region = '', zone = '', subZone = ''] = s.split('/');
  const out: envoy_config_core_v3_Locality = {};
  if (region) out.region = region;
  if (zone) out.zone = zone;
  if (subZone) out.sub_zone = subZone;
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface LocalityOptions {
  /** Set health_status (EDS does; static load assignments of DNS clusters do too). */
  readonly healthStatus: boolean;
}

/** Groups endpoints by locality into LocalityLbEndpoints. */
export function buildLocalityLbEndpoints(eps: readonly ServiceEndpoint[], o: LocalityOptions): envoy_config_endpoint_v3_LocalityLbEndpoints[] {
  const byLocality = new Map<string, ServiceEndpoint[]>();
  for (const ep of eps) {
    const list = byLocality.get(ep.locality ?? '') ?? [];
    list.push(ep);
    byLocality.set(ep.locality ?? '', list);
  }
  const out: envoy_config_endpoint_v3_LocalityLbEndpoints[] = [];
  for (const loc of [...byLocality.keys()].sort()) {
    const list = byLocality.get(loc)!.slice().sort((a, b) => cmpEndpoint(a, b));
    let total = 0;
    const lbEndpoints: envoy_config_endpoint_v3_LbEndpoint[] = list.map((ep) => {
      const weight = ep.weight > 0 ? ep.weight : 1;
      total += weight;
      const metadata = endpointMetadata(ep);
      return {
        endpoint: { address: socketAddress(ep.address, ep.port) },
        ...(o.healthStatus ? { health_status: ep.healthy ? 'HEALTHY' : 'UNHEALTHY' } as const : {}),
        ...(metadata ? { metadata } : {}),
        load_balancing_weight: { value: weight },
      };
    });
    const locality = parseLocality(loc);
    // Always a locality (empty when unknown): gRPC's xDS client refuses an assignment without one.
    out.push({ locality: locality ?? {}, lb_endpoints: lbEndpoints, load_balancing_weight: { value: total } });
  }
  return out;
}

/**
 * What transport_socket_matches select on: Istio marks endpoints with a
 * sidecar with filter_metadata["envoy.transport_socket_match"] = {tlsMode: "istio"}
 * and leaves the others unmarked (they match `tlsMode-disabled`, plaintext).
 */
export function endpointMetadata(ep: ServiceEndpoint): envoy_config_core_v3_Metadata | undefined {
  if (ep.tlsMode !== ISTIO_TLS.tlsModeIstio) return undefined;
  return { filter_metadata: { [ISTIO_TLS.transportSocketMatchKey]: { [ISTIO_TLS.tlsModeLabel]: ISTIO_TLS.tlsModeIstio } } };
}

function cmpEndpoint(a: ServiceEndpoint, b: ServiceEndpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.port - b.port;
}
