import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { CLUSTER_TYPE_URL as CDS } from '../../xds/type-urls.js';
import { encodeBinary } from '../../xds/codec.js';
import { Snapshot } from '../cache/snapshot.js';
import { startHarness } from './xds-test-harness.js';
import { edsCluster, endpoints } from './xds-test-fixtures.js';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const node = { id: 'n1', cluster: 'a' };
const frame = (body: Uint8Array, flag = 0) => {
  const h = Buffer.alloc(5);
  h[0] = flag;
  h.writeUInt32BE(body.length, 1);
  return Buffer.concat([h, body]);
};

/** Opens `path` with a raw HTTP/2 client, writes `chunks`, and resolves with the grpc-status/message and the bytes received. */
function rawCall(port: number, path: string, chunks: Buffer[], endAfter = false): Promise<{ status: string; message: string; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    const data: Buffer[] = [];
    let status = '';
    let message = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', take);
    req.on('trailers', take);
    req.on('data', (c: Buffer) => data.push(c));
    // The server's side ends with trailers (our side may still be open).
    const done = () => {
      session.destroy();
      resolve({ status, message, data: Buffer.concat(data) });
    };
    req.on('end', done);
    req.on('close', done);
    req.on('error', () => {});
    for (const c of chunks) req.write(c);
    if (endAfter) req.end();
  });
}

test('discovery streams are served on node:http2; protocol errors end them with a gRPC status', async (t) => {
  const h = await startHarness({ server: { limits: { maxReceiveMessageBytes: 1024 } } });
  t.after(() => h.close());
  h.cache.setSnapshot('n1', Snapshot.create('v1', { clusters: [edsCluster('c1')], endpoints: [endpoints('c1', ['10.0.0.1:80'])] }));
  const req = Buffer.from(encodeBinary('envoy.service.discovery.v3.DiscoveryRequest', { node, type_url: CDS }));
  // A request, then the client half-closes: one response, then status OK.
  const ok = await rawCall(h.port, ADS, [frame(req)], true);
  assert.equal(ok.status, '0');
  assert.equal(ok.data[0], 0, 'uncompressed frame');
  assert.equal(ok.data.readUInt32BE(1), ok.data.length - 5, 'one framed response');
  assert.equal(h.server.counters().activeStreams, 0);

  const compressed = await rawCall(h.port, ADS, [frame(req, 1)]);
  assert.equal(compressed.status, '12');
  const big = await rawCall(h.port, ADS, [frame(Buffer.alloc(2048))]);
  assert.equal(big.status, '8');
  assert.match(big.message, /larger than max/);
  const garbage = await rawCall(h.port, ADS, [frame(Buffer.from([0x1a, 0x09, 0x61]))]);
  assert.equal(garbage.status, '13');
  assert.equal(h.server.counters().requestErrors, 3, 'compressed, too large and malformed requests are counted');
  const noType = await rawCall(h.port, ADS, [frame(Buffer.from(encodeBinary('envoy.service.discovery.v3.DiscoveryRequest', { node })))]);
  assert.equal(noType.status, '3');
  // Paths the server does not serve natively reach grpc-js on the same port.
  const unknown = await rawCall(h.port, '/no.Such/Method', [frame(req)], true);
  assert.equal(unknown.status, '12');
  assert.equal(h.server.counters().activeStreams, 0);
});

test('with nativeDiscovery 0, grpc-js serves the discovery services as before', async (t) => {
  const h = await startHarness({ server: { limits: { nativeDiscovery: 0 } } });
  t.after(() => h.close());
  h.cache.setSnapshot('n1', Snapshot.create('v1', { clusters: [edsCluster('c1')], endpoints: [endpoints('c1', ['10.0.0.1:80'])] }));
  const s = h.client.sotw();
  s.send({ node, type_url: CDS });
  const r = await s.next();
  assert.equal(r.version_info, 'v1');
  assert.equal(r.resources?.length, 1);
  s.end();
});
