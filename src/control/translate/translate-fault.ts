// VirtualService `fault` → HTTPFault for the route's typed_per_filter_config,
// as Istio's TranslateFault: percentage.value → FractionalPercent per MILLION,
// the deprecated integer `percent` → per HUNDRED; fixed delays only; abort by
// HTTP status or gRPC status (by name).
import type { HTTPFaultInjection } from '../../api/networking.js';
import type { envoy_extensions_filters_http_fault_v3_HTTPFault } from '../../xds/gen/types.js';
import { MESSAGE_CODES, type MessageCollector } from './messages.js';
import { duration, integerToFractional, percentToFractional } from './proto-helpers.js';

/** gRPC status names (google.rpc.Code) → numbers, as Istio's SupportedGRPCStatus. */
export const GRPC_STATUS: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** The HTTPFault, or undefined when nothing translatable is left (reported). */
export function translateFault(f: HTTPFaultInjection | undefined, messages: MessageCollector, key: string, path: string): envoy_extensions_filters_http_fault_v3_HTTPFault | undefined {
  if (!f) return undefined;
  const out: envoy_extensions_filters_http_fault_v3_HTTPFault = {};
  const d = f.delay;
  if (d) {
    const fixed = duration(d.fixedDelay);
    if (fixed) {
      out.delay = {
        fixed_delay: fixed,
        percentage: d.percentage ? percentToFractional(d.percentage.value ?? 0) : integerToFractional(d.percent ?? 0),
      };
    } else {
      messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.delay`, d.exponentialDelay !== undefined
        ? 'exponentialDelay is not supported (as in Istio); no delay is injected'
        : 'delay without a valid fixedDelay; no delay is injected');
    }
  }
  const a = f.abort;
  if (a) {
    // Istio leaves an unset percentage unset, which Envoy reads as 0%; weft says so explicitly.
    const percentage = percentToFractional(a.percentage?.value ?? 0);
    if (a.httpStatus !== undefined) {
      out.abort = { http_status: a.httpStatus, percentage };
    } else if (a.grpcStatus !== undefined) {
      const code = GRPC_STATUS[a.grpcStatus.toUpperCase()] ?? (/^\d+$/.test(a.grpcStatus) ? Number(a.grpcStatus) : undefined);
      if (code === undefined) messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.abort.grpcStatus`, `unknown gRPC status "${a.grpcStatus}"; no abort is injected`);
      // grpc_status is in a oneof: 0 (OK) is kept.
      else out.abort = { grpc_status: code, percentage };
    } else {
      messages.warn(MESSAGE_CODES.FIELD_IGNORED, key, `${path}.abort`, a.http2Error !== undefined
        ? 'http2Error aborts are not supported (as in Istio); no abort is injected'
        : 'abort without httpStatus or grpcStatus; no abort is injected');
    }
  }
  return out.delay || out.abort ? out : undefined;
}
