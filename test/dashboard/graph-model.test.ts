// The dashboard's graph model (web/dashboard/src/graph-model.ts): pure
// functions, tested in Node. Boxes per service, Kiali's health thresholds,
// and a layout that depends only on the graph (not on the order the API lists
// it in), keeps known positions, and ends on cycles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Graph, GraphEdge, GraphNode } from '../../web/dashboard/src/api.js';
import { edgeLabel, groupOf, health, layeredLayout, toElements } from '../../web/dashboard/src/graph-model.js';

const host = (s: string) => `${s}.default.svc.cluster.local`;
const svc = (s: string): GraphNode => ({ id: `svc:${host(s)}`, kind: 'service', label: s, namespace: 'default', service: host(s) });
const wl = (s: string, v: string): GraphNode => ({ id: `wl:default/${s}-${v}`, kind: 'workload', label: `${s} ${v}`, namespace: 'default', service: host(s), workload: `${s}-${v}`, app: s, version: v, scrape: 'up' });
const edge = (source: string, target: string, rps = 1, errorRatio = 0): GraphEdge => ({ id: `${source}->${target}#http`, source, target, protocol: 'http', rps, errorRatio, mtls: 'mutual_tls' });

/** Bookinfo's shape: edge → productpage → details, reviews (v1..v3) → ratings. */
function bookinfo(): Graph {
  const nodes: GraphNode[] = [{ id: 'ingress:edge', kind: 'ingress', label: 'edge' }, svc('productpage'), wl('productpage', 'v1'), svc('details'), wl('details', 'v1'),
    svc('reviews'), wl('reviews', 'v1'), wl('reviews', 'v2'), wl('reviews', 'v3'), svc('ratings'), wl('ratings', 'v1')];
  const edges = [
    edge('ingress:edge', svc('productpage').id), edge(svc('productpage').id, wl('productpage', 'v1').id),
    edge(wl('productpage', 'v1').id, svc('details').id), edge(svc('details').id, wl('details', 'v1').id),
    edge(wl('productpage', 'v1').id, svc('reviews').id), edge(svc('reviews').id, wl('reviews', 'v2').id),
    edge(wl('reviews', 'v2').id, svc('ratings').id, 4, 0.5), edge(svc('ratings').id, wl('ratings', 'v1').id, 2),
  ];
  return { window: '1m', generatedAt: 0, nodes, edges };
}

