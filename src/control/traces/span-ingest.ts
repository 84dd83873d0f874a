// What the receiver takes in, decoded to Zipkin v2 spans:
//   - Zipkin v2 JSON (POST /api/v2/spans): a JSON array of spans;
//   - OTLP/HTTP (POST /v1/traces): an ExportTraceServiceRequest as protobuf
//     or as OTLP JSON (ids in hex, as the OTLP spec says), both read with the
//     official opentelemetry-proto definitions (otlp-proto.ts).
// OTLP spans map to Zipkin as the OpenTelemetry Zipkin exporter maps them:
// kind SERVER/CLIENT/PRODUCER/CONSUMER, times in microseconds, resource
// service.name as localEndpoint.serviceName, attributes as string tags.
import { ExportTraceServiceRequest } from '../../proxy/tracing/opentelemetry/otlp-proto.js';
import type { StoredSpan } from './trace-store.js';

export interface DecodeResult {
  readonly spans: StoredSpan[];
  /** Spans that were not well formed (skipped, counted). */
  readonly invalid: number;
}

const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^([0-9a-f]{16}|[0-9a-f]{32})$/;
const KINDS = new Set(['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER']);

function endpoint(v: unknown): StoredSpan['localEndpoint'] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const out: NonNullable<StoredSpan['localEndpoint']> = {};
  if (typeof e.serviceName === 'string') out.serviceName = e.serviceName.toLowerCase();
  if (typeof e.ipv4 === 'string') out.ipv4 = e.ipv4;
  if (typeof e.ipv6 === 'string') out.ipv6 = e.ipv6;
  if (typeof e.port === 'number') out.port = e.port;
  return out;
}

/** One Zipkin v2 span, checked as Zipkin's collector checks it (ids in hex), or undefined. */
function zipkinSpan(v: unknown): StoredSpan | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const s = v as Record<string, unknown>;
  const traceId = typeof s.traceId === 'string' ? s.traceId.toLowerCase() : '';
  const id = typeof s.id === 'string' ? s.id.toLowerCase() : '';
  if (!TRACE_ID.test(traceId) || !HEX16.test(id)) return undefined;
  const out: StoredSpan = { traceId, id };
  if (typeof s.parentId === 'string' && s.parentId !== '') {
    const p = s.parentId.toLowerCase();
    if (!HEX16.test(p)) return undefined;
    out.parentId = p;
  }
  if (typeof s.name === 'string') out.name = s.name.toLowerCase();
  if (typeof s.kind === 'string' && KINDS.has(s.kind)) out.kind = s.kind as StoredSpan['kind'];
  if (typeof s.timestamp === 'number' && s.timestamp > 0) out.timestamp = Math.trunc(s.timestamp);
  if (typeof s.duration === 'number' && s.duration >= 0) out.duration = Math.trunc(s.duration);
  const le = endpoint(s.localEndpoint);
  if (le) out.localEndpoint = le;
  const re = endpoint(s.remoteEndpoint);
  if (re) out.remoteEndpoint = re;
  if (typeof s.tags === 'object' && s.tags !== null) {
    const tags: Record<string, string> = {};
    for (const [k, t] of Object.entries(s.tags as Record<string, unknown>)) if (typeof t === 'string' || typeof t === 'number' || typeof t === 'boolean') tags[k] = String(t);
    out.tags = tags;
  }
  if (s.shared === true) out.shared = true;
  return out;
}

/** A Zipkin v2 JSON body; throws when it is not a JSON array. */
export function decodeZipkinJson(body: Buffer): DecodeResult {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (!Array.isArray(parsed)) throw new Error('a Zipkin v2 body is a JSON array of spans');
  const spans: StoredSpan[] = [];
  let invalid = 0;
  for (const v of parsed) {
    const s = zipkinSpan(v);
    if (s) spans.push(s);
    else invalid++;
  }
  return { spans, invalid };
}

