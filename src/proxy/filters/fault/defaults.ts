// Names and defaults of the fault injection filter, each as Envoy has it.

export const FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** Request headers a caller uses to ask for faults (honoured only with header_delay / header_abort). */
export const HEADER_DELAY_REQUEST = 'x-envoy-fault-delay-request';
export const HEADER_DELAY_PERCENTAGE = 'x-envoy-fault-delay-request-percentage';
export const HEADER_ABORT_REQUEST = 'x-envoy-fault-abort-request';
export const HEADER_ABORT_GRPC_REQUEST = 'x-envoy-fault-abort-grpc-request';
export const HEADER_ABORT_PERCENTAGE = 'x-envoy-fault-abort-request-percentage';

/** Who is calling, set by the downstream Envoy (--service-node / --service-cluster). */
export const HEADER_DOWNSTREAM_NODE = 'x-envoy-downstream-service-node';
export const HEADER_DOWNSTREAM_CLUSTER = 'x-envoy-downstream-service-cluster';

/** Body (and gRPC message) and response code details of an injected abort. */
export const ABORT_BODY = 'fault filter abort';
export const ABORT_DETAILS = 'fault_filter_abort';

/** http_status must lie in [200, 600), like the x-envoy-fault-abort-request header. */
export const MIN_ABORT_STATUS = 200;
export const MAX_ABORT_STATUS_EXCLUSIVE = 600;

/**
 * percentage when unset: 0%. FractionalPercent's zero value is what Envoy
 * evaluates, so a delay or abort without a percentage never happens (weft warns).
 */
export const DEFAULT_FAULT_PERCENTAGE = { numerator: 0, denominator: 100 } as const;

/** max_active_faults when unset: no limit. */
export const UNLIMITED_ACTIVE_FAULTS = Number.POSITIVE_INFINITY;
