// Istio's standard metrics between two weft sidecars over real sockets:
//   node:http client ─► client sidecar (outbound, reporter=source)
//                   ─► server sidecar (inbound, reporter=destination) ─► app
// Both sidecars run the filters the control plane puts in their HCMs
// (telemetry-filters.ts). The metadata exchange headers cross between the
// sidecars and never reach the app or the client; each side's
// /stats/prometheus has Istio's series with the peer's labels.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HTTP_LABELS } from '../../src/proxy/filters/istio-stats/defaults.js';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { startMesh, SVC, type Mesh } from '../helpers/istio-sidecars.js';
import { request } from '../helpers/proxy-harness.js';

/** Samples named `name` (a family, or a histogram's `_bucket`/`_sum`/`_count`) whose labels include `match`. */
function series(fams: Map<string, PromFamily>, name: string, match: Record<string, string>) {
  const family = name.replace(/_(bucket|sum|count)$/, '');
  const fam = fams.get(name) ?? fams.get(family);
  return (fam?.samples ?? []).filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Both sides agree on who called whom; only the reporter and what each side knows of the security policy differ. */
function expectedLabels(reporter: string, connectionSecurityPolicy: string): Record<string, string> {
  return {
    reporter,
    source_workload: 'productpage-v1', source_canonical_service: 'productpage', source_canonical_revision: 'v1',
    source_workload_namespace: 'default', source_principal: 'unknown', source_app: 'productpage', source_version: 'v1', source_cluster: 'Kubernetes',
    destination_workload: 'reviews-v2', destination_workload_namespace: 'default', destination_principal: 'unknown',
    destination_app: 'reviews', destination_version: 'v2', destination_service: SVC, destination_canonical_service: 'reviews',
    destination_canonical_revision: 'v2', destination_service_name: 'reviews', destination_service_namespace: 'default', destination_cluster: 'Kubernetes',
    request_protocol: 'http', response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: connectionSecurityPolicy,
  };
}

describe('istio.stats between two sidecars', { timeout: 20_000 }, () => {
  let mesh: Mesh;
  let clientFams: Map<string, PromFamily>;
  let serverFams: Map<string, PromFamily>;
  const responses: { status: number; headers: Record<string, unknown> }[] = [];

  before(async () => {
    mesh = await startMesh();
    const { client, server } = mesh;
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
    await mesh?.close();
  });

  it('the exchange headers reach neither the app nor the client', () => {
    assert.equal(mesh.app.requests.length, 4);
    for (const r of mesh.app.requests) {
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
    assert.deepEqual(ok[0]!.labels, expectedLabels('destination', 'none'));
    const failed = series(serverFams, 'istio_requests_total', { reporter: 'destination', response_code: '503' });
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.value, 1);
  });

  it('the client sidecar reports reporter=source with the server workload as destination', () => {
    const ok = series(clientFams, 'istio_requests_total', { reporter: 'source', response_code: '200' });
    assert.equal(ok.length, 1);
    assert.equal(ok[0]!.value, 3);
    assert.deepEqual(Object.keys(ok[0]!.labels), [...HTTP_LABELS]);
    assert.deepEqual(ok[0]!.labels, expectedLabels('source', 'unknown'));
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