// ---- OTLP ----

interface OtlpAnyValue { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: OtlpAnyValue[] } }
interface OtlpKeyValue { key: string; value?: OtlpAnyValue }
interface OtlpSpanObject {
  traceId?: Uint8Array; spanId?: Uint8Array; parentSpanId?: Uint8Array; name?: string; kind?: number;
  startTimeUnixNano?: string | number; endTimeUnixNano?: string | number; attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
}
interface OtlpRequestObject {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { scope?: { name?: string; version?: string }; spans?: OtlpSpanObject[] }[] }[];
}

function anyValueString(v: OtlpAnyValue | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(anyValueString));
  return '';
}

/** OTLP SpanKind → Zipkin kind (INTERNAL and UNSPECIFIED have none). */
const OTLP_KIND: Record<number, StoredSpan['kind']> = { 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER' };

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

/** Nanoseconds (a decimal string, exact) → microseconds. */
function micros(ns: string | number | undefined): number {
  if (ns === undefined) return 0;
  return Number(BigInt(typeof ns === 'number' ? Math.trunc(ns) : ns) / 1000n);
}

function fromOtlpObject(req: OtlpRequestObject): DecodeResult {
  const spans: StoredSpan[] = [];
  let invalid = 0;
  for (const rs of req.resourceSpans ?? []) {
    const serviceName = anyValueString(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value) || 'unknown_service';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const traceId = hex(s.traceId);
        const id = hex(s.spanId);
        if (!TRACE_ID.test(traceId) || !HEX16.test(id) || /^0+$/.test(traceId) || /^0+$/.test(id)) {
          invalid++;
          continue;
        }
        const start = micros(s.startTimeUnixNano);
        const end = micros(s.endTimeUnixNano);
        const tags: Record<string, string> = {};
        for (const a of s.attributes ?? []) tags[a.key] = anyValueString(a.value);
        // The Zipkin exporter's status mapping: an ERROR status becomes the error tag.
        if (s.status?.code === 2) tags.error = s.status.message || 'true';
        const out: StoredSpan = { traceId, id, name: (s.name ?? '').toLowerCase(), timestamp: start, duration: Math.max(0, end - start), localEndpoint: { serviceName: serviceName.toLowerCase() }, tags };
        const parent = hex(s.parentSpanId);
        if (parent !== '' && !/^0+$/.test(parent)) out.parentId = parent;
        const kind = OTLP_KIND[s.kind ?? 0];
        if (kind) out.kind = kind;
        spans.push(out);
      }
    }
  }
  return { spans, invalid };
}

/** An OTLP/HTTP protobuf body (ExportTraceServiceRequest); throws when it does not decode. */
export function decodeOtlpProtobuf(body: Buffer): DecodeResult {
  const msg = ExportTraceServiceRequest.decode(body);
  return fromOtlpObject(ExportTraceServiceRequest.toObject(msg, { longs: String }) as OtlpRequestObject);
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP JSON writes ids as hex (not protobuf JSON's base64): turn them into bytes for the official definitions. */
function hexIdsToBytes(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => hexIdsToBytes(x));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = hexIdsToBytes(x, k);
    return out;
  }
  if (ID_FIELDS.has(key) && typeof v === 'string') {
    if (!/^([0-9a-fA-F]{2})*$/.test(v)) throw new Error(`${key} "${v}" is not hex`);
    return Buffer.from(v, 'hex');
  }
  return v;
}

/** An OTLP/HTTP JSON body; throws when it is not an ExportTraceServiceRequest. */
export function decodeOtlpJson(body: Buffer): DecodeResult {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('an OTLP JSON body is an ExportTraceServiceRequest object');
  const msg = ExportTraceServiceRequest.fromObject(hexIdsToBytes(parsed) as object);
  return fromOtlpObject(ExportTraceServiceRequest.toObject(msg, { longs: String }) as OtlpRequestObject);
}
