// What `weft status` shows of each workload's security: its identity and
// certificate (from the node agent on the sidecar's admin, /weft/agent) and
// the mTLS mode of each inbound port, read from the sidecar's own
// config_dump: a port whose filter chains all terminate TLS is STRICT, one
// with TLS and plaintext chains PERMISSIVE, one without TLS DISABLE.
// Envoy-shaped input only, so it reads whatever the translator produced.

export type PortMtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface WorkloadSecurity {
  name: string;
  identity?: string;
  /** PENDING, VALID, EXPIRED (the agent's states), NO AGENT, or UNREACHABLE. */
  certState: string;
  serial?: string;
  notAfter?: string;
  lastError?: string;
  /** Service port → mode, when the sidecar's listeners say. */
  mtls: Record<string, PortMtlsMode>;
}

type Json = Record<string, unknown>;
const field = (o: Json | undefined, snake: string): unknown => {
  if (!o) return undefined;
  if (snake in o) return o[snake];
  return o[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
};
const isTls = (chain: Json): boolean => {
  const ts = field(chain, 'transport_socket') as Json | undefined;
  return typeof ts?.name === 'string' && ts.name === 'envoy.transport_sockets.tls';
};

/**
 * Modes per service port from a config_dump. `servicePortOf(listenPort)`
 * maps a local-mode inbound listener's bound port to its service port;
 * chains of one shared inbound listener are told apart by destination_port.
 */
export function inboundMtlsModes(dump: unknown, servicePortOf: (listenPort: number) => number | undefined): Record<string, PortMtlsMode> {
  const byPort = new Map<number, { tls: number; plain: number }>();
  const configs = (field(dump as Json, 'configs') as Json[] | undefined) ?? [];
  for (const c of configs) {
    const listeners = [
      ...((field(c, 'static_listeners') as Json[] | undefined) ?? []).map((l) => field(l, 'listener') as Json),
      ...((field(c, 'dynamic_listeners') as Json[] | undefined) ?? []).map((l) => field(field(l, 'active_state') as Json, 'listener') as Json),
    ];
    for (const l of listeners) {
      if (!l || field(l, 'traffic_direction') !== 'INBOUND') continue;
      const sa = field(field(l, 'address') as Json, 'socket_address') as Json | undefined;
      const own = servicePortOf(Number(field(sa, 'port_value') ?? 0));
      for (const chain of (field(l, 'filter_chains') as Json[] | undefined) ?? []) {
        const dp = field(field(field(chain, 'filter_chain_match') as Json, 'destination_port') as Json, 'value');
        const port = dp !== undefined ? Number(dp) : own;
        if (port === undefined) continue;
        const e = byPort.get(port) ?? { tls: 0, plain: 0 };
        if (isTls(chain)) e.tls++;
        else e.plain++;
        byPort.set(port, e);
      }
    }
  }
  const out: Record<string, PortMtlsMode> = {};
  for (const [port, e] of [...byPort].sort((a, b) => a[0] - b[0])) out[String(port)] = e.tls === 0 ? 'DISABLE' : e.plain === 0 ? 'STRICT' : 'PERMISSIVE';
  return out;
}

/** Asks one sidecar's admin for its agent and its listeners; never throws. */
export async function workloadSecurity(name: string, adminPort: number, inbound: Record<string, number>): Promise<WorkloadSecurity> {
  const base = `http://127.0.0.1:${adminPort}`;
  const out: WorkloadSecurity = { name, certState: 'UNREACHABLE', mtls: {} };
  try {
    const r = await fetch(`${base}/weft/agent`, { signal: AbortSignal.timeout(3000) });
    if (r.status === 404) out.certState = 'NO AGENT';
    else {
      const a = (await r.json()) as { identity: string; state: string; serial?: string; notAfter?: string; lastError?: { code: string; message: string } };
      Object.assign(out, { identity: a.identity, certState: a.state, ...(a.serial ? { serial: a.serial } : {}), ...(a.notAfter ? { notAfter: a.notAfter } : {}),
        ...(a.lastError ? { lastError: `${a.lastError.code}: ${a.lastError.message}` } : {}) });
    }
    const listenToService = new Map(Object.entries(inbound).map(([svc, listen]) => [listen, Number(svc)]));
    const dump = await (await fetch(`${base}/config_dump`, { signal: AbortSignal.timeout(3000) })).json();
    out.mtls = inboundMtlsModes(dump, (p) => listenToService.get(p));
  } catch {
    /* the sidecar is down or restarting: UNREACHABLE says so */
  }
  return out;
}
