// The graph's TCP edges from istio_tcp_sent_bytes_total and
// istio_tcp_received_bytes_total: both directions added up, through queries
// a real Prometheus accepts (one rate() over both names is refused there).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph } from './graph.js';
import { MetricsStore } from './metrics-store.js';
import { EmbeddedQueryLayer } from './query-layer.js';

const T0 = 1_800_000_000_000;

test('TCP edges carry sent + received bytes per second, without a failed query', async () => {
  const store = new MetricsStore({ windowMs: 3_600_000, maxSeries: 100, maxSamples: 10_000 });
  const labels = {
    reporter: 'destination', source_workload: 'productpage-v1', source_workload_namespace: 'default',
    destination_service: 'mongodb.default.svc.cluster.local', destination_service_name: 'mongodb', destination_service_namespace: 'default',
    destination_workload: 'mongodb-v1', destination_workload_namespace: 'default', connection_security_policy: 'mutual_tls',
  };
  // Every 5 s for a minute: 100 bytes/s sent, 300 bytes/s received.
  for (let i = 0; i <= 12; i++) {
    store.append({ __name__: 'istio_tcp_sent_bytes_total', ...labels }, T0 + i * 5000, 500 * i);
    store.append({ __name__: 'istio_tcp_received_bytes_total', ...labels }, T0 + i * 5000, 1500 * i);
  }
  const g = await buildGraph(new EmbeddedQueryLayer(store, {}, () => T0 + 60_000), '1m', [], T0 + 60_000);
  assert.equal(g.warnings, undefined, JSON.stringify(g.warnings));
  const tcp = g.edges.filter((e) => e.protocol === 'tcp').map((e) => [e.id, e.tcpBytesPerSec, e.mtls]);
  assert.deepEqual(tcp, [
    ['svc:mongodb.default.svc.cluster.local->wl:default/mongodb-v1#tcp', 400, 'mutual_tls'],
    ['wl:default/productpage-v1->svc:mongodb.default.svc.cluster.local#tcp', 400, 'mutual_tls'],
  ]);
});