describe('dashboard graph model', () => {
  it('groups each service node and its versions in one box; a service without workloads stays alone', () => {
    const g = bookinfo();
    g.nodes.push(svc('lonely'));
    const { parent, groups } = groupOf(g.nodes);
    assert.deepEqual(groups.map((b) => b.id).sort(), ['details', 'productpage', 'ratings', 'reviews'].map((s) => `grp:${host(s)}`).sort());
    assert.equal(parent.get(wl('reviews', 'v3').id), `grp:${host('reviews')}`);
    assert.equal(parent.get(svc('reviews').id), `grp:${host('reviews')}`);
    assert.equal(parent.get(svc('lonely').id), undefined);
    assert.equal(parent.get('ingress:edge'), undefined);
  });

  it('health: Kiali\'s thresholds (0.1 % degraded, 20 % failure); no traffic is idle', () => {
    assert.equal(health(0, 0), 'idle');
    assert.equal(health(5, 0), 'ok');
    assert.equal(health(5, 0.0009), 'ok');
    assert.equal(health(5, 0.001), 'degraded');
    assert.equal(health(5, 0.199), 'degraded');
    assert.equal(health(5, 0.2), 'failure');
    assert.equal(edgeLabel(edge('a', 'b', 8.546, 0.56)), '8.5 rps · 56.0% err');
    assert.equal(edgeLabel(edge('a', 'b', 12, 0)), '12 rps');
    assert.equal(edgeLabel({ ...edge('a', 'b', 0, 0), protocol: 'tcp', tcpBytesPerSec: 2048 }), '2.0kB/s');
  });

  it('layout: columns follow the calls, versions stacked right of their service, the same whatever the input order', () => {
    const g = bookinfo();
    const { parent, groups } = groupOf(g.nodes);
    const pos = layeredLayout([...g.nodes, ...groups], g.edges, parent);
    const x = (id: string) => pos.get(id)!.x;
    assert.ok(x('ingress:edge') < x(svc('productpage').id));
    assert.ok(x(svc('productpage').id) < x(wl('productpage', 'v1').id), 'service left of its version in a box');
    assert.ok(x(wl('productpage', 'v1').id) < x(svc('reviews').id));
    assert.ok(x(wl('reviews', 'v2').id) < x(svc('ratings').id));
    assert.equal(x(svc('details').id), x(svc('reviews').id), 'details and reviews one hop from productpage');
    const ys = ['v1', 'v2', 'v3'].map((v) => pos.get(wl('reviews', v).id)!.y);
    assert.deepEqual([...ys].sort((a, b) => a - b), ys, 'versions in order');
    assert.equal(new Set(ys.map((y) => x(wl('reviews', 'v1').id) + y)).size, 3, 'no two versions at one place');
    // Reversed input lists: the same picture.
    const r = groupOf([...g.nodes].reverse());
    const again = layeredLayout([...[...g.nodes].reverse(), ...r.groups.reverse()], [...g.edges].reverse(), r.parent);
    assert.deepEqual(new Map([...again].sort()), new Map([...pos].sort()));
  });

  it('layout ends on a cycle and places every node', () => {
    const g = bookinfo();
    g.edges.push(edge(wl('ratings', 'v1').id, svc('productpage').id)); // ratings calls productpage back
    const { parent, groups } = groupOf(g.nodes);
    const pos = layeredLayout([...g.nodes, ...groups], g.edges, parent);
    for (const n of g.nodes) assert.ok(pos.has(n.id), n.id);
  });

  it('a wide hop wraps into sub-columns instead of one tall strip', () => {
    const nodes: GraphNode[] = [{ id: 'ingress:edge', kind: 'ingress', label: 'edge' }];
    const edges: GraphEdge[] = [];
    for (let i = 0; i < 40; i++) {
      nodes.push(svc(`s${i}`), wl(`s${i}`, 'v1'));
      edges.push(edge('ingress:edge', svc(`s${i}`).id));
    }
    const { parent, groups } = groupOf(nodes);
    const pos = layeredLayout([...nodes, ...groups], edges, parent);
    const xs = new Set(nodes.filter((n) => n.kind === 'service').map((n) => pos.get(n.id)!.x));
    assert.ok(xs.size > 1, `services at ${[...xs].join(', ')}`);
  });

  it('toElements: known positions win; boxes take their service\'s health; a scrape-down workload says so', () => {
    const g = bookinfo();
    g.nodes.find((n) => n.id === wl('reviews', 'v1').id)!.scrape = 'down';
    const known = new Map([[wl('reviews', 'v2').id, { x: 1234, y: 5678 }]]);
    const els = toElements(g, known);
    const byId = new Map(els.nodes.map((n) => [n.data.id, n]));
    assert.deepEqual(byId.get(wl('reviews', 'v2').id)!.position, { x: 1234, y: 5678 });
    assert.equal(byId.get(`grp:${host('ratings')}`)!.data.health, 'failure');
    assert.equal(byId.get(`grp:${host('ratings')}`)!.position, undefined, 'a box is sized by its members');
    assert.equal(byId.get(wl('reviews', 'v1').id)!.data.label, 'reviews v1\n⚠ scrape down');
    const e = els.edges.find((x) => x.data.id === `${wl('reviews', 'v2').id}->${svc('ratings').id}#http`)!;
    assert.equal(e.data.health, 'failure');
  });
});
