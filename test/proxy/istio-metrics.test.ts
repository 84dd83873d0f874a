// Istio's standard metrics between two weft sidecars over real sockets:
//   node:http client ─► client sidecar (outbound, reporter=source)
//                   ─► server sidecar (inbound, reporter=destination) ─► app
// Both sidecars run the filters the control plane puts in their HCMs
// (telemetry-filters.ts). The metadata exchange headers cross between the
// sidecars and never reach the app or the client; each side's
// /stats/prometheus has Istio's series with the peer's labels.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metadataExchangeFilter, statsFilter } from '../../src/control/translate/telemetry-filters.js';
import { HTTP_LABELS } from '../../src/proxy/filters/istio-stats/defaults.js';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { bootstrap, request, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const SVC = 'reviews.default.svc.cluster.local';
const OUT_CLUSTER = `outbound|9080||${SVC}`;
const IN_CLUSTER = 'inbound|9080||';

function node(id: string, workload: string, labels: Record<string, string>, sa: string): string {
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

function sidecar(o: { statPrefix: string; cluster: string; port: number; direction: 'inbound' | 'outbound' }): string {
  const filters = `          - ${JSON.stringify(metadataExchangeFilter(o.direction))}
          - ${JSON.stringify(statsFilter(o.direction === 'inbound'))}`;
  return bootstrap({
    routes: `              - match: { prefix: "/" }
                route: { cluster: "${o.cluster}" }`,
    clusters: cluster(o.cluster, o.port),
    httpFilters: filters,
  }).replace('stat_prefix: ingress_http', `stat_prefix: ${o.statPrefix}`);
}

/** Samples named `name` (a family, or a histogram's `_bucket`/`_sum`/`_count`) whose labels include `match`. */
function series(fams: Map<string, PromFamily>, name: string, match: Record<string, string>) {
  const family = name.replace(/_(bucket|sum|count)$/, '');
  const fam = fams.get(name) ?? fams.get(family);
  return (fam?.samples ?? []).filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

describe('istio.stats between two sidecars', { timeout: 20_000 }, () => {
  let app: Upstream;
  let server: RunningProxy;
  let client: RunningProxy;
  let clientFams: Map<string, PromFamily>;
  let serverFams: Map<string, PromFamily>;
  const responses: { status: number; headers: Record<string, unknown> }[] = [];

  before(async () => {
    app = await startUpstream('reviews', (req, _body, res) => {
      res.statusCode = req.url === '/fail' ? 503 : 200;
      res.end('x'.repeat(req.url === '/fail' ? 10 : 700));
    });
    server = await startProxy(node('sidecar~127.0.0.2~reviews-v2-1.default~default.svc.cluster.local', 'reviews-v2', { app: 'reviews', version: 'v2' }, 'bookinfo-reviews')
      + sidecar({ statPrefix: 'inbound_0.0.0.0_9080', cluster: IN_CLUSTER, port: app.port, direction: 'inbound' }));
    client = await startProxy(node('sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local', 'productpage-v1', { app: 'productpage', version: 'v1' }, 'bookinfo-productpage')
      + sidecar({ statPrefix: 'outbound_0.0.0.0_9080', cluster: OUT_CLUSTER, port: server.port(), direction: 'outbound' }));
    for (let i = 0; i < 3; i++) {
      const r = await request({ port: client.port(), path: '/reviews/1', host: undefined, headers: { host: 'reviews:9080' } });
      responses.push({ status: r.status, headers: r.headers });
    }
    const f = await request({ port: client.port(), path: '/fail', method: 'POST', body: 'abc', headers: { host: 'reviews:9080' } });
    responses.push({ status: f.status, headers: f.headers });
    clientFams = parsePrometheusText((await client.admin('/stats/prometheus')).body);
    serverFams = parsePrometheusText((await server.admin('/stats/prometheus')).body);
  });

  after(async () => {
    await client?.close();
    await server?.close();
    await app?.close();
  });

  it('the exchange headers reach neither the app nor the client', () => {
    assert.equal(app.requests.length, 4);
    for (const r of app.requests) {
      assert.equal(r.headers['x-envoy-peer-metadata'], undefined);
      assert.equal(r.headers['x-envoy-peer-metadata-id'], undefined);
    }
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 503]);
    for (const r of responses) {
      assert.equal(r.headers['x-envoy-peer-metadata'], undefined);
      assert.equal(r.headers['x-envoy-peer-metadata-id'], undefined);
    }
  });

  it('the server sidecar reports reporter=destination with the client workload as source', () => {
    const ok = series(serverFams, 'istio_requests_total', { reporter: 'destination', response_code: '200' });
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.value, 3);
    assert.deepEqual(Object.keys(ok[0]!.labels), [...HTTP_LABELS], 'Istio\'s labels, in Istio\'s order');
    assert.deepEqual(ok[0]!.labels, {
      reporter: 'destination',
      source_workload: 'productpage-v1', source_canonical_service: 'productpage', source_canonical_revision: 'v1',
      source_workload_namespace: 'default', source_principal: 'unknown', source_app: 'productpage', source_version: 'v1', source_cluster: 'Kubernetes',
      destination_workload: 'reviews-v2', destination_workload_namespace: 'default', destination_principal: 'unknown',
      destination_app: 'reviews', destination_version: 'v2', destination_service: SVC, destination_canonical_service: 'reviews',
      destination_canonical_revision: 'v2', destination_service_name: 'reviews', destination_service_namespace: 'default', destination_cluster: 'Kubernetes',
      request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'none',
    });
    const failed = series(serverFams, 'istio_requests_total', { reporter: 'destination', response_code: '503' });
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.value, 1);
  });

  it('the client sidecar reports reporter=source with the server workload as destination', () => {
    const ok = series(clientFams, 'istio_requests_total', { reporter: 'source', response_code: '200' });
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.value, 3);
    assert.deepEqual(Object.keys(ok[0]!.labels), [...HTTP_LABELS]);
    assert.deepEqual(ok[0]!.labels, {
      reporter: 'source',
      source_workload: 'productpage-v1', source_canonical_service: 'productpage', source_canonical_revision: 'v1',
      source_workload_namespace: 'default', source_principal: 'unknown', source_app: 'productpage', source_version: 'v1', source_cluster: 'Kubernetes',
      destination_workload: 'reviews-v2', destination_workload_namespace: 'default', destination_principal: 'unknown',
      destination_app: 'reviews', destination_version: 'v2', destination_service: SVC, destination_canonical_service: 'reviews',
      destination_canonical_revision: 'v2', destination_service_name: 'reviews', destination_service_namespace: 'default', destination_cluster: 'Kubernetes',
      request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'unknown',
    });
  });

  it('duration and size histograms count every request, with Envoy\'s default buckets', () => {
    for (const fams of [clientFams, serverFams]) {
      for (const h of ['istio_request_duration_milliseconds', 'istio_request_bytes', 'istio_response_bytes']) {
        assert.equal(fams.get(h)?.type, 'histogram', h);
        const counts = series(fams, `${h}_count`, {});
        assert.equal(counts.reduce((a, s) => a + s.value, 0), 4, h);
        const les = series(fams, `${h}_bucket`, { response_code: '200' }).map((s) => s.labels.le);
        assert.deepEqual(les, ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf']);
      }
      // 3 responses of 700 bytes: none in le=500, all in le=1000
      assert.equal(series(fams, 'istio_response_bytes_bucket', { response_code: '200', le: '500' })[0]!.value, 0);
      assert.equal(series(fams, 'istio_response_bytes_bucket', { response_code: '200', le: '1000' })[0]!.value, 3);
      assert.equal(series(fams, 'istio_request_bytes_sum', { response_code: '503' })[0]!.value, 3);
    }
  });
});
