// Name rules shared by the validators: DNS names as Istio checks them
// (pkg/config/validation/agent), Kubernetes labels, header names, addresses.
// Each check returns an error message, or undefined when the value is fine.
import { isIP } from 'node:net';

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const LOWER_DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const LOWER_DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// Istio's header-name rule for matches: letters, digits, '-' and '_'.
const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** A DNS-1123 label as Istio checks it (letters of either case, digits, '-'; at most 63). */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Kubernetes object names and namespaces: lower-case DNS-1123. */
export function checkObjectName(s: string): string | undefined {
  if (s.length > 253 || !LOWER_DNS1123_SUBDOMAIN.test(s)) return `"${s}" is not a valid name (lower-case DNS-1123 subdomain: a-z, 0-9, '-', '.')`;
  return undefined;
}

export function checkNamespaceName(s: string): string | undefined {
  if (s.length > 63 || !LOWER_DNS1123_LABEL.test(s)) return `"${s}" is not a valid namespace (lower-case DNS-1123 label)`;
  return undefined;
}

function checkLabels(domain: string, labels: string[]): string | undefined {
  const tld = labels[labels.length - 1]!;
  if (/^\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    // A trailing dot ("istio.io.") is allowed.
    if (i === labels.length - 1 && l === '' && i > 0) return undefined;
    if (!isDnsLabel(l)) return `domain name "${domain}" invalid (label "${l}" invalid)`;
  }
  return undefined;
}

function preconditions(name: string): string | undefined {
  if (name.length === 0) return 'empty domain name not allowed';
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  return undefined;
}

/** A fully qualified (or short) DNS name without wildcards. */
export function checkFqdn(name: string): string | undefined {
  return preconditions(name) ?? checkLabels(name, name.split('.'));
}

/** A DNS name that may start with a wildcard label ("*", "*.example.com", "*foo.example.com"). */
export function checkWildcardDomain(name: string): string | undefined {
  const pre = preconditions(name);
  if (pre) return pre;
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  const wildcardOk = first === '*' || (first.startsWith('*') && isDnsLabel(first.slice(1))) || isDnsLabel(first);
  if (!wildcardOk) return `domain name "${name}" invalid (label "${first}" invalid)`;
  if (dot < 0) return undefined;
  return checkLabels(name, name.slice(dot + 1).split('.'));
}

/** Partial wildcards ("*foo.com", "foo.*.com") are allowed by the DNS rules but not by Istio's hosts. */
export function isPartialWildcard(name: string): boolean {
  return name.includes('*') && name !== '*' && !name.startsWith('*.');
}

export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** An IP address or a CIDR block ("10.0.0.0/8", "2001:db8::/32"). */
export function checkIpOrCidr(s: string): string | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return isIpAddress(s) ? undefined : `${s} is not a valid IP address`;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return `${s} is not a valid CIDR block`;
  return undefined;
}

/** A unix socket path (after "unix://"): absolute file path or an abstract "@name". */
export function checkUnixPath(p: string): string | undefined {
  if (p === '') return 'unix address must not be empty';
  if (p.startsWith('@')) return undefined;
  if (!p.startsWith('/') || p.endsWith('/')) return `${p} is not an absolute path to a file`;
  return undefined;
}

/** Header name in a match (Istio also allows JWT claim routes "@request.auth.claims.x"). */
export function checkMatchHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.startsWith('@request.auth.claims.') && name.length > '@request.auth.claims.'.length) return undefined;
  if (!HEADER_NAME.test(name)) return `header name "${name}" is not a valid header name (letters, digits, '-', '_')`;
  return undefined;
}

/** Header value: no control characters but tab, and Envoy's %VAR% syntax balanced ("%%" is a literal %). */
export function checkHeaderValue(value: string): string | undefined {
  if (/[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)) return `header value ${JSON.stringify(value)} contains control characters`;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (value[i + 1] === '%') {
      i++;
      continue;
    }
    const end = value.indexOf('%', i + 1);
    if (end < 0) return `header value ${JSON.stringify(value)} has an unterminated "%" (write "%%" for a literal %)`;
    i = end;
  }
  return undefined;
}

/** Kubernetes label key ("app", "example.com/tier"). */
export function checkLabelKey(key: string): string | undefined {
  if (key === '') return 'label key cannot be empty';
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !LOWER_DNS1123_SUBDOMAIN.test(prefix))) return `label key "${key}" has an invalid prefix "${prefix}"`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return `label key "${key}" is invalid (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)`;
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) return `label value "${value}" is invalid (at most 63 of A-Z a-z 0-9 - _ ., alphanumeric at both ends)`;
  return undefined;
}

/** Port names (ServiceEntry ports, WorkloadEntry port keys): DNS-1123 labels. */
export function checkPortName(name: string): string | undefined {
  return isDnsLabel(name) ? undefined : `invalid port name "${name}" (DNS-1123 label)`;
}

/** Istio's port protocols (case-insensitive), as protocol.Parse knows them. */
export const PORT_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB', 'TCP', 'TLS', 'MONGO', 'REDIS', 'MYSQL', 'UDP']);

export function checkProtocol(p: string): string | undefined {
  if (p === '' || PORT_PROTOCOLS.has(p.toUpperCase())) return undefined;
  return `unsupported protocol "${p}" (one of ${[...PORT_PROTOCOLS].join(', ')})`;
}

export function isHttpProtocol(p: string | undefined): boolean {
  const u = (p ?? '').toUpperCase();
  return u === 'HTTP' || u === 'HTTP2' || u === 'GRPC' || u === 'GRPC-WEB' || u === 'HTTP_PROXY';
}

export function isTlsProtocol(p: string | undefined): boolean {
  const u = (p ?? '').toUpperCase();
  return u === 'HTTPS' || u === 'TLS';
}
