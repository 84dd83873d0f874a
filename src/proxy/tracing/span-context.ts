// The trace context a request carries between hops, and its two wire forms:
// B3 (Zipkin; multi-header x-b3-* and the single `b3` header) and W3C Trace
// Context (`traceparent`, `tracestate`). Malformed headers are treated as no
// context (a new trace starts), as Envoy's extractors do; they never fail the
// request.
import type { HeaderMap } from '../http/headers.js';

export interface SpanContext {
  /** 16 or 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the span that sent the request. */
  readonly spanId: string;
  /** B3's x-b3-parentspanid: the sender's parent (Zipkin's shared span model needs it). */
  readonly parentId?: string;
  /** The sender's sampling decision; undefined when it sent none. */
  readonly sampled: boolean | undefined;
  /** W3C tracestate, passed on unchanged. */
  readonly tracestate?: string;
  /** The context came in the single `b3` header (the next hop gets it the same way too). */
  readonly b3Single?: boolean;
}

const HEX16 = /^[0-9a-f]{16}$/;
const HEX16_OR_32 = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/;
const ZERO = /^0+$/;

function validId(id: string, re: RegExp): boolean {
  return re.test(id) && !ZERO.test(id);
}

/** x-b3-sampled (or the single header's flag): "1"/"true"/"d" sampled, "0"/"false" not. */
function b3Sampled(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === '1' || v === 'true' || v === 'd') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

/**
 * The sampling decision B3 carries even without ids (`x-b3-sampled: 0`,
 * `b3: 0`, `x-b3-flags: 1`), or undefined.
 */
export function b3SamplingOnly(h: HeaderMap): boolean | undefined {
  if (h.get('x-b3-flags') === '1') return true;
  const single = h.get('b3');
  if (single !== undefined && !single.includes('-')) return b3Sampled(single);
  return b3Sampled(h.get('x-b3-sampled')?.toLowerCase());
}

/** Reads B3: the multi-header form first (Envoy's order), then the single `b3` header. */
export function extractB3(h: HeaderMap): SpanContext | undefined {
  const traceId = h.get('x-b3-traceid')?.toLowerCase();
  const spanId = h.get('x-b3-spanid')?.toLowerCase();
  if (traceId !== undefined && spanId !== undefined) {
    if (!validId(traceId, HEX16_OR_32) || !validId(spanId, HEX16)) return undefined;
    const parent = h.get('x-b3-parentspanid')?.toLowerCase();
    if (parent !== undefined && !validId(parent, HEX16)) return undefined;
    const sampled = h.get('x-b3-flags') === '1' ? true : b3Sampled(h.get('x-b3-sampled')?.toLowerCase());
    return { traceId, spanId, ...(parent ? { parentId: parent } : {}), sampled };
  }
  const single = h.get('b3')?.toLowerCase();
  if (single === undefined) return undefined;
  const parts = single.split('-');
  if (parts.length < 2 || parts.length > 4) return undefined;
  const [tid, sid, flag, parent] = parts as [string, string, string | undefined, string | undefined];
  if (!validId(tid, HEX16_OR_32) || !validId(sid, HEX16)) return undefined;
  if (parent !== undefined && !validId(parent, HEX16)) return undefined;
  const sampled = b3Sampled(flag);
  if (flag !== undefined && sampled === undefined) return undefined;
  return { traceId: tid, spanId: sid, ...(parent ? { parentId: parent } : {}), sampled, b3Single: true };
}

/** Writes B3 multi headers (and the single header when the context came that way), replacing what was there. */
export function injectB3(h: HeaderMap, c: SpanContext): void {
  const flag = c.sampled ? '1' : '0';
  h.set('x-b3-traceid', c.traceId);
  h.set('x-b3-spanid', c.spanId);
  if (c.parentId) h.set('x-b3-parentspanid', c.parentId);
  else h.remove('x-b3-parentspanid');
  h.set('x-b3-sampled', flag);
  h.remove('x-b3-flags');
  if (c.b3Single) h.set('b3', `${c.traceId}-${c.spanId}-${flag}${c.parentId ? `-${c.parentId}` : ''}`);
  else h.remove('b3');
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Reads W3C `traceparent` (version 00, or a later one read as 00) and `tracestate`. */
export function extractW3c(h: HeaderMap): SpanContext | undefined {
  const tp = h.get('traceparent')?.toLowerCase();
  if (tp === undefined) return undefined;
  const m = TRACEPARENT.exec(tp.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZERO.test(traceId) || ZERO.test(spanId)) return undefined;
  const tracestate = h.getJoined('tracestate');
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1, ...(tracestate ? { tracestate } : {}) };
}

/** Writes `traceparent` (version 00) and passes `tracestate` on. A 64-bit trace id is left-padded to 128 bits. */
export function injectW3c(h: HeaderMap, c: SpanContext): void {
  h.set('traceparent', `00-${c.traceId.padStart(32, '0')}-${c.spanId}-${c.sampled ? '01' : '00'}`);
  if (c.tracestate) h.set('tracestate', c.tracestate);
}
