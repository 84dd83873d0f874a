// HDS round trip: weft's xDS server hands a running weft proxy a
// HealthCheckSpecifier; the proxy checks real upstreams with its own active
// health checking and reports back; the server sees an upstream flip from
// healthy to unhealthy and back, follows specifier updates, and gets reports
// again after it restarts.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SnapshotCache } from '../../src/control/cache/index.js';
import { LogRegistry } from '../../src/common/log.js';
import { XdsServer, type EndpointHealthResponse, type HealthCheckSpecifier } from '../../src/control/server/index.js';
import { closedPort, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';

const NODE = 'hds-checker';

/** An HTTP upstream whose /healthz answers 200 or 503 as the test says. */
async function flippable(): Promise<{ port: number; healthy: boolean; checks: number; close(): Promise<void> }> {
  const u = { port: 0, healthy: true, checks: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') u.checks++;
    res.writeHead(req.url === '/healthz' && !u.healthy ? 503 : 200).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  u.port = (server.address() as net.AddressInfo).port;
  u.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return u;
}

function bootstrapFor(xdsPort: number): string {
  return JSON.stringify({
    node: { id: NODE, cluster: 'checkers' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    hds_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
    static_resources: {
      clusters: [{
        name: 'xds_cluster', type: 'STATIC', connect_timeout: '1s',
        typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
        load_assignment: { cluster_name: 'xds_cluster', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
      }],
    },
  });
}

/** Fast checks: HDS clusters carry no traffic, so no_traffic_interval is the one that paces them (as in Envoy). */
const FAST = { timeout: { seconds: 1 }, interval: { nanos: 50_000_000 }, no_traffic_interval: { nanos: 50_000_000 }, unhealthy_threshold: { value: 1 }, healthy_threshold: { value: 1 } };
const ep = (port: number) => ({ address: { socket_address: { address: '127.0.0.1', port_value: port } } });

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HDS: weft proxy ↔ weft xDS server', { timeout: 20_000 }, () => {
  let a: Awaited<ReturnType<typeof flippable>>;
  let b: Awaited<ReturnType<typeof flippable>>;
  let dead: number;
  let server: XdsServer;
  let xdsPort: number;
  let px: RunningProxy;
  const reports: { node: string; report: EndpointHealthResponse }[] = [];
  const logLines: string[] = [];
  const spec = (ports: number[]): HealthCheckSpecifier => ({
    interval: { nanos: 100_000_000 },
    cluster_health_checks: [
      { cluster_name: 'svc', health_checks: [{ ...FAST, http_health_check: { path: '/healthz' } }], locality_endpoints: [{ locality: { zone: 'z1' }, endpoints: ports.map(ep) }] },
      { cluster_name: 'gone', health_checks: [{ ...FAST, tcp_health_check: {} }], locality_endpoints: [{ endpoints: [ep(dead)] }] },
    ],
  });
  const startServer = async (port = 0) => {
    server = new XdsServer({ cache: new SnapshotCache(), onHealthReport: (node, report) => reports.push({ node: node.id ?? '', report }) });
    xdsPort = await server.listen(`127.0.0.1:${port}`);
  };
  const statusOf = (cluster: string, port: number) => server.healthOf(cluster, `127.0.0.1:${port}`)?.status;

  before(async () => {
    a = await flippable();
    b = await flippable();
    dead = await closedPort();
    await startServer();
    server.setHealthCheckSpecifier(NODE, spec([a.port, b.port]));
    px = await startProxy(bootstrapFor(xdsPort), { logs: new LogRegistry('error', (l) => logLines.push(l)) });
  });
  after(async () => {
    await px.close();
    await server.close();
    await a.close();
    await b.close();
  });

  it('reports what the proxy’s checks see, per cluster and locality, and an upstream going unhealthy and back', async () => {
    await until('A and B healthy, the closed port unhealthy', () => statusOf('svc', a.port) === 'HEALTHY' && statusOf('svc', b.port) === 'HEALTHY' && statusOf('gone', dead) === 'UNHEALTHY');
    assert.ok(a.checks > 0 && b.checks > 0, 'the upstreams were really probed');
    const last = reports.at(-1)!;
    assert.equal(last.node, NODE);
    const svc = last.report.cluster_endpoints_health!.find((c) => c.cluster_name === 'svc')!;
    assert.deepEqual(svc.locality_endpoints_health!.map((l) => [l.locality, l.endpoints_health!.map((e) => [e.endpoint!.address!.socket_address!.port_value, e.health_status])]),
      [[{ zone: 'z1' }, [[a.port, 'HEALTHY'], [b.port, 'HEALTHY']]]]);
    assert.equal(last.report.endpoints_health!.length, 3, 'the flat list Envoy also sends, for older servers');

    a.healthy = false;
    await until('A reported unhealthy', () => statusOf('svc', a.port) === 'UNHEALTHY');
    assert.equal(statusOf('svc', b.port), 'HEALTHY');
    a.healthy = true;
    await until('A healthy again', () => statusOf('svc', a.port) === 'HEALTHY');

    const stats = px.proxy.ctx.stats;
    assert.ok(stats.counter('hds_delegate.requests').value >= 1);
    assert.ok(stats.counter('hds_delegate.responses').value >= 3);
    assert.ok(stats.counter('cluster.svc.health_check.attempt').value >= 4);
  });

  it('a new specifier replaces what is checked; a refused one keeps the last good one running', async () => {
    server.setHealthCheckSpecifier(NODE, spec([b.port]));
    const n = reports.length;
    const svcPorts = (r: EndpointHealthResponse) => r.cluster_endpoints_health!.find((c) => c.cluster_name === 'svc')!.locality_endpoints_health!
      .flatMap((l) => l.endpoints_health!.map((e) => e.endpoint!.address!.socket_address!.port_value));
    await until('reports without A', () => reports.length > n && !svcPorts(reports.at(-1)!.report).includes(a.port));
    assert.deepEqual(px.proxy.hds!.clusterNames().sort(), ['gone', 'svc']);

    const errors = px.proxy.ctx.stats.counter('hds_delegate.errors').value;
    server.setHealthCheckSpecifier(NODE, { cluster_health_checks: [{ cluster_name: 'svc', health_checks: [{ ...FAST, timeout: undefined, http_health_check: { path: '/healthz' } }], locality_endpoints: [{ endpoints: [ep(a.port)] }] }] });
    await until('the bad specifier counted', () => px.proxy.ctx.stats.counter('hds_delegate.errors').value > errors);
    assert.ok(logLines.some((l) => l.includes('cluster_health_checks[0].health_checks[0].timeout: timeout is required')), logLines.join(''));
    const m = reports.length;
    await until('more reports', () => reports.length > m + 1);
    assert.deepEqual(svcPorts(reports.at(-1)!.report), [b.port], 'still the last good specifier');
  });

  it('reports resume after the server restarts (the proxy reconnects and asks again)', async () => {
    await server.close();
    await startServer(xdsPort);
    server.setHealthCheckSpecifier(NODE, spec([a.port]));
    await until('reports from the new server', () => statusOf('svc', a.port) === 'HEALTHY', 10_000);
  });
});
