// Proxyless gRPC through weft's control plane: a real @grpc/grpc-js-xds
// client (node metadata GENERATOR: grpc) gets listeners, routes, clusters and
// endpoints translated by weft from a VirtualService and DestinationRule, and
// its calls go where that config says: an 80/20 split between two subsets,
// and an endpoint moved to another server while calls run. Its own process
// (node:test runs each file in one), since grpc-js-xds keeps one bootstrap per process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { makeEndpoint, makeService, StaticRegistry } from '../../src/control/ingest/index.js';
import { LogRegistry } from '../../src/common/log.js';

const require = createRequire(import.meta.url);
const HOST = 'echo.default.svc.cluster.local';
const PORT = 50051;
const METHOD = '/weft.test.Echo/Who';
const NODE_ID = 'sidecar~127.0.0.1~client-1.default~default.svc.cluster.local';
const identity = (b: Buffer) => b;

const CONFIG = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: echo, namespace: default }
spec:
  host: ${HOST}
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  http:
  - route:
    - { destination: { host: ${HOST}, subset: v1 }, weight: 80 }
    - { destination: { host: ${HOST}, subset: v2 }, weight: 20 }
`;

/** A grpc-js server whose one method answers its name. */
async function backend(name: string): Promise<{ port: number; close(): void }> {
  const server = new grpc.Server();
  server.addService({
    Who: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  }, {
    Who: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name)),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, close: () => server.forceShutdown() };
}

describe('proxyless gRPC (grpc-js-xds) configured by weft’s control plane', { timeout: 20_000 }, () => {
  let dir: string;
  let cp: ControlPlane;
  let client: grpc.Client;
  let registry: StaticRegistry;
  const backends: Record<string, { port: number; close(): void }> = {};
  const service = makeService({ hostname: HOST, namespace: 'default', ports: [{ name: 'grpc', port: PORT, protocol: 'GRPC' }] });
  const endpoint = (b: string, version: string, locality = 'region-1/zone-a') => makeEndpoint({ hostname: HOST, servicePort: PORT, address: '127.0.0.1', port: backends[b]!.port, labels: { app: 'echo', version }, namespace: 'default', workload: b, locality });
  type Status = { version: string; types: { type: string; sent?: string; state: string; nack?: string }[] };
  const edsStatus = () => (cp.proxyStatus() as Status[])[0]!.types.find((t) => t.type === 'ClusterLoadAssignment')!;

  const call = () => new Promise<string>((resolve, reject) => {
    client.makeUnaryRequest(METHOD, identity, identity, Buffer.alloc(0), { deadline: Date.now() + 5000 },
      (err: grpc.ServiceError | null, value?: Buffer) => (err ? reject(err) : resolve(value!.toString())));
  });
  const calls = async (n: number): Promise<Record<string, number>> => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const who = await call();
      seen[who] = (seen[who] ?? 0) + 1;
    }
    return seen;
  };

  before(async () => {
    for (const b of ['A', 'B', 'C']) backends[b] = await backend(b);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-grpc-xds-'));
    fs.writeFileSync(path.join(dir, 'echo.yaml'), CONFIG);
    registry = new StaticRegistry([service], [endpoint('A', 'v1'), endpoint('B', 'v2')]);
    cp = new ControlPlane({ configDir: dir, registries: [registry], xdsAddress: '127.0.0.1:0', logs: new LogRegistry('off') });
    await cp.start();
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
      xds_servers: [{ server_uri: `127.0.0.1:${cp.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: NODE_ID, cluster: 'client.default', metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' }, locality: {} },
    });
    (require('@grpc/grpc-js-xds') as { register(): void }).register();
    client = new grpc.Client(`xds:///${HOST}:${PORT}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await cp?.stop();
    for (const b of Object.values(backends)) b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the client is translated for as proxy type grpc and ACKs every type', async () => {
    assert.equal(await call().then((w) => ['A', 'B'].includes(w)), true);
    const [st] = cp.proxyStatus() as { id: string; type: string; types: { type: string; state: string }[] }[];
    assert.equal(st!.id, NODE_ID);
    assert.equal(st!.type, 'grpc');
    assert.deepEqual(st!.types.map((t) => [t.type, t.state]).sort(), [
      ['Cluster', 'SYNCED'], ['ClusterLoadAssignment', 'SYNCED'], ['Listener', 'SYNCED'], ['RouteConfiguration', 'SYNCED'],
    ]);
  });

  it('the VirtualService’s 80/20 split holds over 500 calls', async () => {
    const seen = await calls(500);
    assert.deepEqual(Object.keys(seen).sort(), ['A', 'B'], JSON.stringify(seen));
    // Binomial(500, 0.8): mean 400, sd ≈ 8.9; ±60 is beyond 6 sd.
    assert.ok(seen.A! >= 340 && seen.A! <= 460, `A got ${seen.A} of 500 (expected ~400)`);
  });

  it('an endpoint moved to another server is followed live, while the split holds', async () => {
    registry.setEndpoints([endpoint('C', 'v1'), endpoint('B', 'v2')]);
    const end = Date.now() + 5000;
    for (;;) {
      if ((await call()) === 'C') break;
      assert.ok(Date.now() < end, 'calls never reached C');
    }
    const seen = await calls(200);
    assert.equal(seen.A, undefined, `A is gone from EDS but got ${seen.A} calls`);
    assert.ok(seen.C! >= 130 && seen.C! <= 190, JSON.stringify(seen));
    assert.ok((seen.B ?? 0) > 0, JSON.stringify(seen));
  });

  it('endpoints with no locality are accepted', async () => {
    const before = edsStatus().sent;
    registry.setEndpoints([endpoint('C', 'v1', ''), endpoint('B', 'v2', '')]);
    const end = Date.now() + 3000;
    while (edsStatus().sent === before || edsStatus().state === 'STALE') {
      assert.ok(Date.now() < end, 'no answer to the EDS push');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(edsStatus().nack, undefined);
    assert.equal(edsStatus().state, 'SYNCED');
  });
});
