// Envoy's command operators (%RESPONSE_CODE%, %REQ(X?Y):Z%, …), each compiled
// into an Extractor at config time. Lookups that can be decided at config time
// (which header, which pseudo-header field, the START_TIME layout, the
// hostname) are decided here, so extracting a value per line is a field read.
import os from 'node:os';
import { FormatCompileError, type Extractor } from './formatter.js';
import { responseFlagsToLongString, responseFlagsToString } from './response-flags.js';
import type { StreamInfo } from './stream-info.js';
import { compileTimeFormat, formatDefaultStartTime } from './time-format.js';

type StrFn = (info: StreamInfo) => string | undefined;
type NumFn = (info: StreamInfo) => number | undefined;

/** A value that is text in both forms. */
class StringExtractor implements Extractor {
  constructor(private readonly fn: StrFn) {}
  str(info: StreamInfo): string | undefined {
    return this.fn(info);
  }
  typed(info: StreamInfo): string | number | undefined {
    return this.fn(info);
  }
}

/** A value that is a number in JSON and its decimal form in text. */
class NumberExtractor implements Extractor {
  constructor(private readonly fn: NumFn) {}
  str(info: StreamInfo): string | undefined {
    const v = this.fn(info);
    return v === undefined ? undefined : String(v);
  }
  typed(info: StreamInfo): string | number | undefined {
    return this.fn(info);
  }
}

/** `:Z` of an operator: text is cut to Z characters; JSON numbers stay whole, as in Envoy. */
class TruncatedExtractor implements Extractor {
  constructor(private readonly inner: Extractor, private readonly max: number) {}
  str(info: StreamInfo): string | undefined {
    const v = this.inner.str(info);
    return v !== undefined && v.length > this.max ? v.slice(0, this.max) : v;
  }
  typed(info: StreamInfo): string | number | undefined {
    const v = this.inner.typed(info);
    return typeof v === 'string' && v.length > this.max ? v.slice(0, this.max) : v;
  }
}

/** Empty strings count as unset, as Envoy prints `-` for an empty route name or SNI. */
function nonEmpty(v: string | undefined): string | undefined {
  return v === '' ? undefined : v;
}

/** A SAN list as Envoy prints it: comma-separated, unset when empty. */
function joined(v: readonly string[] | undefined): string | undefined {
  return v && v.length ? v.join(',') : undefined;
}

/** Durations are kept in fractional ms; Envoy prints whole milliseconds. */
function wholeMs(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.floor(v);
}

/** Host part of `ip:port` / `[v6]:port`; the whole string when there is no port. */
export function addressWithoutPort(addr: string | undefined): string | undefined {
  if (addr === undefined || addr === '') return undefined;
  if (addr.charCodeAt(0) === 91 /* [ */) {
    const end = addr.indexOf(']');
    return end < 0 ? addr : addr.slice(1, end);
  }
  const colon = addr.lastIndexOf(':');
  if (colon < 0 || addr.indexOf(':') !== colon) return addr;
  return addr.slice(0, colon);
}

/** Port of `ip:port` / `[v6]:port`; undefined when there is none. */
export function addressPort(addr: string | undefined): number | undefined {
  if (addr === undefined || addr === '') return undefined;
  let colon: number;
  if (addr.charCodeAt(0) === 91 /* [ */) {
    const end = addr.indexOf(']');
    if (end < 0 || addr.charCodeAt(end + 1) !== 58 /* : */) return undefined;
    colon = end + 1;
  } else {
    colon = addr.lastIndexOf(':');
    if (colon < 0 || addr.indexOf(':') !== colon) return undefined;
  }
  const port = Number(addr.slice(colon + 1));
  return Number.isInteger(port) && colon + 1 < addr.length ? port : undefined;
}

type HeaderSource = 'request' | 'response' | 'trailer';

/** Reads one header (or request pseudo-header field) by its lower-cased name. */
function headerGetter(source: HeaderSource, name: string): StrFn {
  if (source === 'request') {
    switch (name) {
      case ':method': return (i) => i.method;
      case ':path': return (i) => i.path;
      case ':authority': return (i) => i.authority;
      case ':scheme': return (i) => i.scheme;
      // Envoy keeps Host as :authority, so REQ(HOST) reads the authority.
      case 'host': return (i) => i.requestHeaders?.get('host') ?? i.authority;
      default: return (i) => i.requestHeaders?.get(name);
    }
  }
  if (source === 'response') {
    if (name === ':status') return (i) => (i.responseCode === 0 ? i.responseHeaders?.get(name) : String(i.responseCode));
    return (i) => i.responseHeaders?.get(name);
  }
  return (i) => i.responseTrailers?.get(name);
}

function stripQuery(v: string | undefined): string | undefined {
  if (v === undefined) return v;
  const q = v.indexOf('?');
  return q < 0 ? v : v.slice(0, q);
}

