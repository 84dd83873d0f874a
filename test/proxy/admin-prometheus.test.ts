// /stats/prometheus after real traffic, parsed with the strict text-format
// parser: Envoy's metric names and tag-extracted labels, so Prometheus
// scrape configs and dashboards written for Envoy work against weft.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { bootstrap, closedPort, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

function sample(fams: Map<string, PromFamily>, family: string, labels: Record<string, string>, name = family): number | undefined {
  const f = fams.get(family);
  const s = f?.samples.find((x) => x.name === name && Object.keys(labels).length === Object.keys(x.labels).filter((k) => k !== 'le').length && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

describe('admin: /stats/prometheus', { timeout: 10_000 }, () => {
  let up: Upstream;
  let px: RunningProxy;
  const OK = 4;
  const C = { envoy_cluster_name: 'service1' };
  const H = { envoy_http_conn_manager_prefix: 'ingress_http' };
  before(async () => {
    up = await startUpstream('service1');
    const dead = await closedPort();
    px = await startProxy(bootstrap({
      routes: `              - match: { prefix: "/ok" }
                route: { cluster: service1 }
              - match: { prefix: "/dead" }
                route: { cluster: dead }`,
      clusters: staticCluster('service1', [up.port]) + staticCluster('dead', [dead]),
    }));
    for (let i = 0; i < OK; i++) assert.equal((await request({ port: px.port(), path: '/ok' })).status, 200);
    assert.equal((await request({ port: px.port(), path: '/nowhere' })).status, 404);
    assert.equal((await request({ port: px.port(), path: '/dead' })).status, 503);
  });
  after(async () => {
    await px.close();
    await up.close();
  });

  it('is valid text exposition 0.0.4 with the right content type', async () => {
    const r = await request({ port: px.adminPort, path: '/stats/prometheus' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const fams = parsePrometheusText(r.body.toString());
    assert.ok(fams.size > 20);
    for (const f of fams.values()) assert.match(f.name, /^envoy_/, f.name);
  });

  it('carries cluster stats with envoy_cluster_name and code labels', async () => {
    const fams = parsePrometheusText((await px.admin('/stats/prometheus')).body);
    assert.equal(fams.get('envoy_cluster_upstream_rq_total')?.type, 'counter');
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq_total', C), OK);
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq', { envoy_response_code: '200', ...C }), OK);
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq_xx', { envoy_response_code_class: '2', ...C }), OK);
    assert.equal(sample(fams, 'envoy_cluster_upstream_cx_connect_fail', { envoy_cluster_name: 'dead' }), 1);
    assert.equal(fams.get('envoy_cluster_upstream_cx_active')?.type, 'gauge');
    assert.equal(sample(fams, 'envoy_cluster_membership_healthy', C), 1);
  });

  it('charges the local 503 of a connect failure to the cluster (upstream_rq_5xx)', async () => {
    const fams = parsePrometheusText((await px.admin('/stats/prometheus')).body);
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq_xx', { envoy_response_code_class: '5', envoy_cluster_name: 'dead' }), 1);
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq', { envoy_response_code: '503', envoy_cluster_name: 'dead' }), 1);
  });

  it('carries connection manager stats with envoy_http_conn_manager_prefix', async () => {
    const fams = parsePrometheusText((await px.admin('/stats/prometheus')).body);
    assert.equal(sample(fams, 'envoy_http_downstream_rq_xx', { envoy_response_code_class: '2', ...H }), OK);
    assert.equal(sample(fams, 'envoy_http_downstream_rq_xx', { envoy_response_code_class: '4', ...H }), 1);
    assert.equal(sample(fams, 'envoy_http_downstream_rq_xx', { envoy_response_code_class: '5', ...H }), 1);
    assert.equal(sample(fams, 'envoy_http_downstream_rq_total', H), OK + 2);
    assert.equal(sample(fams, 'envoy_http_no_route', H), 1);
    assert.equal(sample(fams, 'envoy_listener_downstream_cx_total', { envoy_listener_address: '127.0.0.1_0' }), OK + 2);
    assert.equal(sample(fams, 'envoy_server_live', {}), 1);
  });

  it('counts routed requests in http.<prefix>.rq_total (router stat)', async () => {
    const fams = parsePrometheusText((await px.admin('/stats/prometheus')).body);
    assert.equal(sample(fams, 'envoy_http_rq_total', H), OK + 2);
  });

  it('renders histograms with cumulative buckets whose count matches the traffic', async () => {
    const fams = parsePrometheusText((await px.admin('/stats/prometheus')).body);
    const f = fams.get('envoy_cluster_upstream_rq_time');
    assert.equal(f?.type, 'histogram');
    assert.equal(sample(fams, 'envoy_cluster_upstream_rq_time', C, 'envoy_cluster_upstream_rq_time_count'), OK);
    const inf = f!.samples.find((s) => s.name === 'envoy_cluster_upstream_rq_time_bucket' && s.labels.le === '+Inf' && s.labels.envoy_cluster_name === 'service1');
    assert.equal(inf?.value, OK);
    assert.equal(sample(fams, 'envoy_http_downstream_rq_time', H, 'envoy_http_downstream_rq_time_count'), OK + 2);
  });

  it('?usedonly and ?filter narrow the scrape; /stats?format=prometheus is the same exposition', async () => {
    const used = parsePrometheusText((await px.admin('/stats/prometheus?usedonly')).body);
    assert.equal(used.has('envoy_cluster_upstream_rq_retry'), false);
    assert.equal(sample(used, 'envoy_cluster_upstream_rq_total', C), OK);
    const filtered = parsePrometheusText((await px.admin('/stats/prometheus?filter=' + encodeURIComponent('upstream_rq_total'))).body);
    assert.deepEqual([...filtered.keys()], ['envoy_cluster_upstream_rq_total']);
    const viaStats = parsePrometheusText((await px.admin('/stats?format=prometheus&filter=upstream_rq_total')).body);
    assert.deepEqual(viaStats.get('envoy_cluster_upstream_rq_total')!.samples, filtered.get('envoy_cluster_upstream_rq_total')!.samples);
  });
});
