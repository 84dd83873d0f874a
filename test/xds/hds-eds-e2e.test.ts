// HDS closes the loop end to end: weft's control plane asks one weft proxy
// (the checker) to health-check a service's endpoints; when a report says an
// endpoint is UNHEALTHY the control plane sends it as health_status UNHEALTHY
// in EDS, and a second weft proxy (a sidecar configured by the same control
// plane) stops routing to it, and routes to it again once it recovers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlane } from '../../src/control/control-plane.js';
import { makeEndpoint, makeService, StaticRegistry } from '../../src/control/ingest/index.js';
import { LogRegistry } from '../../src/common/log.js';
import { sidecarBootstrap } from '../../src/up/sidecar-bootstrap.js';
import { freePort } from '../../src/up/ports.js';
import { request, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';

const HOST = 'svc.default.svc.cluster.local';
const CLUSTER = `outbound|8080||${HOST}`;
const CHECKER = 'hds-checker';

/** An app answering its name; /healthz answers 200 or 503 as the test says. */
async function app(name: string): Promise<{ port: number; healthy: boolean; close(): Promise<void> }> {
  const u = { port: 0, healthy: true, close: async () => {} };
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(u.healthy ? 200 : 503).end();
    else res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  u.port = (server.address() as net.AddressInfo).port;
  u.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return u;
}

function checkerBootstrap(xdsPort: number): string {
  return JSON.stringify({
    node: { id: CHECKER, cluster: 'checkers' },
    hds_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
    static_resources: {
      clusters: [{
        name: 'xds-grpc', type: 'STATIC', connect_timeout: '1s',
        typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
        load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: xdsPort } } } }] }] },
      }],
    },
  });
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HDS → EDS: reported-unhealthy endpoints leave other proxies’ load balancing', { timeout: 20_000 }, () => {
  let a: Awaited<ReturnType<typeof app>>;
  let b: Awaited<ReturnType<typeof app>>;
  let dir: string;
  let cp: ControlPlane;
  let checker: RunningProxy;
  let sidecar: RunningProxy;
  let outbound: number;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  /** `n` requests through the sidecar's outbound HTTP proxy listener; who answered, counted. */
  const send = async (n: number): Promise<Record<string, number>> => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const r = await request({ port: outbound, path: '/', headers: { host: 'svc:8080' }, agent });
      const who = r.status === 200 ? r.body.toString() : `${r.status} ${String(r.headers['x-weft-error'])}`;
      seen[who] = (seen[who] ?? 0) + 1;
    }
    return seen;
  };
  const sidecarHostA = () => sidecar.proxy.ctx.clusters.get(CLUSTER)?.hosts.find((h) => h.port === a.port);

  before(async () => {
    a = await app('A');
    b = await app('B');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-hds-'));
    const registry = new StaticRegistry(
      [makeService({ hostname: HOST, namespace: 'default', ports: [{ name: 'http', port: 8080, protocol: 'HTTP' }] })],
      [a, b].map((u, i) => makeEndpoint({ hostname: HOST, servicePort: 8080, address: '127.0.0.1', port: u.port, labels: { app: 'svc' }, namespace: 'default', workload: `svc-${i}` })),
    );
    cp = new ControlPlane({ configDir: dir, registries: [registry], xdsAddress: '127.0.0.1:0', logs: new LogRegistry('off') });
    await cp.start();
    outbound = await freePort();
    const client = { name: 'client', namespace: 'default', serviceAccount: 'client', labels: { app: 'client' }, service: 'client', ports: [], command: [], env: {} };
    sidecar = await startProxy(JSON.stringify(sidecarBootstrap(client, { admin: 0, outbound, inbound: {}, app: {} }, cp.xdsPort)));
    await until('sidecar LIVE', () => sidecar.proxy.state === 'LIVE');
    checker = await startProxy(checkerBootstrap(cp.xdsPort));
  });
  after(async () => {
    agent.destroy();
    await sidecar.close();
    await checker.close();
    await cp.stop();
    await a.close();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('both endpoints serve while healthy', async () => {
    const FAST = { timeout: { seconds: 1 }, interval: { nanos: 50_000_000 }, no_traffic_interval: { nanos: 50_000_000 }, unhealthy_threshold: { value: 1 }, healthy_threshold: { value: 1 } };
    cp.enableHds({
      interval: { nanos: 50_000_000 },
      cluster_health_checks: [{
        cluster_name: CLUSTER,
        health_checks: [{ ...FAST, http_health_check: { path: '/healthz' } }],
        locality_endpoints: [{ endpoints: [a, b].map((u) => ({ address: { socket_address: { address: '127.0.0.1', port_value: u.port } } })) }],
      }],
    }, [CHECKER]);
    await until('the checker checks the service', () => checker.proxy.hds?.cluster(CLUSTER)?.hosts.every((h) => h.healthy) === true);
    const seen = await send(40);
    assert.ok((seen.A ?? 0) > 0 && (seen.B ?? 0) > 0, JSON.stringify(seen));
  });

  it('A reported UNHEALTHY → EDS says UNHEALTHY → all traffic to B', async () => {
    a.healthy = false;
    await until('the control plane marks A', () => cp.hdsUnhealthyEndpoints().includes(`127.0.0.1:${a.port}`));
    await until('the sidecar’s EDS marks A', () => sidecarHostA()?.healthFlags.has('failed_eds_health') === true);
    const seen = await send(50);
    assert.deepEqual(seen, { B: 50 });
  });

  it('A reported HEALTHY again → traffic returns to it', async () => {
    a.healthy = true;
    await until('the sidecar’s EDS clears A', () => sidecarHostA()?.healthy === true);
    assert.deepEqual(cp.hdsUnhealthyEndpoints(), []);
    const seen = await send(40);
    assert.ok((seen.A ?? 0) > 0 && (seen.B ?? 0) > 0, JSON.stringify(seen));
  });
});
