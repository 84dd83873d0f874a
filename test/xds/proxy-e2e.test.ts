// weft proxy configured over ADS by weft's xDS server: config changes under
// continuous load (zero failed requests), NACK keeps the last good config,
// and a control plane restart changes nothing for traffic.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Snapshot, SnapshotCache } from '../../src/control/cache/index.js';
import { XdsServer } from '../../src/control/server/index.js';
import { startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const ADS = { ads: {}, resource_api_version: 'V3' };

function listener(name: string) {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          stat_prefix: name,
          rds: { route_config_name: 'routes', config_source: ADS },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      }],
    }],
  };
}

function routes(entries: { prefix: string; cluster: string }[], badRegex = false) {
  return {
    name: 'routes',
    virtual_hosts: [{
      name: 'all',
      domains: ['*'],
      routes: entries.map((e) => ({ match: badRegex ? { safe_regex: { regex: '(?<=x)y' } } : { prefix: e.prefix }, route: { cluster: e.cluster } })),
    }],
  };
}

const cluster = (name: string) => ({ name, type: 'EDS', connect_timeout: { seconds: 1, nanos: 0 }, eds_cluster_config: { eds_config: ADS, service_name: name } });
const cla = (name: string, ports: number[]) => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
});

function bootstrapFor(xdsPort: number, apiType: 'GRPC' | 'DELTA_GRPC'): string {
  return JSON.stringify({
    node: { id: 'sidecar-1', cluster: 'test' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: {
      ads_config: { api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
      lds_config: ADS,
      cds_config: ADS,
    },
    static_resources: {
      clusters: [{
        name: 'xds_cluster', type: 'STATIC', connect_timeout: '1s',
        typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
        load_assignment: { cluster_name: 'xds_cluster', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
      }],
    },
  });
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends requests back to back on keep-alive connections until stopped; records every outcome. */
function load(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const results: { status: number; body: string; err?: string }[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/a', agent }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => {
            results.push({ status: res.statusCode ?? 0, body: res.statusCode === 200 ? body : `${body} [${String(res.headers['x-weft-error'])}]` });
            resolve();
          });
        });
        req.on('error', (e) => {
          results.push({ status: 0, body: '', err: e.message });
          resolve();
        });
      });
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

for (const apiType of ['GRPC', 'DELTA_GRPC'] as const) {
  describe(`proxy over ADS (${apiType})`, { timeout: 30_000 }, () => {
    let a: Upstream;
    let b: Upstream;
    let server: XdsServer;
    let cache: SnapshotCache;
    let px: RunningProxy;
    let xdsPort: number;
    let v = 0;
    const push = (input: Parameters<typeof Snapshot.create>[1]) => cache.setSnapshot('sidecar-1', Snapshot.create(`v${++v}`, input));

    before(async () => {
      a = await startUpstream('A');
      b = await startUpstream('B');
      cache = new SnapshotCache();
      server = new XdsServer({ cache });
      xdsPort = await server.listen('127.0.0.1:0');
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-a' }])], clusters: [cluster('svc-a')], endpoints: [cla('svc-a', [a.port])] });
      px = await startProxy(bootstrapFor(xdsPort, apiType));
      await until('LIVE', () => px.proxy.state === 'LIVE');
    });
    after(async () => {
      await px.close();
      await server.close();
      await a.close();
      await b.close();
    });

    it('/ready is LIVE only after the first config, and traffic follows it', async () => {
      assert.equal((await px.admin('/ready')).status, 200);
      const port = px.port('ingress');
      const r = await fetch(`http://127.0.0.1:${port}/a`);
      assert.equal(r.status, 200, `${r.status} ${r.headers.get('x-weft-error')}`);
      assert.equal(await r.text(), 'A GET /a');
      const dump = JSON.parse((await px.admin('/config_dump')).body) as { configs: { dynamic_listeners?: { name: string }[]; dynamic_active_clusters?: { version_info: string }[] }[] };
      assert.ok(dump.configs.some((c) => c.dynamic_listeners?.some((l) => l.name === 'ingress')));
      assert.ok(dump.configs.some((c) => c.dynamic_active_clusters?.some((x) => x.version_info.length > 0)));
    });

    it('route, endpoint and cluster changes under continuous load fail no request', async () => {
      const port = px.port('ingress');
      const l = load(port);
      await until('some traffic', () => l.results.length > 50);
      // 1. New endpoint: svc-a now has A and B.
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-a' }])], clusters: [cluster('svc-a')], endpoints: [cla('svc-a', [a.port, b.port])] });
      await until('B serving', () => l.results.some((x) => x.body === 'B GET /a'));
      // 2. New cluster and route: /a goes to svc-b (B only).
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/a', cluster: 'svc-b' }, { prefix: '/', cluster: 'svc-a' }])], clusters: [cluster('svc-a'), cluster('svc-b')], endpoints: [cla('svc-a', [a.port, b.port]), cla('svc-b', [b.port])] });
      const mark = l.results.length;
      await until('route to svc-b', () => l.results.length > mark + 100 && l.results.slice(-50).every((x) => x.body === 'B GET /a'));
      // 3. Remove svc-a entirely.
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-b' }])], clusters: [cluster('svc-b')], endpoints: [cla('svc-b', [b.port])] });
      await until('svc-a removed', () => px.proxy.ctx.clusters.get('svc-a') === undefined);
      const n = l.results.length;
      await until('more traffic', () => l.results.length > n + 100);
      await l.stop();
      const failed = l.results.filter((x) => x.status !== 200);
      assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 5))} of ${l.results.length}`);
    });

    it('a rejected resource is NACKed with its message and the previous config keeps serving', async () => {
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-b' }], true)], clusters: [cluster('svc-b')], endpoints: [cla('svc-b', [b.port])] });
      await until('NACK recorded', () => server.status().some((s) => s.types.some((t) => t.lastNack?.message.includes('safe_regex'))));
      const nack = server.status().flatMap((s) => s.types).find((t) => t.lastNack)!.lastNack!;
      // error_detail carries each issue as `[code] path: message`.
      assert.match(nack.message, /\[WEFT_CFG_INVALID_VALUE\] RDS\[routes\]\.virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: /);
      const r = await fetch(`http://127.0.0.1:${px.port('ingress')}/a`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'B GET /a');
    });

    it('the control plane killed and restarted under load: no failed request, config resumes', async () => {
      const good = { listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-b' }])], clusters: [cluster('svc-b')], endpoints: [cla('svc-b', [b.port])] };
      push(good);
      const l = load(px.port('ingress'));
      await until('traffic', () => l.results.length > 50);
      await server.close();
      const n = l.results.length;
      await until('traffic while the control plane is down', () => l.results.length > n + 200);
      // Restart on the same port with a changed config: /a → svc-a (A).
      cache = new SnapshotCache();
      server = new XdsServer({ cache });
      await server.listen(`127.0.0.1:${xdsPort}`);
      push({ listeners: [listener('ingress')], routes: [routes([{ prefix: '/', cluster: 'svc-a' }])], clusters: [cluster('svc-a')], endpoints: [cla('svc-a', [a.port])] });
      await until('config after reconnect', () => l.results.slice(-20).length === 20 && l.results.slice(-20).every((x) => x.body === 'A GET /a'), 20_000);
      await l.stop();
      const failed = l.results.filter((x) => x.status !== 200);
      assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 5))} of ${l.results.length}`);
    });
  });
}
