// Envoy's tracing decision. The x-request-id (a UUID) carries it from hop to
// hop: Envoy's UUID request-id extension rewrites the UUID's version digit
// (index 14) to record why the request is traced, so the next proxy keeps the
// decision without sampling again:
//   '9' forced (x-envoy-force-trace), 'a' sampled (random_sampling),
//   'b' client (x-client-trace-id), '4' not traced (a plain UUID v4).
// The random draw is the UUID's first 8 hex digits modulo 10000, so every
// proxy that sees the same request id draws the same number.
import type { HeaderMap } from '../http/headers.js';
import type { TracingConfig } from './tracing-config.js';

export type TraceReason = 'forced' | 'sampled' | 'client' | 'none';

const REASON_CHAR: Record<TraceReason, string> = { forced: '9', sampled: 'a', client: 'b', none: '4' };
const TRACE_CHAR_AT = 14;

/**
 * Whether `rid` is a UUID (8-4-4-4-12 hex digits, either case). A loop over
 * char codes: every traced request checks its id, and a regular expression
 * cost several times more here.
 */
export function isUuid(rid: string): boolean {
  if (rid.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = rid.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45 /* - */) return false;
    } else if (!((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102))) return false;
  }
  return true;
}

/** Hex value of the first 8 digits (the caller checked they are hex). */
function first32Bits(rid: string): number {
  let n = 0;
  for (let i = 0; i < 8; i++) {
    const c = rid.charCodeAt(i);
    n = n * 16 + (c <= 57 ? c - 48 : (c | 0x20) - 87);
  }
  return n;
}

/** Why the request id says the request is traced ('none' also for ids that are not UUIDs). */
export function traceReasonOf(rid: string | undefined): TraceReason {
  if (rid === undefined || rid.length !== 36) return 'none';
  switch (rid[TRACE_CHAR_AT]) {
    case '9': return 'forced';
    case 'a': return 'sampled';
    case 'b': return 'client';
    default: return 'none';
  }
}

/** The request id with `reason` recorded (non-UUIDs unchanged). */
export function withTraceReason(rid: string, reason: TraceReason): string {
  if (!isUuid(rid)) return rid;
  return withReasonChar(rid, reason);
}

/** `rid` (a UUID) with the reason's digit at index 14; the same string when it is already there. */
function withReasonChar(rid: string, reason: TraceReason): string {
  const ch = REASON_CHAR[reason];
  if (rid[TRACE_CHAR_AT] === ch) return rid;
  return rid.slice(0, TRACE_CHAR_AT) + REASON_CHAR[reason] + rid.slice(TRACE_CHAR_AT + 1);
}

/** The request id's number for random sampling (first 32 bits), or undefined when it is not a UUID. */
export function requestIdInteger(rid: string | undefined): number | undefined {
  if (rid === undefined || !isUuid(rid)) return undefined;
  return first32Bits(rid);
}

/**
 * Envoy's ConnectionManagerUtility::mutateTracingRequestHeader: decides, and
 * records in x-request-id, whether this request is traced. `random` is a
 * uniform [0, 1) draw for client_sampling (Envoy draws it fresh too).
 * Returns the reason now in the request id.
 */
export function decideTrace(h: HeaderMap, cfg: TracingConfig, random: () => number): TraceReason {
  const rid = h.get('x-request-id');
  // One UUID check per request: the id is tested here, not again below.
  if (rid === undefined || !isUuid(rid)) return 'none';
  const n = first32Bits(rid);
  const result = n % 10000;
  let reason = traceReasonOf(rid);
  // A request already traced keeps its reason (an upstream proxy decided).
  if (reason === 'none') {
    if (h.has('x-client-trace-id') && Math.floor(random() * 10000) < cfg.clientSampling) reason = 'client';
    else if (h.has('x-envoy-force-trace')) reason = 'forced';
    else if (result < cfg.randomSampling) reason = 'sampled';
  }
  if (!(result < cfg.overallSampling)) reason = 'none';
  const next = withReasonChar(rid, reason);
  if (next !== rid) h.set('x-request-id', next);
  return reason;
}
