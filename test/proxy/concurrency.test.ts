// `weft proxy --concurrency 2` as a user runs it: two worker processes share
// the listeners (requests land on both, shown by each worker's counters),
// the admin shows the whole proxy (stats and /clusters summed), one ADS
// stream feeds both workers (a config change reaches each of them), and a
// worker that dies is restarted and counted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Snapshot, SnapshotCache } from '../../src/control/cache/index.js';
import { XdsServer } from '../../src/control/server/index.js';
import { bootstrap, request, staticCluster, startUpstream, type Upstream } from '../helpers/proxy-harness.js';
import { tempDir, waitUntil } from '../helpers/net-harness.js';
import { spawnProxy, within, type ChildProxy } from '../helpers/process-harness.js';

interface Workers {
  concurrency: number;
  restarts_total: number;
  xds_streams_opened: number;
  workers: { slot: number; pid: number | undefined; ready: boolean; restarts: number; downstream_cx_total: number; downstream_rq_total: number }[];
}

async function workers(px: ChildProxy): Promise<Workers> {
  const r = await px.admin('/weft/workers');
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Workers;
}

function statValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name.replace(/[.]/g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** `n` requests, each on a new connection (the primary hands connections out round-robin). */
async function requests(port: number, n: number, path = '/'): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await request({ port, path });
    out.push(`${r.status} ${r.body.toString()}`);
  }
  return out;
}

