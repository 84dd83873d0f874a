// A request the client sidecar's fault filter aborts (a VirtualService fault
// abort) never reaches the router, yet its source-reported series names the
// route's cluster's service (destination_service from the cluster's istio
// metadata), not the Host header: the route's cluster is resolved before the
// filters run, as Envoy's route cache does. The access log's
// %UPSTREAM_CLUSTER% shows the same cluster.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metadataExchangeFilter, statsFilter } from '../../src/control/translate/telemetry-filters.js';
import { parsePrometheusText } from '../../src/stats/prometheus-text-parser.js';
import { startMesh, SVC, type Mesh } from '../helpers/istio-sidecars.js';
import { request } from '../helpers/proxy-harness.js';

/** Envoy's fault filter as Istio writes it for an HTTPFaultInjection.abort, here applied to requests with `x-abort`. */
const FAULT = {
  name: 'envoy.filters.http.fault',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { http_status: 503, percentage: { numerator: 100, denominator: 'HUNDRED' } },
    headers: [{ name: 'x-abort', present_match: true }],
  },
};

describe('istio.stats on a fault-aborted request', { timeout: 20_000 }, () => {
  let mesh: Mesh;

  before(async () => {
    mesh = await startMesh({ client: { httpFilters: [metadataExchangeFilter('outbound'), FAULT, statsFilter(false)] } });
  });
  after(async () => mesh?.close());

  it('destination_service is the route cluster\'s service, for aborted and forwarded requests alike', async () => {
    const aborted = await request({ port: mesh.client.port(), path: '/reviews/1', headers: { host: 'reviews:9080', 'x-abort': '1' } });
    assert.equal(aborted.status, 503);
    assert.equal(aborted.body.toString(), 'fault filter abort');
    const ok = await request({ port: mesh.client.port(), path: '/reviews/1', headers: { host: 'reviews:9080' } });
    assert.equal(ok.status, 200);
    const fams = parsePrometheusText((await mesh.client.admin('/stats/prometheus')).body);
    const rows = (fams.get('istio_requests_total')?.samples ?? [])
      .filter((s) => s.labels.reporter === 'source')
      .map((s) => [s.labels.response_code, s.labels.response_flags, s.labels.destination_service, s.labels.destination_service_name, s.value])
      .sort();
    assert.deepEqual(rows, [['200', '-', SVC, 'reviews', 1], ['503', 'FI', SVC, 'reviews', 1]]);
  });
});
