// The admin API against a running proxy with real traffic: Envoy's paths,
// methods, status codes and output shapes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const NODE = 'node: { id: sidecar~10.0.0.1~web-1.default~default.svc.cluster.local, cluster: web.default }\n';

describe('admin API (in-process proxy, real traffic)', { timeout: 10_000 }, () => {
  let up: Upstream;
  let px: RunningProxy;
  const N = 3;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(NODE + bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    for (let i = 0; i < N; i++) assert.equal((await request({ port: px.port(), path: `/r${i}` })).status, 200);
  });
  after(async () => {
    await px.close();
    await up.close();
  });

  it('/ready is 200 LIVE once started', async () => {
    const r = await px.admin('/ready');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'LIVE\n');
  });

  it('/server_info is JSON with the state and the bootstrap node', async () => {
    const r = await px.admin('/server_info');
    assert.equal(r.status, 200);
    const info = JSON.parse(r.body) as { state: string; version: string; node: { id: string; cluster: string } };
    assert.equal(info.state, 'LIVE');
    assert.equal(info.node.id, 'sidecar~10.0.0.1~web-1.default~default.svc.cluster.local');
    assert.equal(info.node.cluster, 'web.default');
    assert.match(info.version, /\S/);
  });

  it('/stats is "name: value" text, sorted, with traffic counted', async () => {
    const r = await px.admin('/stats');
    assert.equal(r.status, 200);
    const counters = r.body.split('\n').filter((l) => l && !/P\d+\(/.test(l));
    for (const l of counters) assert.match(l, /^[\w.:-]+: -?\d+$/, l);
    const names = counters.map((l) => l.slice(0, l.indexOf(': ')));
    assert.deepEqual(names, [...names].sort(), 'Envoy prints stats sorted by name');
    assert.match(r.body, new RegExp(`^cluster\\.service1\\.upstream_rq_total: ${N}$`, 'm'));
    assert.match(r.body, new RegExp(`^http\\.ingress_http\\.downstream_rq_2xx: ${N}$`, 'm'));
    assert.match(r.body, new RegExp(`^listener\\.127\\.0\\.0\\.1_0\\.downstream_cx_total: ${N}$`, 'm'));
  });

  it('/stats?filter= keeps only names matching the regex', async () => {
    const r = await px.admin('/stats?filter=' + encodeURIComponent('^cluster\\.service1\\.upstream_rq_'));
    assert.equal(r.status, 200);
    const lines = r.body.split('\n').filter(Boolean);
    assert.ok(lines.length > 3, r.body);
    for (const l of lines) assert.match(l, /^cluster\.service1\.upstream_rq_/);
    assert.ok(lines.includes(`cluster.service1.upstream_rq_total: ${N}`), r.body);
  });

  it('/stats?usedonly hides stats that were never written', async () => {
    const all = (await px.admin('/stats?filter=service1')).body;
    const used = (await px.admin('/stats?usedonly&filter=service1')).body;
    assert.match(all, /^cluster\.service1\.upstream_rq_retry: 0$/m);
    assert.doesNotMatch(used, /^cluster\.service1\.upstream_rq_retry:/m);
    assert.match(used, new RegExp(`^cluster\\.service1\\.upstream_rq_total: ${N}$`, 'm'));
  });

  it('/stats?format=json is {stats:[{name,value}…]} with histograms', async () => {
    const r = await px.admin('/stats?format=json');
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body) as { stats: { name?: string; value?: number; histograms?: unknown }[] };
    const byName = new Map(j.stats.filter((s) => s.name).map((s) => [s.name!, s.value]));
    assert.equal(byName.get('cluster.service1.upstream_rq_total'), N);
    assert.equal(byName.get('http.ingress_http.downstream_rq_total'), N);
    assert.ok(j.stats.some((s) => s.histograms !== undefined), 'a histograms entry');
  });

  it('/stats with a bad parameter is 400', async () => {
    const r = await px.admin('/stats?format=xml');
    assert.equal(r.status, 400);
  });

  it('/config_dump has the bootstrap, static clusters and static listeners with @types', async () => {
    const r = await px.admin('/config_dump');
    assert.equal(r.status, 200);
    const d = JSON.parse(r.body) as { configs: Record<string, any>[] };
    const types = d.configs.map((c) => c['@type']);
    assert.deepEqual(types.slice(0, 3), [
      'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
    ]);
    const [b, c, l] = d.configs as [any, any, any];
    assert.equal(b.bootstrap.node.id, 'sidecar~10.0.0.1~web-1.default~default.svc.cluster.local');
    assert.equal(b.bootstrap.static_resources.clusters[0].name, 'service1');
    assert.equal(c.static_clusters.length, 1);
    assert.equal(c.static_clusters[0].cluster['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(c.static_clusters[0].cluster.name, 'service1');
    assert.equal(c.static_clusters[0].cluster.connect_timeout, '1s', 'Duration in proto3 JSON form');
    assert.match(c.static_clusters[0].last_updated, /^\d{4}-\d\d-\d\dT/);
    assert.equal(l.static_listeners[0].listener['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
    assert.equal(l.static_listeners[0].listener.name, 'listener_0');
    const filter = l.static_listeners[0].listener.filter_chains[0].filters[0];
    assert.equal(filter.typed_config['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    assert.equal(filter.typed_config.stat_prefix, 'ingress_http');
  });

  it('/config_dump?resource=static_clusters lists just the clusters', async () => {
    const r = await px.admin('/config_dump?resource=static_clusters');
    assert.equal(r.status, 200);
    const d = JSON.parse(r.body) as { configs: any[] };
    assert.equal(d.configs.length, 1);
    assert.equal(d.configs[0].cluster.name, 'service1');
    assert.equal(d.configs[0].cluster['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
  });

  it('/config_dump?resource= entries are Anys typed ClustersConfigDump.StaticCluster', async () => {
    const d = JSON.parse((await px.admin('/config_dump?resource=static_clusters')).body) as { configs: any[] };
    assert.equal(d.configs[0]['@type'], 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster');
  });

  it('/config_dump?resource=<unknown> is 404', async () => {
    const r = await px.admin('/config_dump?resource=no_such_field');
    assert.equal(r.status, 404);
  });

  it('/clusters text lists per-host counters and health', async () => {
    const r = await px.admin('/clusters');
    assert.equal(r.status, 200);
    const k = `service1::127.0.0.1:${up.port}`;
    const lines = r.body.split('\n');
    assert.ok(lines.includes(`${k}::rq_total::${N}`), r.body);
    assert.ok(lines.includes(`${k}::rq_success::${N}`), r.body);
    assert.ok(lines.includes(`${k}::health_flags::healthy`), r.body);
    assert.ok(lines.includes(`${k}::cx_total::1`), 'keep-alive pool reuses one upstream connection\n' + r.body);
    assert.ok(lines.includes('service1::default_priority::max_connections::1024'), r.body);
    assert.ok(lines.includes('service1::added_via_api::false'), r.body);
  });

  it('/clusters?format=json has cluster_statuses with host stats', async () => {
    const r = await px.admin('/clusters?format=json');
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body) as { cluster_statuses: any[] };
    const c = j.cluster_statuses.find((x) => x.name === 'service1');
    assert.ok(c, r.body);
    assert.equal(c.host_statuses.length, 1);
    const h = c.host_statuses[0];
    assert.deepEqual(h.address, { socket_address: { address: '127.0.0.1', port_value: up.port } });
    assert.equal(h.stats.find((s: any) => s.name === 'rq_total').value, String(N));
    assert.equal(h.health_status.eds_health_status, 'HEALTHY');
  });

  it('/listeners shows the bound port in text and JSON', async () => {
    const t = await px.admin('/listeners');
    assert.equal(t.status, 200);
    assert.equal(t.body, `listener_0::127.0.0.1:${px.port()}\n`);
    const j = JSON.parse((await px.admin('/listeners?format=json')).body);
    assert.deepEqual(j, { listener_statuses: [{ name: 'listener_0', local_address: { socket_address: { address: '127.0.0.1', port_value: px.port() } } }] });
  });

  it('/logging lists loggers; GET with a level is refused; POST changes every level', async () => {
    const list = await px.admin('/logging');
    assert.equal(list.status, 200);
    assert.match(list.body, /^active loggers:\n( {2}\S+: (trace|debug|info|warning|error|critical|off)\n)+$/);
    assert.equal((await px.admin('/logging?level=debug')).status, 405);
    const bad = await px.admin('/logging?level=loud', 'POST');
    assert.equal(bad.status, 400);
    const r = await px.admin('/logging?level=debug', 'POST');
    assert.equal(r.status, 200);
    const levels = [...r.body.matchAll(/^ {2}(\S+): (\S+)$/gm)].map((m) => m[2]);
    assert.ok(levels.length > 0);
    assert.ok(levels.every((l) => l === 'debug'), r.body);
    const one = await px.admin('/logging?upstream=warning', 'POST');
    assert.match(one.body, /^ {2}upstream: warning$/m);
    assert.match(one.body, /^ {2}http: debug$/m);
    await px.admin('/logging?level=error', 'POST');
  });

  it('an unknown path is 404 listing the endpoints', async () => {
    const r = await px.admin('/no/such/thing');
    assert.equal(r.status, 404);
    for (const e of ['/clusters', '/config_dump', '/ready', '/stats', '/stats/prometheus', '/quitquitquit']) assert.ok(r.body.includes(e), e);
  });

  it('mutating endpoints refuse GET with 405', async () => {
    for (const p of ['/healthcheck/fail', '/healthcheck/ok', '/drain_listeners', '/quitquitquit', '/reset_counters']) {
      assert.equal((await px.admin(p)).status, 405, p);
    }
    assert.equal((await px.admin('/ready')).status, 200, 'nothing changed');
  });
});

describe('admin: health check fail/ok, reset_counters', { timeout: 10_000 }, () => {
  let px: RunningProxy;
  let up: Upstream;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
  });
  after(async () => {
    await px.close();
    await up.close();
  });

  it('POST /healthcheck/fail and /healthcheck/ok answer 200 and traffic keeps flowing', async () => {
    assert.equal((await px.admin('/healthcheck/fail', 'POST')).status, 200);
    assert.equal(px.proxy.healthCheckFailed, true);
    assert.equal((await request({ port: px.port() })).status, 200, 'failing health checks does not stop traffic');
    assert.equal((await px.admin('/healthcheck/ok', 'POST')).status, 200);
    assert.equal(px.proxy.healthCheckFailed, false);
    assert.equal((await px.admin('/ready')).status, 200);
  });

  it('POST /reset_counters zeroes counters but keeps gauges', async () => {
    assert.equal((await request({ port: px.port() })).status, 200);
    assert.match((await px.admin('/stats?filter=^cluster\\.service1\\.upstream_rq_total$')).body, /: [1-9]/);
    assert.equal((await px.admin('/reset_counters', 'POST')).status, 200);
    assert.equal((await px.admin('/stats?filter=^cluster\\.service1\\.upstream_rq_total$')).body, 'cluster.service1.upstream_rq_total: 0\n');
    assert.equal((await px.admin('/stats?filter=^cluster\\.service1\\.membership_total$')).body, 'cluster.service1.membership_total: 1\n');
    assert.equal((await request({ port: px.port() })).status, 200);
    assert.equal((await px.admin('/stats?filter=^cluster\\.service1\\.upstream_rq_total$')).body, 'cluster.service1.upstream_rq_total: 1\n');
  });

  it('after /healthcheck/fail, /ready is 503 DRAINING and server.live is 0 (Envoy serverState)', async () => {
    await px.admin('/healthcheck/fail', 'POST');
    try {
      const r = await px.admin('/ready');
      assert.equal(r.status, 503);
      assert.equal(r.body, 'DRAINING\n');
      assert.equal((JSON.parse((await px.admin('/server_info')).body) as { state: string }).state, 'DRAINING');
      assert.match((await px.admin('/stats?filter=^server\\.live$')).body, /^server\.live: 0$/m);
    } finally {
      await px.admin('/healthcheck/ok', 'POST');
    }
  });
});