/** REQ(X?Y), RESP(X?Y), TRAILER(X?Y), REQ_WITHOUT_QUERY(X?Y). */
function headerExtractor(op: string, source: HeaderSource, args: string | undefined, withoutQuery: boolean): Extractor {
  if (args === undefined || args === '') throw new FormatCompileError(`%${op}% needs a header name, e.g. %${op}(X-REQUEST-ID)%`);
  const names = args.split('?');
  if (names.length > 2) throw new FormatCompileError(`%${op}(${args})% has more than one alternative header`);
  for (const n of names) {
    if (n === '') throw new FormatCompileError(`%${op}(${args})% has an empty header name`);
    if (/[\r\n\0]/.test(n)) throw new FormatCompileError(`%${op}(...)% header name contains a newline or NUL`);
  }
  const main = headerGetter(source, names[0]!.toLowerCase());
  const alt = names.length === 2 ? headerGetter(source, names[1]!.toLowerCase()) : undefined;
  const get: StrFn = alt === undefined ? main : (i) => main(i) ?? alt(i);
  return new StringExtractor(withoutQuery ? (i) => stripQuery(get(i)) : get);
}

function startTimeExtractor(args: string | undefined): Extractor {
  if (args === undefined || args === '') return new StringExtractor((i) => formatDefaultStartTime(i.startTime));
  const render = compileTimeFormat(args);
  return new StringExtractor((i) => render(i.startTime));
}

/** Operators with no argument, by name. */
const SIMPLE: Record<string, () => Extractor> = {
  RESPONSE_CODE: () => new NumberExtractor((i) => i.responseCode),
  RESPONSE_CODE_DETAILS: () => new StringExtractor((i) => nonEmpty(i.responseCodeDetails)),
  CONNECTION_TERMINATION_DETAILS: () => new StringExtractor((i) => nonEmpty(i.connectionTerminationDetails)),
  RESPONSE_FLAGS: () => new StringExtractor((i) => responseFlagsToString(i.responseFlags)),
  RESPONSE_FLAGS_LONG: () => new StringExtractor((i) => responseFlagsToLongString(i.responseFlags)),
  BYTES_RECEIVED: () => new NumberExtractor((i) => i.bytesReceived),
  BYTES_SENT: () => new NumberExtractor((i) => i.bytesSent),
  DURATION: () => new NumberExtractor((i) => wholeMs(i.duration)),
  REQUEST_DURATION: () => new NumberExtractor((i) => wholeMs(i.requestDuration)),
  RESPONSE_DURATION: () => new NumberExtractor((i) => wholeMs(i.responseDuration)),
  PROTOCOL: () => new StringExtractor((i) => i.protocol),
  UPSTREAM_HOST: () => new StringExtractor((i) => nonEmpty(i.upstreamHost)),
  UPSTREAM_REMOTE_ADDRESS: () => new StringExtractor((i) => nonEmpty(i.upstreamHost)),
  UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: () => new StringExtractor((i) => addressWithoutPort(i.upstreamHost)),
  UPSTREAM_REMOTE_PORT: () => new NumberExtractor((i) => addressPort(i.upstreamHost)),
  UPSTREAM_CLUSTER: () => new StringExtractor((i) => nonEmpty(i.upstreamCluster)),
  UPSTREAM_CLUSTER_RAW: () => new StringExtractor((i) => nonEmpty(i.upstreamCluster)),
  UPSTREAM_LOCAL_ADDRESS: () => new StringExtractor((i) => nonEmpty(i.upstreamLocalAddress)),
  UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: () => new StringExtractor((i) => addressWithoutPort(i.upstreamLocalAddress)),
  UPSTREAM_LOCAL_PORT: () => new NumberExtractor((i) => addressPort(i.upstreamLocalAddress)),
  UPSTREAM_TRANSPORT_FAILURE_REASON: () => new StringExtractor((i) => nonEmpty(i.upstreamTransportFailureReason)),
  DOWNSTREAM_REMOTE_ADDRESS: () => new StringExtractor((i) => nonEmpty(i.downstreamRemoteAddress)),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: () => new StringExtractor((i) => addressWithoutPort(i.downstreamRemoteAddress)),
  DOWNSTREAM_REMOTE_PORT: () => new NumberExtractor((i) => addressPort(i.downstreamRemoteAddress)),
  DOWNSTREAM_LOCAL_ADDRESS: () => new StringExtractor((i) => nonEmpty(i.downstreamLocalAddress)),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: () => new StringExtractor((i) => addressWithoutPort(i.downstreamLocalAddress)),
  DOWNSTREAM_LOCAL_PORT: () => new NumberExtractor((i) => addressPort(i.downstreamLocalAddress)),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: () => new StringExtractor((i) => nonEmpty(i.downstreamDirectRemoteAddress)),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: () => new StringExtractor((i) => addressWithoutPort(i.downstreamDirectRemoteAddress)),
  DOWNSTREAM_DIRECT_REMOTE_PORT: () => new NumberExtractor((i) => addressPort(i.downstreamDirectRemoteAddress)),
  REQUESTED_SERVER_NAME: () => new StringExtractor((i) => nonEmpty(i.requestedServerName)),
  ROUTE_NAME: () => new StringExtractor((i) => nonEmpty(i.routeName)),
  CONNECTION_ID: () => new NumberExtractor((i) => i.connectionId),
  UPSTREAM_REQUEST_ATTEMPT_COUNT: () => new NumberExtractor((i) => i.attemptCount),
  HOSTNAME: () => {
    const name = nonEmpty(os.hostname());
    return new StringExtractor(() => name);
  },
  // TLS (Envoy prints "-" for a plaintext connection). SAN lists are comma-separated.
  DOWNSTREAM_PEER_URI_SAN: () => new StringExtractor((i) => joined(i.downstreamTls?.peerCertificate?.uriSans)),
  DOWNSTREAM_PEER_DNS_SAN: () => new StringExtractor((i) => joined(i.downstreamTls?.peerCertificate?.dnsSans)),
  DOWNSTREAM_LOCAL_URI_SAN: () => new StringExtractor((i) => joined(i.downstreamTls?.localCertificate?.uriSans)),
  DOWNSTREAM_LOCAL_DNS_SAN: () => new StringExtractor((i) => joined(i.downstreamTls?.localCertificate?.dnsSans)),
  DOWNSTREAM_PEER_SUBJECT: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.peerCertificate?.subject)),
  DOWNSTREAM_LOCAL_SUBJECT: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.localCertificate?.subject)),
  DOWNSTREAM_TLS_VERSION: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.version)),
  DOWNSTREAM_TLS_CIPHER: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.cipher)),
  DOWNSTREAM_PEER_FINGERPRINT_256: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.peerCertificate?.fingerprint256)),
  DOWNSTREAM_PEER_SERIAL: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.peerCertificate?.serial)),
  DOWNSTREAM_TLS_SESSION_ID: () => new StringExtractor((i) => nonEmpty(i.downstreamTls?.sessionId)),
  UPSTREAM_PEER_URI_SAN: () => new StringExtractor((i) => joined(i.upstreamPeerUriSans)),
  UPSTREAM_PEER_SUBJECT: () => new StringExtractor((i) => nonEmpty(i.upstreamPeerSubject)),
  UPSTREAM_TLS_VERSION: () => new StringExtractor((i) => nonEmpty(i.upstreamTlsVersion)),
  // weft's own: the x-weft-error detail of a response the proxy made itself.
  WEFT_ERROR: () => new StringExtractor((i) => nonEmpty(i.weftError)),
};

