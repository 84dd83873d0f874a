// gRPC service definitions for the xDS and HDS services, written by hand:
// loading .proto files with proto-loader at run time costs ~30 MiB. Requests
// are decoded with weft's codec; responses are written as bytes the server
// has already assembled (resources encoded once, shared by every stream).
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { decodeBinary } from '../../xds/codec.js';
import type {
  envoy_service_discovery_v3_DeltaDiscoveryRequest, envoy_service_discovery_v3_DiscoveryRequest,
  envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse,
} from '../../xds/gen/types.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, CLUSTER_TYPE_URL, LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL,
} from '../../xds/type-urls.js';
import { decodeSotwRequest, type SotwRequest } from './sotw-request.js';

export type DiscoveryRequest = envoy_service_discovery_v3_DiscoveryRequest;
export type DeltaDiscoveryRequest = envoy_service_discovery_v3_DeltaDiscoveryRequest;
export type HdsRequest = envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse;

const identity = (b: Buffer): Buffer => b;

function bidi<Req>(path: string, requestType: string | ((b: Buffer) => Req)): MethodDefinition<Req, Buffer> {
  return {
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: () => { throw new Error('server-side definition'); },
    requestDeserialize: typeof requestType === 'function' ? requestType : (b: Buffer) => decodeBinary<Req>(requestType, b),
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

const DELTA_REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';

/** One xDS gRPC service: its SotW and delta methods, and the type URL its streams carry (undefined for ADS). */
export interface DiscoveryServiceSpec {
  /** Short name for status and logs: ads, lds, rds, cds, eds, sds. */
  kind: string;
  service: string;
  sotwMethod: string;
  deltaMethod: string;
  typeUrl: string | undefined;
}

export const DISCOVERY_SERVICES: readonly DiscoveryServiceSpec[] = [
  { kind: 'ads', service: 'envoy.service.discovery.v3.AggregatedDiscoveryService', sotwMethod: 'StreamAggregatedResources', deltaMethod: 'DeltaAggregatedResources', typeUrl: undefined },
  { kind: 'lds', service: 'envoy.service.listener.v3.ListenerDiscoveryService', sotwMethod: 'StreamListeners', deltaMethod: 'DeltaListeners', typeUrl: LISTENER_TYPE_URL },
  { kind: 'rds', service: 'envoy.service.route.v3.RouteDiscoveryService', sotwMethod: 'StreamRoutes', deltaMethod: 'DeltaRoutes', typeUrl: ROUTE_CONFIGURATION_TYPE_URL },
  { kind: 'cds', service: 'envoy.service.cluster.v3.ClusterDiscoveryService', sotwMethod: 'StreamClusters', deltaMethod: 'DeltaClusters', typeUrl: CLUSTER_TYPE_URL },
  { kind: 'eds', service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', sotwMethod: 'StreamEndpoints', deltaMethod: 'DeltaEndpoints', typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE_URL },
  { kind: 'sds', service: 'envoy.service.secret.v3.SecretDiscoveryService', sotwMethod: 'StreamSecrets', deltaMethod: 'DeltaSecrets', typeUrl: SECRET_TYPE_URL },
];

/** The service definition of one xDS service (SotW and delta streaming methods). */
export function discoveryServiceDefinition(spec: DiscoveryServiceSpec): ServiceDefinition {
  return {
    [spec.sotwMethod]: bidi<SotwRequest>(`/${spec.service}/${spec.sotwMethod}`, decodeSotwRequest),
    [spec.deltaMethod]: bidi<DeltaDiscoveryRequest>(`/${spec.service}/${spec.deltaMethod}`, DELTA_REQUEST),
  };
}

export const HDS_SERVICE = 'envoy.service.health.v3.HealthDiscoveryService';
export const HDS_STREAM_METHOD = 'StreamHealthCheck';

/** HealthDiscoveryService: StreamHealthCheck (FetchHealthCheck, the unary form, is not offered). */
export function hdsServiceDefinition(): ServiceDefinition {
  return {
    [HDS_STREAM_METHOD]: bidi<HdsRequest>(`/${HDS_SERVICE}/${HDS_STREAM_METHOD}`,
      'envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse'),
  };
}
