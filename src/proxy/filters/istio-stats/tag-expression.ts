// Metric tag values (Telemetry tagOverrides, stats.PluginConfig
// metrics[].dimensions): Istio evaluates them as CEL over Envoy's attributes.
// weft evaluates a fixed subset, compiled once per config into a function of
// the finished stream. Anything outside it is refused by name with the list
// below, never guessed.
//
// Values taken from request data are bounded: each expression admits
// MAX_REQUEST_DERIVED_VALUES distinct values per filter, cut to
// MAX_LABEL_VALUE_LENGTH; later new values become `unknown` (counted in
// istio_stats.label_value_overflow), so a client cannot grow the metric set.
import type { StreamInfo } from '../../access-log/stream-info.js';
import { MAX_LABEL_VALUE_LENGTH, MAX_REQUEST_DERIVED_VALUES, UNKNOWN } from './defaults.js';

/** The attributes weft evaluates (plus string literals and request.headers['name']). */
export const SUPPORTED_TAG_ATTRIBUTES = [
  'request.method', 'request.path', 'request.url_path', 'request.host', 'request.scheme', 'request.protocol',
  "request.headers['<name>']", "response.headers['<name>']",
  'response.code', 'response.code_details', 'response.flags', 'destination.port', 'connection.mtls',
  'xds.cluster_name', 'xds.route_name',
] as const;

/** Attributes whose values come from the request (bounded per filter). */
type Attr = (i: StreamInfo) => string | undefined;

const num = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));
const portOf = (addr: string | undefined): string | undefined => {
  if (!addr) return undefined;
  const i = addr.lastIndexOf(':');
  return i < 0 ? undefined : addr.slice(i + 1);
};

/** Attribute → [extractor, comes from request data]. */
const ATTRIBUTES: Record<string, readonly [Attr, boolean]> = {
  'request.method': [(i) => i.method, true],
  'request.path': [(i) => i.path, true],
  'request.url_path': [(i) => i.path?.split('?')[0], true],
  'request.host': [(i) => i.authority, true],
  'request.scheme': [(i) => i.scheme, true],
  'request.protocol': [(i) => i.protocol, false],
  'response.code': [(i) => num(i.responseCode), false],
  'response.code_details': [(i) => i.responseCodeDetails, false],
  'response.flags': [(i) => num(i.responseFlags), false],
  'destination.port': [(i) => portOf(i.downstreamLocalAddress), false],
  'connection.mtls': [(i) => String(i.downstreamTls?.peerCertificate !== undefined), false],
  'xds.cluster_name': [(i) => i.upstreamCluster, false],
  'xds.route_name': [(i) => i.routeName, false],
};

export type TagExpression =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'attribute'; readonly name: string; readonly fromRequest: boolean; readonly get: Attr };

const LITERAL = /^\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*$/;
const HEADER = /^\s*(request|response)\.headers\s*\[\s*(?:'([^'\\]+)'|"([^"\\]+)")\s*\]\s*$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Compiles one expression, or returns why it is not in weft's subset. */
export function parseTagExpression(expr: string): TagExpression | { readonly error: string } {
  const lit = LITERAL.exec(expr);
  if (lit) return { kind: 'literal', value: lit[1] ?? lit[2] ?? '' };
  const h = HEADER.exec(expr);
  if (h) {
    const name = (h[2] ?? h[3] ?? '').toLowerCase();
    if (!HEADER_NAME.test(name)) return { error: `"${name}" is not a valid header name` };
    const side = h[1] as 'request' | 'response';
    const get: Attr = side === 'request' ? (i) => i.requestHeaders?.get(name) : (i) => i.responseHeaders?.get(name);
    return { kind: 'attribute', name: `${side}.headers['${name}']`, fromRequest: true, get };
  }
  const a = ATTRIBUTES[expr.trim()];
  if (a) return { kind: 'attribute', name: expr.trim(), fromRequest: a[1], get: a[0] };
  return { error: `expression ${JSON.stringify(expr)} is not supported by weft (supported: string literals, ${SUPPORTED_TAG_ATTRIBUTES.join(', ')})` };
}

/** One compiled tag value with its own bound on distinct request-derived values. */
export class TagValue {
  private readonly seen = new Set<string>();

  constructor(readonly expr: TagExpression) {}

  /** The label value for a finished stream ('unknown' when the attribute is absent, as Istio); `onOverflow` runs once per value refused. */
  evaluate(info: StreamInfo, onOverflow: () => void): string {
    const e = this.expr;
    if (e.kind === 'literal') return e.value;
    const raw = e.get(info);
    if (raw === undefined || raw === '') return UNKNOWN;
    if (!e.fromRequest) return raw;
    const v = raw.length > MAX_LABEL_VALUE_LENGTH ? raw.slice(0, MAX_LABEL_VALUE_LENGTH) : raw;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= MAX_REQUEST_DERIVED_VALUES) {
      onOverflow();
      return UNKNOWN;
    }
    this.seen.add(v);
    return v;
  }
}