/**
 * DYNAMIC_METADATA(NAMESPACE:KEY*): a namespace, then a path of keys inside it,
 * separated by `:` (namespaces contain dots). Strings print as they are,
 * numbers and booleans in their JSON form, structures as JSON; missing is `-`.
 */
function dynamicMetadataExtractor(args: string | undefined): Extractor {
  if (args === undefined || args === '') throw new FormatCompileError('%DYNAMIC_METADATA% needs a namespace, e.g. %DYNAMIC_METADATA(envoy.filters.http.header_to_metadata:key)%');
  const [ns, ...keys] = args.split(':');
  const lookup = (i: StreamInfo): unknown => {
    let v: unknown = i.dynamicMetadata?.[ns!];
    for (const k of keys) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
  return {
    str: (i) => {
      const v = lookup(i);
      return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
    },
    typed: (i) => {
      const v = lookup(i);
      return v === undefined || typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v);
    },
  };
}

/** Operators with an argument in parentheses, by name. */
const WITH_ARGS: Record<string, (args: string | undefined) => Extractor> = {
  REQ: (a) => headerExtractor('REQ', 'request', a, false),
  REQUEST_HEADER: (a) => headerExtractor('REQUEST_HEADER', 'request', a, false),
  REQ_WITHOUT_QUERY: (a) => headerExtractor('REQ_WITHOUT_QUERY', 'request', a, true),
  RESP: (a) => headerExtractor('RESP', 'response', a, false),
  RESPONSE_HEADER: (a) => headerExtractor('RESPONSE_HEADER', 'response', a, false),
  TRAILER: (a) => headerExtractor('TRAILER', 'trailer', a, false),
  RESPONSE_TRAILER: (a) => headerExtractor('RESPONSE_TRAILER', 'trailer', a, false),
  START_TIME: startTimeExtractor,
  DYNAMIC_METADATA: dynamicMetadataExtractor,
};

/** Every operator name weft understands (for docs and error messages). */
export const OPERATOR_NAMES: readonly string[] = [...Object.keys(WITH_ARGS), ...Object.keys(SIMPLE)].sort();

/**
 * Compiles one command operator: `name` without the percent signs, `args`
 * the text in parentheses (undefined when there were none), `maxLength` the
 * `:Z` suffix. Throws FormatCompileError for anything Envoy would refuse.
 */
export function compileOperator(name: string, args: string | undefined, maxLength: number | undefined): Extractor {
  let ex: Extractor;
  const withArgs = WITH_ARGS[name];
  if (withArgs !== undefined) {
    ex = withArgs(args);
  } else {
    const simple = SIMPLE[name];
    if (simple === undefined) throw new FormatCompileError(`command operator %${name}% is not supported by weft`);
    if (args !== undefined) throw new FormatCompileError(`command operator %${name}% takes no arguments`);
    ex = simple();
  }
  return maxLength === undefined ? ex : new TruncatedExtractor(ex, maxLength);
}
