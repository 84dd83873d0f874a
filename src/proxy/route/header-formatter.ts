// Header values with Envoy's `%COMMAND%` operators, compiled once: a literal
// value stays a string, a value with operators becomes a list of parts joined
// per request. Only a small, named set of operators is supported; anything else
// is refused at config time rather than sent as literal text.
import { ConfigErrors } from '../../common/errors.js';
import type { HeaderMap } from '../http/headers.js';

/** Address of one end of the downstream connection. */
export interface SocketAddress {
  ip: string;
  port: number;
}

/** What `%...%` operators may read; fields the caller cannot fill stay unset and format as "". */
export interface HeaderFormatContext {
  downstreamRemoteAddress?: SocketAddress;
  downstreamLocalAddress?: SocketAddress;
  /** Cluster the request is routed to. */
  upstreamCluster?: string;
  /** "HTTP/1.1", "HTTP/2", … */
  protocol?: string;
  hostname?: string;
  /** Request headers and pseudo-headers, for %REQ(...)%. */
  request?: { method: string; path: string; authority: string; scheme: string; headers: HeaderMap };
}

type Part = string | ((ctx: HeaderFormatContext) => string);

/** A compiled header value: a literal string, or a function of the context. */
export type HeaderValueFormatter = string | ((ctx: HeaderFormatContext) => string);

/** Names of the supported operators (REQ takes an argument). */
export const SUPPORTED_OPERATORS = [
  'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_REMOTE_PORT',
  'DOWNSTREAM_LOCAL_ADDRESS', 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_LOCAL_PORT',
  'UPSTREAM_CLUSTER', 'PROTOCOL', 'HOSTNAME', 'REQ(name)',
] as const;

const OPERATOR = /^%([A-Z0-9_]+)(?:\(([^)]*)\))?(?::(\d+))?%/;

/** Compiles a header value; reports unknown or malformed operators at `path`. */
export function compileHeaderValue(value: string, path: string, errs: ConfigErrors): HeaderValueFormatter | undefined {
  if (value.indexOf('%') < 0) return value;
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const m = OPERATOR.exec(value.slice(i));
    if (!m) {
      errs.error(path, `invalid header value ${JSON.stringify(value)}: unterminated or malformed %...% operator at offset ${i} (write %% for a literal %)`);
      return undefined;
    }
    const op = operator(m[1]!, m[2], m[3] === undefined ? undefined : Number(m[3]));
    if (typeof op === 'string') {
      errs.error(path, `invalid header value ${JSON.stringify(value)}: ${op}`);
      return undefined;
    }
    if (lit) parts.push(lit);
    lit = '';
    parts.push(op);
    i += m[0].length;
  }
  if (lit) parts.push(lit);
  if (parts.length === 1) return parts[0]!;
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  return (ctx) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(ctx);
    return s;
  };
}

/** Evaluates a compiled value. */
export function formatHeaderValue(f: HeaderValueFormatter, ctx: HeaderFormatContext): string {
  return typeof f === 'string' ? f : f(ctx);
}

function hostPort(a: SocketAddress | undefined): string {
  if (!a) return '';
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

// Returns the operator's function, or an error message.
function operator(name: string, arg: string | undefined, maxLen: number | undefined): ((ctx: HeaderFormatContext) => string) | string {
  if (name !== 'REQ' && arg !== undefined) return `%${name}% takes no argument`;
  let f: (ctx: HeaderFormatContext) => string;
  switch (name) {
    case 'DOWNSTREAM_REMOTE_ADDRESS': f = (c) => hostPort(c.downstreamRemoteAddress); break;
    case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT': f = (c) => c.downstreamRemoteAddress?.ip ?? ''; break;
    case 'DOWNSTREAM_REMOTE_PORT': f = (c) => (c.downstreamRemoteAddress ? String(c.downstreamRemoteAddress.port) : ''); break;
    case 'DOWNSTREAM_LOCAL_ADDRESS': f = (c) => hostPort(c.downstreamLocalAddress); break;
    case 'DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT': f = (c) => c.downstreamLocalAddress?.ip ?? ''; break;
    case 'DOWNSTREAM_LOCAL_PORT': f = (c) => (c.downstreamLocalAddress ? String(c.downstreamLocalAddress.port) : ''); break;
    case 'UPSTREAM_CLUSTER': f = (c) => c.upstreamCluster ?? ''; break;
    case 'PROTOCOL': f = (c) => c.protocol ?? ''; break;
    case 'HOSTNAME': f = (c) => c.hostname ?? ''; break;
    case 'REQ': {
      if (!arg) return '%REQ(name)% needs a header name';
      const [main, alt, extra] = arg.toLowerCase().split('?');
      if (extra !== undefined || !main) return `invalid %REQ(${arg})%`;
      f = (c) => requestHeader(c, main) ?? (alt ? requestHeader(c, alt) : undefined) ?? '';
      break;
    }
    default:
      return `unsupported command operator %${name}% (supported: ${SUPPORTED_OPERATORS.join(', ')})`;
  }
  if (maxLen === undefined) return f;
  return (c) => f(c).slice(0, maxLen);
}

function requestHeader(c: HeaderFormatContext, name: string): string | undefined {
  const r = c.request;
  if (!r) return undefined;
  switch (name) {
    case ':method': return r.method;
    case ':path': return r.path;
    case ':authority': case 'host': return r.authority;
    case ':scheme': return r.scheme;
    default: return r.headers.get(name);
  }
}