describe('weft proxy --concurrency 2 (static config)', { timeout: 30_000 }, () => {
  const tmp = tempDir();
  let up: Upstream;
  let px: ChildProxy;

  before(async () => {
    up = await startUpstream('service1');
    const file = tmp.file('bootstrap.yaml', bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    px = await spawnProxy(file, ['--concurrency', '2', '--drain-time-s', '1'], 20_000);
  });
  after(async () => {
    await px.kill();
    await up.close();
    tmp.cleanup();
  });

  it('requests spread over both workers; /stats and /clusters show their sum', async () => {
    const w0 = await workers(px);
    assert.equal(w0.concurrency, 2);
    assert.equal(w0.workers.length, 2);
    assert.ok(w0.workers.every((w) => w.ready && w.pid !== undefined));
    assert.notEqual(w0.workers[0]!.pid, w0.workers[1]!.pid);
    const out = await requests(px.port(), 20);
    assert.ok(out.every((x) => x === '200 service1 GET /'), out.join('\n'));
    const w = await workers(px);
    for (const x of w.workers) assert.ok(x.downstream_rq_total > 0, `worker ${x.slot} served none: ${JSON.stringify(w.workers)}`);
    assert.equal(w.workers.reduce((a, x) => a + x.downstream_rq_total, 0), 20);

    const stats = (await px.admin('/stats')).body;
    assert.equal(statValue(stats, 'http.ingress_http.downstream_rq_total'), 20);
    assert.equal(statValue(stats, 'cluster.service1.upstream_rq_total'), 20);
    assert.equal(statValue(stats, 'server.concurrency'), 2);
    // Histograms merge: the request-time histogram counts all 20.
    const prom = (await px.admin('/stats/prometheus')).body;
    assert.match(prom, /^envoy_http_downstream_rq_time_count\{envoy_http_conn_manager_prefix="ingress_http"\} 20$/m);
    assert.match(prom, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="service1"\} 20$/m);
    const clusters = (await px.admin('/clusters')).body;
    assert.match(clusters, new RegExp(`^service1::127\\.0\\.0\\.1:${up.port}::rq_total::20$`, 'm'));
    const cj = JSON.parse((await px.admin('/clusters?format=json')).body) as { cluster_statuses: { name: string; host_statuses: { stats: { name: string; value: string }[] }[] }[] };
    const rqTotal = cj.cluster_statuses.find((c) => c.name === 'service1')!.host_statuses[0]!.stats.find((s) => s.name === 'rq_total')!.value;
    assert.equal(rqTotal, '20');
    assert.equal((await px.admin('/ready')).status, 200);
    const info = JSON.parse((await px.admin('/server_info')).body) as { command_line_options: { concurrency: number } };
    assert.equal(info.command_line_options.concurrency, 2);
  });

  it('POST changes reach every worker (/healthcheck/fail turns /ready 503 in both)', async () => {
    assert.equal((await px.admin('/healthcheck/fail', 'POST')).status, 200);
    assert.equal((await px.admin('/ready')).status, 503);
    assert.equal((await px.admin('/healthcheck/ok', 'POST')).status, 200);
    assert.equal((await px.admin('/ready')).status, 200);
  });

  it('a killed worker is restarted, counted, and serves again', async () => {
    const before = await workers(px);
    const victim = before.workers[1]!;
    process.kill(victim.pid!, 'SIGKILL');
    await waitUntil(async () => {
      const w = await workers(px);
      return w.restarts_total === 1 && w.workers[1]!.ready && w.workers[1]!.pid !== victim.pid;
    }, 'worker 1 restarted', 10_000);
    const stats = (await px.admin('/stats')).body;
    assert.equal(statValue(stats, 'server.worker_restarts'), 1);
    assert.match(px.stderr(), /worker 1 \(pid \d+\) exited \(SIGKILL\); restarting/);
    const out = await requests(px.port(), 10);
    assert.ok(out.every((x) => x === '200 service1 GET /'), out.join('\n'));
    const w = await workers(px);
    assert.ok(w.workers[1]!.downstream_rq_total > 0, 'the restarted worker takes connections');
  });

  it('SIGTERM drains every worker and the primary exits 0', async () => {
    const pids = (await workers(px)).workers.map((w) => w.pid!);
    px.child.kill('SIGTERM');
    const exit = await within(px.exited, 8000, 'primary exit');
    assert.deepEqual(exit, { code: 0, signal: null });
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still running`);
  });
});

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const ADS = { ads: {}, resource_api_version: 'V3' };
const xdsListener = {
  name: 'ingress',
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
    '@type': HCM, stat_prefix: 'ingress', rds: { route_config_name: 'routes', config_source: ADS },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
  } }] }],
};
const xdsRoutes = (cluster: string) => ({ name: 'routes', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] });
const edsCluster = (name: string) => ({ name, type: 'EDS', connect_timeout: { seconds: 1, nanos: 0 }, eds_cluster_config: { eds_config: ADS, service_name: name } });
const cla = (name: string, port: number) => ({ cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] });

for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
  describe(`weft proxy --concurrency 2 over ADS (${apiType})`, { timeout: 40_000 }, () => {
    const tmp = tempDir();
    let a: Upstream;
    let b: Upstream;
    let server: XdsServer;
    let cache: SnapshotCache;
    let px: ChildProxy;
    let v = 0;
    const push = (cluster: string, port: number) => cache.setSnapshot('sidecar-1', Snapshot.create(`v${++v}`, { listeners: [xdsListener], routes: [xdsRoutes(cluster)], clusters: [edsCluster(cluster)], endpoints: [cla(cluster, port)] }));
    let port = 0;

    before(async () => {
      a = await startUpstream('A');
      b = await startUpstream('B');
      cache = new SnapshotCache();
      server = new XdsServer({ cache });
      const xdsPort = await server.listen('127.0.0.1:0');
      push('svc-a', a.port);
      const file = tmp.file('bootstrap.json', JSON.stringify({
        node: { id: 'sidecar-1', cluster: 'test' },
        admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
        dynamic_resources: { ads_config: { api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] }, lds_config: ADS, cds_config: ADS },
        static_resources: { clusters: [{
          name: 'xds_cluster', type: 'STATIC', connect_timeout: '1s',
          typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
          load_assignment: { cluster_name: 'xds_cluster', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
        }] },
      }));
      px = await spawnProxy(file, ['--concurrency', '2', '--drain-time-s', '1'], 20_000);
      await waitUntil(async () => (await px.admin('/ready')).status === 200, 'LIVE in both workers', 15_000);
      const ls = JSON.parse((await px.admin('/listeners?format=json')).body) as { listener_statuses: { name: string; local_address: { socket_address: { port_value: number } } }[] };
      port = ls.listener_statuses.find((l) => l.name === 'ingress')!.local_address.socket_address.port_value;
    });
    after(async () => {
      await px.kill();
      await server.close();
      await a.close();
      await b.close();
      tmp.cleanup();
    });

    it('one ADS stream for the proxy; both workers serve the pushed config, and a change reaches both', async () => {
      assert.equal(server.status().length, 1, 'one xDS connection for the whole proxy');
      let out = await requests(port, 10, '/x');
      assert.ok(out.every((x) => x === '200 A GET /x'), out.join('\n'));
      push('svc-b', b.port);
      // Each connection lands on the next worker: 10 in a row all on B means both workers switched.
      await waitUntil(async () => (await requests(port, 10, '/x')).every((x) => x === '200 B GET /x'), 'both workers on svc-b', 10_000);
      const w = await workers(px);
      for (const x of w.workers) assert.ok(x.downstream_rq_total > 0, `worker ${x.slot} served none`);
      assert.equal(server.status().length, 1);
      out = await requests(port, 4, '/y');
      assert.ok(out.every((x) => x === '200 B GET /y'), out.join('\n'));
    });

    it('a restarted worker gets the whole config again over the one stream', async () => {
      const before = await workers(px);
      process.kill(before.workers[0]!.pid!, 'SIGKILL');
      await waitUntil(async () => {
        const w = await workers(px);
        return w.restarts_total === 1 && w.workers.every((x) => x.ready);
      }, 'worker 0 restarted', 10_000);
      await waitUntil(async () => (await px.admin('/ready')).status === 200, 'LIVE again', 10_000).catch((e: Error) => { throw new Error(e.message + px.stderr()); });
      const w = await workers(px);
      assert.ok(w.xds_streams_opened >= 2, 'the stream was reopened for the new worker');
      const out = await requests(port, 10, '/z');
      assert.ok(out.every((x) => x === '200 B GET /z'), out.join('\n'));
      await waitUntil(() => server.status().length === 1, 'one xDS connection after the resync', 5000);
    });
  });
}
