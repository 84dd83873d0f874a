import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLUSTER_TYPE_URL as CDS } from '../../xds/type-urls.js';
import { Snapshot } from '../cache/snapshot.js';
import { createDebugHandler } from './debug-handler.js';
import type { ProxyStatus } from './push-status.js';
import { startHarness } from './xds-test-harness.js';
import { edsCluster, endpoints } from './xds-test-fixtures.js';

test('/debug/syncz lists each proxy with sent, ACKed and NACKed versions; /debug/xds_counters the counters', async (t) => {
  const nacked: string[] = [];
  const h = await startHarness({ callbacks: { onNack: (st, url, n) => nacked.push(`${st.nodeId} ${url} ${n.message}`) } });
  t.after(() => h.close());
  const web = http.createServer(createDebugHandler(h.server));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  t.after(() => web.close());
  const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

  h.cache.setSnapshot('p1', Snapshot.create('v1', { clusters: [edsCluster('c1')], endpoints: [endpoints('c1', [])] }));
  const s = h.client.sotw();
  s.send({ node: { id: 'p1', cluster: 'reviews', metadata: { ISTIO_VERSION: '1.22' } }, type_url: CDS });
  const r = await s.next();
  const done = h.processed();
  s.send({ type_url: CDS, response_nonce: r.nonce, error_detail: { message: 'no' } });
  await done;

  const res = await fetch(`${base}/debug/syncz`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /json/);
  const body = (await res.json()) as ProxyStatus[];
  assert.equal(body.length, 1);
  assert.equal(body[0].nodeId, 'p1');
  assert.equal(body[0].nodeCluster, 'reviews');
  assert.deepEqual(body[0].nodeMetadata, { ISTIO_VERSION: '1.22' });
  assert.equal(body[0].protocol, 'sotw');
  assert.equal(body[0].types[0].sentVersion, 'v1');
  assert.equal(body[0].types[0].lastNack?.message, 'no');
  assert.deepEqual(nacked, [`p1 ${CDS} no`]);

  const counters = (await (await fetch(`${base}/debug/xds_counters`)).json()) as Record<string, number>;
  assert.equal(counters.pushes, 1);
  assert.equal(counters.nacks, 1);
  assert.equal(counters.activeStreams, 1);
  assert.equal((await fetch(`${base}/debug/other`)).status, 404);
  s.end();
});
