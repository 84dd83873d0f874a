// Builders for services and endpoints given programmatically (`weft up`'s
// workloads, tests): fill the model's fields with the defaults a mesh-internal
// service has, so callers state only what differs.
import type { ServiceEndpoint, ServiceModel, ServicePortModel } from '../model/types.js';
import { MODEL_DEFAULTS } from '../model/defaults.js';
import { TLS_MODE_LABEL } from '../../api/networking.js';

/** An endpoint's tlsMode from its workload's labels (Istio: `security.istio.io/tlsMode: istio`, else disabled). */
export function tlsModeOf(labels: Readonly<Record<string, string>> | undefined): ServiceEndpoint['tlsMode'] {
  return labels?.[TLS_MODE_LABEL] === 'istio' ? 'istio' : 'disabled';
}

export interface ServiceSpec {
  hostname: string;
  namespace?: string;
  ports: readonly (Omit<ServicePortModel, 'protocol'> & { protocol?: ServicePortModel['protocol'] })[];
  resolution?: ServiceModel['resolution'];
  location?: ServiceModel['location'];
  exportTo?: readonly string[];
  addresses?: readonly string[];
  source?: string;
}

/** A mesh-internal, STATIC-resolution service (what `weft up` registers); ports default to TCP. */
export function makeService(spec: ServiceSpec): ServiceModel {
  const namespace = spec.namespace ?? MODEL_DEFAULTS.namespace;
  return Object.freeze({
    hostname: spec.hostname,
    namespace,
    ports: Object.freeze(spec.ports.map((p) => Object.freeze({ ...p, protocol: p.protocol ?? 'TCP' }))),
    resolution: spec.resolution ?? 'STATIC',
    location: spec.location ?? 'MESH_INTERNAL',
    exportTo: Object.freeze([...(spec.exportTo ?? MODEL_DEFAULTS.exportTo)]),
    addresses: Object.freeze([...(spec.addresses ?? [])]),
    source: spec.source ?? `Service ${spec.hostname}`,
  });
}

export type EndpointSpec = Pick<ServiceEndpoint, 'hostname' | 'servicePort' | 'address'> & Partial<ServiceEndpoint>;

/** An endpoint with defaults: port = servicePort, weight 1, healthy, no labels, tlsMode from the labels. */
export function makeEndpoint(spec: EndpointSpec): ServiceEndpoint {
  return Object.freeze({
    hostname: spec.hostname,
    servicePort: spec.servicePort,
    address: spec.address,
    port: spec.port ?? spec.servicePort,
    labels: Object.freeze({ ...(spec.labels ?? {}) }),
    serviceAccount: spec.serviceAccount ?? '',
    namespace: spec.namespace ?? MODEL_DEFAULTS.namespace,
    weight: spec.weight ?? MODEL_DEFAULTS.endpointWeight,
    locality: spec.locality ?? '',
    healthy: spec.healthy ?? true,
    workload: spec.workload ?? '',
    tlsMode: spec.tlsMode ?? tlsModeOf(spec.labels),
  });
}
