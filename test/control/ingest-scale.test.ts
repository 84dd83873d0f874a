// Build cost of a PushContext at a realistic size: 1000 services, each with a
// ServiceEntry (3 WorkloadEntries: v1, v2, v3), a VirtualService and a
// DestinationRule with 3 subsets. Printed as a measurement (a benchmark, not a
// timed assertion); the assertions check the result is complete.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigObject } from '../../src/api/networking.js';
import { ConfigRegistry } from '../../src/control/ingest/config-registry.js';
import { se, vs, dr, we, proxy } from '../../src/control/model/model-test-fixtures.js';
import { buildPushContext } from '../../src/control/model/push-context.js';
import type { Accepted } from '../../src/control/model/types.js';

const N = 1000;
const NAMESPACES = 10;

function configs(): Accepted<ConfigObject>[] {
  const out: Accepted<ConfigObject<string, unknown>>[] = [];
  for (let i = 0; i < N; i++) {
    const ns = `ns${i % NAMESPACES}`;
    const name = `svc${i}`;
    const host = `${name}.${ns}.svc.cluster.local`;
    out.push(se(name, ns, { hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 9080, name: 'http' }], workloadSelector: { labels: { app: name } } }));
    for (const v of ['v1', 'v2', 'v3']) out.push(we(`${name}-${v}`, ns, { address: `10.${i >> 8}.${i & 255}.${v.slice(1)}`, labels: { app: name, version: v }, serviceAccount: name }));
    out.push(vs(name, ns, { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'v1' }, weight: 80 }, { destination: { host: name, subset: 'v2' }, weight: 20 }], retries: { attempts: 3 }, timeout: '5s' }] }));
    out.push(dr(name, ns, { host: name, subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })), trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } } } }));
  }
  return out as Accepted<ConfigObject>[];
}

test('PushContext build: 1000 services × 3 subsets (measurement)', () => {
  const input = configs();
  const keep: unknown[] = []; // holds each round's results so the heap delta counts them
  for (let round = 0; round < 3; round++) {
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const registry = new ConfigRegistry(input);
    const t1 = performance.now();
    const ctx = buildPushContext({ configs: input, registry });
    const t2 = performance.now();
    // First queries build the memoized per-namespace views.
    const p = proxy('ns3', { app: 'svc3' });
    const visible = ctx.servicesVisibleTo(p);
    const vss = ctx.virtualServices('ns3', 'mesh');
    let drs = 0;
    for (const s of visible) if (ctx.destinationRule(p.namespace, s.hostname)) drs++;
    const t3 = performance.now();
    keep.push(registry, ctx);
    globalThis.gc?.(); // with --expose-gc the heap delta is what the registry and context retain
    const heap1 = process.memoryUsage().heapUsed;
    assert.equal(ctx.services.length, N);
    assert.equal(registry.services().length, N);
    assert.equal(visible.length, N);
    assert.equal(vss.length, N);
    assert.equal(drs, N); // each public DR is found through its service namespace
    assert.equal(ctx.endpoints('svc3.ns3.svc.cluster.local', 9080).length, 3);
    console.log(
      `  round ${round + 1}: ${input.length} objects; registry ${(t1 - t0).toFixed(1)} ms, PushContext ${(t2 - t1).toFixed(1)} ms, ` +
        `first queries ${(t3 - t2).toFixed(1)} ms; heap +${((heap1 - heap0) / 1048576).toFixed(1)} MiB${globalThis.gc ? ' retained' : ' (incl. garbage; run with --expose-gc for retained)'}`,
    );
  }
});
