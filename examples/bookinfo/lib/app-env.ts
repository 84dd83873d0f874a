// The contract between a Bookinfo app and whoever starts it (`weft up`, a
// test, or a person). Every setting comes from the environment so the same
// binary runs inside the mesh, beside it, or in a unit test.

/** Where a service name resolves to when no sidecar is in the path. */
export type DirectHosts = ReadonlyMap<string, { host: string; port: number }>;

export interface AppEnv {
  /** App port; the app listens on 127.0.0.1 only, so inbound traffic comes through its sidecar. */
  port: number;
  /** The sidecar's outbound HTTP listener, e.g. `http://127.0.0.1:15001`; absent outside the mesh. */
  httpProxy?: { host: string; port: number };
  /** Service → address map used when HTTP_PROXY is unset (tests, running without a mesh). */
  directHosts: DirectHosts;
  serviceName: string;
  serviceVersion: string;
  /** Name shown on the page and in logs, so people see which instance answered. */
  workload: string;
  /** LOG_REQUESTS=1: one stdout line per request served (reviews v3 in the demo, to see mirrored traffic). */
  logRequests: boolean;
}

/** Defaults, with the reason for each. */
export const DEFAULTS = {
  /** Bookinfo's services all listen on 9080 in Kubernetes; locally `weft up` always sets PORT. */
  port: 9080,
  /** Every Bookinfo workload is version v1 unless told otherwise. */
  version: 'v1',
} as const;

/** Reads the app's settings; throws with the variable's name when a value is malformed. */
export function readAppEnv(defaultService: string, env: NodeJS.ProcessEnv = process.env): AppEnv {
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULTS.port : parsePort(env.PORT, 'PORT');
  const serviceName = env.SERVICE_NAME || defaultService;
  const serviceVersion = env.SERVICE_VERSION || DEFAULTS.version;
  const out: AppEnv = {
    port,
    directHosts: parseDirectHosts(env.DIRECT_HOSTS ?? ''),
    serviceName,
    serviceVersion,
    workload: env.WORKLOAD_NAME || `${serviceName}-${serviceVersion}`,
    logRequests: env.LOG_REQUESTS === '1' || env.LOG_REQUESTS === 'true',
  };
  // Upper case only: a lower-case http_proxy in a shell usually means a corporate proxy, not a sidecar.
  const proxy = env.HTTP_PROXY;
  if (proxy) out.httpProxy = parseProxyUrl(proxy);
  return out;
}

/** `http://127.0.0.1:15001` → host and port. Only plain-HTTP proxies: the sidecar is local. */
export function parseProxyUrl(value: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`HTTP_PROXY: not a URL: ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:') throw new Error(`HTTP_PROXY: only http:// proxies are supported, got ${u.protocol}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: u.port === '' ? 80 : Number(u.port) };
}

/** `reviews=127.0.0.1:4001,ratings=4002` (a bare port means 127.0.0.1). */
export function parseDirectHosts(value: string): DirectHosts {
  const m = new Map<string, { host: string; port: number }>();
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`DIRECT_HOSTS: expected service=host:port, got ${JSON.stringify(item)}`);
    const name = item.slice(0, eq).trim();
    const addr = item.slice(eq + 1).trim();
    const colon = addr.lastIndexOf(':');
    const host = colon < 0 ? '127.0.0.1' : addr.slice(0, colon);
    const port = parsePort(colon < 0 ? addr : addr.slice(colon + 1), `DIRECT_HOSTS[${name}]`);
    m.set(name, { host, port });
  }
  return m;
}

/** A non-negative integer from the environment, or the default when unset or empty. */
export function readIntEnv(env: NodeJS.ProcessEnv, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name}: expected an integer in [0, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

function parsePort(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: not a port: ${JSON.stringify(v)}`);
  return n;
}
