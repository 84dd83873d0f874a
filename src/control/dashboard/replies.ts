// GET /api/dashboard/replies: recent failed requests and local replies, for
// "explain a local reply". They come from the spans sidecars already send to
// the control plane's trace receiver (Zipkin or OTLP over HTTP, from any
// machine): each proxy span carries http.status_code, response_flags, the
// upstream cluster and, for a reply the proxy made itself, its x-weft-error
// value. So the records cost no extra work on the request path and no extra
// memory (the trace store's bounds apply); what is not sampled is not seen.
import type { StoredSpan } from '../traces/trace-store.js';

export interface ReplyRecord {
  /** Unix ms when the request started. */
  time: number;
  workload: string;
  /** The sidecar that recorded it: "source" (the caller's, a CLIENT span) or "destination" (the server's). */
  reporter?: 'source' | 'destination';
  method: string;
  path: string;
  status: number;
  responseFlags: string;
  weftError?: { code: string; detail: string; object?: string; file?: string; line?: number };
  /** Additions: the trace to open, and the upstream cluster. */
  traceId: string;
  upstreamCluster?: string;
}

/** The span tag the proxy puts the x-weft-error value in. */
export const WEFT_ERROR_TAG = 'x-weft-error';

/** `<CODE> <cause>; <source>` → parts. */
export function parseWeftError(v: string): { code: string; detail: string; source?: string } {
  const sp = v.indexOf(' ');
  const code = sp > 0 ? v.slice(0, sp) : v;
  const rest = sp > 0 ? v.slice(sp + 1) : '';
  // The source is what follows the first "; " whose tail is key=value pairs (causes may contain "; " themselves).
  const m = /;\s+([a-z_]+=.*)$/.exec(rest);
  return m ? { code, detail: rest.slice(0, m.index), source: m[1]! } : { code, detail: rest };
}

/** The Istio object a proxy-level source names, when it names one: `virtual_service=reviews.default` → "VirtualService reviews.default". */
export function objectOfSource(source: string | undefined): string | undefined {
  if (!source) return undefined;
  const vs = /(?:^|;\s*)virtual_service=([^;\s]+)/.exec(source);
  if (vs) return `VirtualService ${vs[1]}`;
  const policy = /(?:^|;\s*)(?:policy|authorization_policy)=([^;\s]+)/.exec(source);
  if (policy) return `AuthorizationPolicy ${policy[1]}`;
  return undefined;
}

/** `sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local` → reviews-v1 (the pod part, without its namespace). */
export function workloadOfNode(nodeId: string | undefined, fallback: string): string {
  const parts = (nodeId ?? '').split('~');
  if (parts.length === 4 && parts[2]) {
    const pod = parts[2]!;
    const dot = pod.lastIndexOf('.');
    return dot > 0 ? pod.slice(0, dot) : pod;
  }
  return fallback;
}

function isFailure(tags: Record<string, string>): boolean {
  const status = Number(tags['http.status_code'] ?? '0');
  const flags = tags.response_flags ?? '-';
  return status >= 400 || status === 0 || (flags !== '-' && flags !== '') || tags[WEFT_ERROR_TAG] !== undefined;
}

/**
 * The newest `limit` failed requests in `traces`, newest first. `locate`
 * finds an object's file and line (from the accepted config).
 */
export function recentReplies(traces: readonly (readonly StoredSpan[])[], limit: number, locate: (objectKey: string) => { file?: string; line?: number } | undefined): ReplyRecord[] {
  const out: ReplyRecord[] = [];
  for (const spans of traces) {
    for (const s of spans) {
      const tags = s.tags;
      if (!tags || tags.component !== 'proxy' || !isFailure(tags)) continue;
      let path = tags['http.url'] ?? '';
      try {
        const u = new URL(path);
        path = u.pathname + u.search;
      } catch {
        /* keep as is */
      }
      const we = tags[WEFT_ERROR_TAG];
      let weftError: ReplyRecord['weftError'];
      if (we) {
        const p = parseWeftError(we);
        const object = objectOfSource(p.source);
        const loc = object ? locate(object) : undefined;
        weftError = { code: p.code, detail: p.detail, ...(object ? { object } : p.source ? { object: p.source } : {}), ...(loc?.file ? { file: loc.file } : {}), ...(loc?.line ? { line: loc.line } : {}) };
      }
      out.push({
        time: Math.floor((s.timestamp ?? 0) / 1000),
        workload: workloadOfNode(tags.node_id, s.localEndpoint?.serviceName ?? 'unknown'),
        ...(s.kind === 'CLIENT' ? { reporter: 'source' as const } : s.kind === 'SERVER' ? { reporter: 'destination' as const } : {}),
        method: tags['http.method'] ?? '',
        path,
        status: Number(tags['http.status_code'] ?? '0'),
        responseFlags: tags.response_flags ?? '-',
        ...(weftError ? { weftError } : {}),
        traceId: s.traceId,
        ...(tags.upstream_cluster ? { upstreamCluster: tags.upstream_cluster } : {}),
      });
    }
  }
  out.sort((a, b) => b.time - a.time);
  return out.slice(0, limit);
}
