import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../common/clock.js';
import { DEFAULT_STATS_PARAMS, StatsStore, renderPrometheus } from '../../stats/index.js';
import { parsePrometheusText, type PromFamily } from '../../stats/prometheus-text-parser.js';
import { CLUSTER_TYPE_URL as CDS, SECRET_TYPE_URL, typeUrl } from '../../xds/type-urls.js';
import { Snapshot } from '../cache/snapshot.js';
import { metricType, PILOT_BUCKETS, proxyVersionOf } from './pilot-stats.js';
import { startHarness } from './xds-test-harness.js';
import { edsCluster, endpoints } from './xds-test-fixtures.js';

const node = { id: 'sidecar~10.0.0.5~a.default~default.svc.cluster.local', cluster: 'a', metadata: { ISTIO_VERSION: '1.22.0' } };

function scrape(store: StatsStore): Map<string, PromFamily> {
  return parsePrometheusText(renderPrometheus(store, DEFAULT_STATS_PARAMS));
}

function value(fams: Map<string, PromFamily>, sample: string, labels: Record<string, string>): number | undefined {
  const name = sample.replace(/_(bucket|sum|count)$/, '');
  const fam = fams.get(name);
  return fam?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

test('metricType: Istio\'s short names for the xDS types, the type name otherwise', () => {
  assert.equal(metricType(CDS), 'cds');
  assert.equal(metricType(SECRET_TYPE_URL), 'sds');
  assert.equal(metricType(typeUrl('envoy.config.core.v3.TypedExtensionConfig')), 'envoy.config.core.v3.TypedExtensionConfig');
});

test('proxyVersionOf: ISTIO_VERSION, then the build version, then unknown', () => {
  assert.equal(proxyVersionOf({ metadata: { ISTIO_VERSION: '1.2' } }), '1.2');
  assert.equal(proxyVersionOf({ user_agent_version: '0.1.0' }), '0.1.0');
  assert.equal(proxyVersionOf({}), 'unknown');
});

test('pilot_xds, pilot_xds_pushes, push time, config size, rejects and convergence with Istio\'s names, types and buckets', async (t) => {
  const stats = new StatsStore();
  const clock = new ManualClock();
  const h = await startHarness({ server: { stats, clock } });
  t.after(() => h.close());
  h.cache.setSnapshot(node.id, Snapshot.create('v1', { clusters: [edsCluster('c1')], endpoints: [endpoints('c1', ['10.0.0.1:80'])] }));
  const s = h.client.sotw();
  s.send({ node, type_url: CDS });
  const r1 = await s.next();
  await until(() => value(scrape(stats), 'pilot_xds_pushes', { type: 'cds' }) === 1);
  let f = scrape(stats);
  assert.equal(f.get('pilot_xds')!.type, 'gauge');
  assert.equal(value(f, 'pilot_xds', { version: '1.22.0' }), 1);
  assert.equal(f.get('pilot_xds_pushes')!.type, 'counter');
  assert.equal(f.get('pilot_xds_push_time')!.type, 'histogram');
  assert.deepEqual(f.get('pilot_xds_push_time')!.samples.filter((x) => x.name.endsWith('_bucket')).map((x) => x.labels.le),
    [...PILOT_BUCKETS.pushTime.map(String), '+Inf']);
  assert.equal(value(f, 'pilot_xds_config_size_bytes_count', { type: 'cds' }), 1);
  assert.ok(value(f, 'pilot_xds_config_size_bytes_sum', { type: 'cds' })! > 0);
  // The first config reached the proxy at once (manual clock): converged in 0 s.
  assert.equal(value(f, 'pilot_proxy_convergence_time_bucket', { le: '0.1' }), 1);

  // The proxy rejects v1: one reject of type cds.
  let done = h.processed();
  s.send({ type_url: CDS, version_info: '', response_nonce: r1.nonce, error_detail: { code: 3, message: 'bad cluster' } });
  await done;
  assert.equal(value(scrape(stats), 'pilot_total_xds_rejects', { type: 'cds' }), 1);

  // A push whose translation takes 1.5 s (manual clock) converges in 1.5 s: counted in le=3, not le=1.
  h.server.asPush(() => {
    clock.advance(1500);
    h.cache.setSnapshot(node.id, Snapshot.create('v2', { clusters: [edsCluster('c1'), edsCluster('c2')], endpoints: [endpoints('c1', ['10.0.0.1:80']), endpoints('c2', ['10.0.0.2:80'])] }));
  });
  const r2 = await s.next();
  assert.equal(r2.version_info, 'v2');
  await until(() => value(scrape(stats), 'pilot_xds_pushes', { type: 'cds' }) === 2);
  f = scrape(stats);
  assert.equal(value(f, 'pilot_proxy_convergence_time_count', {}), 2);
  assert.equal(value(f, 'pilot_proxy_convergence_time_bucket', { le: '1' }), 1);
  assert.equal(value(f, 'pilot_proxy_convergence_time_bucket', { le: '3' }), 2);

  done = h.processed();
  s.send({ type_url: CDS, version_info: 'v2', response_nonce: r2.nonce });
  await done;
  s.end();
  await until(() => value(scrape(stats), 'pilot_xds', { version: '1.22.0' }) === 0);
});
