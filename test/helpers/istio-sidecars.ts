// Two weft sidecars with Istio's telemetry filters in front of one app, as in
// a mesh: client ─► client sidecar (outbound) ─► server sidecar (inbound) ─► app.
// The filters are the ones the control plane puts in sidecar HCMs.
import { metadataExchangeFilter, statsFilter } from '../../src/control/translate/telemetry-filters.js';
import { bootstrap, startProxy, startUpstream, type RunningProxy, type Upstream } from './proxy-harness.js';

export const SVC = 'reviews.default.svc.cluster.local';
const OUT_CLUSTER = `outbound|9080||${SVC}`;
const IN_CLUSTER = 'inbound|9080||';

/** The node block of an Istio sidecar's bootstrap (the metadata Istio's filters read). */
export function sidecarNode(id: string, workload: string, labels: Record<string, string>, sa: string): string {
  return `node:\n  id: ${JSON.stringify(id)}\n  cluster: ${workload}.default\n  metadata: ${JSON.stringify({ NAMESPACE: 'default', WORKLOAD_NAME: workload, CLUSTER_ID: 'Kubernetes', SERVICE_ACCOUNT: sa, LABELS: labels })}\n`;
}

function cluster(name: string, port: number): string {
  const meta = { filter_metadata: { istio: { services: [{ host: SVC, name: 'reviews', namespace: 'default' }] } } };
  return `  - name: "${name}"
    connect_timeout: 1s
    type: STATIC
    metadata: ${JSON.stringify(meta)}
    load_assignment:
      cluster_name: "${name}"
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }
`;
}

/** What a control plane translated for one sidecar's HCM: its HTTP filters before the router, and its access logs. */
export interface TranslatedHcm {
  readonly httpFilters: readonly unknown[];
  readonly accessLog?: readonly unknown[] | undefined;
}

function sidecar(o: { statPrefix: string; cluster: string; port: number; direction: 'inbound' | 'outbound'; hcm?: TranslatedHcm | undefined }): string {
  const list = o.hcm?.httpFilters ?? [metadataExchangeFilter(o.direction), statsFilter(o.direction === 'inbound')];
  const filters = list.map((f) => `          - ${JSON.stringify(f)}`).join('\n');
  return bootstrap({
    ...(o.hcm?.accessLog ? { hcmExtra: `          access_log: ${JSON.stringify(o.hcm.accessLog)}` } : {}),
    routes: `              - match: { prefix: "/" }
                route: { cluster: "${o.cluster}" }`,
    clusters: cluster(o.cluster, o.port),
    httpFilters: filters,
  }).replace('stat_prefix: ingress_http', `stat_prefix: ${o.statPrefix}`);
}

export interface Mesh {
  app: Upstream;
  /** productpage-v1's sidecar: send requests to its port(). */
  client: RunningProxy;
  /** reviews-v2's sidecar. */
  server: RunningProxy;
  close(): Promise<void>;
}

/**
 * The app answers 503 with 10 bytes on /fail, else 200 with 700 bytes.
 * `client`/`server`: the HCM contents a control plane translated (default:
 * the telemetry filters with Istio's defaults, no access log).
 */
export async function startMesh(o: { client?: TranslatedHcm; server?: TranslatedHcm } = {}): Promise<Mesh> {
  const app = await startUpstream('reviews', (req, _body, res) => {
    res.statusCode = req.url === '/fail' ? 503 : 200;
    res.end('x'.repeat(req.url === '/fail' ? 10 : 700));
  });
  const server = await startProxy(sidecarNode('sidecar~127.0.0.2~reviews-v2-1.default~default.svc.cluster.local', 'reviews-v2', { app: 'reviews', version: 'v2' }, 'bookinfo-reviews')
    + sidecar({ statPrefix: 'inbound_0.0.0.0_9080', cluster: IN_CLUSTER, port: app.port, direction: 'inbound', hcm: o.server }));
  const client = await startProxy(sidecarNode('sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local', 'productpage-v1', { app: 'productpage', version: 'v1' }, 'bookinfo-productpage')
    + sidecar({ statPrefix: 'outbound_0.0.0.0_9080', cluster: OUT_CLUSTER, port: server.port(), direction: 'outbound', hcm: o.client }));
  return {
    app, client, server,
    close: async () => {
      await client.close();
      await server.close();
      await app.close();
    },
  };
}
