// Tracing in `weft up`: every sidecar traces (100% sampled unless
// --trace-sampling says otherwise) to the control plane's embedded trace
// receiver, or, with --trace-collector URL, to that collector instead. The
// collector is a mesh service (Istio's way: an extension provider whose
// `service` the registry knows), so sidecars reach it through their own
// outbound cluster `outbound|<port>||<host>`:
//   receiver:  weft-traces.istio-system.svc.cluster.local:9411 → the debug port
//   external:  weft-trace-collector.istio-system.svc.cluster.local:<port> → the URL's address
// Zipkin v2 JSON goes to the receiver; an external URL whose path is
// /v1/traces gets OTLP/HTTP protobuf, any other path Zipkin v2 JSON.
import dns from 'node:dns/promises';
import net from 'node:net';
import { makeEndpoint, makeService, StaticRegistry } from '../control/ingest/index.js';
import { DEFAULT_MESH, type ExtensionProvider, type MeshConfig } from '../control/model/types.js';

export const UP_TRACES = Object.freeze({
  providerName: 'weft-traces',
  receiverHost: 'weft-traces.istio-system.svc.cluster.local',
  collectorHost: 'weft-trace-collector.istio-system.svc.cluster.local',
  /** Zipkin's port, the receiver's service port in the mesh. */
  receiverServicePort: 9411,
  defaultSampling: 100,
});

export interface UpTracesPlan {
  /** The mesh settings that turn tracing on (extension provider, default provider, sampling). */
  readonly mesh: Partial<MeshConfig>;
  /** The collector's service; the receiver's endpoint is set once the debug port is known (`receiverListening`). */
  readonly registry: StaticRegistry;
  /** Whether the embedded receiver runs. */
  readonly receiver: boolean;
  /** The external collector's URL, when one was given. */
  readonly collector?: string;
  readonly sampling: number;
  /** The receiver listens on `debugPort` (127.0.0.1): its endpoint joins the registry. */
  receiverListening(debugPort: number): void;
}

/** Checks `--trace-sampling`: a percentage in 0..100. */
export function parseTraceSampling(v: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 0 && n <= 100 ? n : undefined;
}

/** Checks `--trace-collector`: an http URL with a port (or http's 80). Returns an error text, or undefined. */
export function checkCollectorUrl(v: string): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `"${v}" is not a URL (e.g. http://127.0.0.1:9411/api/v2/spans or http://127.0.0.1:4318/v1/traces)`;
  }
  if (u.protocol !== 'http:') return `${u.protocol} is not supported: the sidecars export over plain http`;
  return undefined;
}

export async function planUpTraces(o: { sampling?: number; collector?: string }): Promise<UpTracesPlan> {
  const sampling = o.sampling ?? UP_TRACES.defaultSampling;
  const registry = new StaticRegistry();
  let provider: ExtensionProvider;
  if (o.collector !== undefined) {
    const u = new URL(o.collector);
    const port = Number(u.port || 80);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const address = net.isIP(host) ? host : (await dns.lookup(host)).address;
    const otlp = u.pathname.endsWith('/v1/traces');
    const path = u.pathname === '/' ? undefined : u.pathname;
    registry.set(
      [makeService({ hostname: UP_TRACES.collectorHost, namespace: 'istio-system', ports: [{ name: 'http', port, protocol: 'HTTP' }], source: '--trace-collector' })],
      [makeEndpoint({ hostname: UP_TRACES.collectorHost, servicePort: port, address, port, namespace: 'istio-system' })],
    );
    provider = otlp
      ? { name: UP_TRACES.providerName, opentelemetry: { service: UP_TRACES.collectorHost, port, http: { path: u.pathname } } }
      : { name: UP_TRACES.providerName, zipkin: { service: UP_TRACES.collectorHost, port, ...(path ? { path } : {}) } };
  } else {
    provider = { name: UP_TRACES.providerName, zipkin: { service: UP_TRACES.receiverHost, port: UP_TRACES.receiverServicePort } };
  }
  const mesh: Partial<MeshConfig> = {
    extensionProviders: [...DEFAULT_MESH.extensionProviders, provider],
    defaultProviders: { ...DEFAULT_MESH.defaultProviders, tracing: [UP_TRACES.providerName] },
    defaultTracing: { sampling },
  };
  return {
    mesh, registry, receiver: o.collector === undefined, sampling,
    ...(o.collector !== undefined ? { collector: o.collector } : {}),
    receiverListening(debugPort: number): void {
      if (o.collector !== undefined) return;
      const port = UP_TRACES.receiverServicePort;
      registry.set(
        [makeService({ hostname: UP_TRACES.receiverHost, namespace: 'istio-system', ports: [{ name: 'http-zipkin', port, protocol: 'HTTP' }], source: 'weft up trace receiver' })],
        [makeEndpoint({ hostname: UP_TRACES.receiverHost, servicePort: port, address: '127.0.0.1', port: debugPort, namespace: 'istio-system' })],
      );
    },
  };
}
