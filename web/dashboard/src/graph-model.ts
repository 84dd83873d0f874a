// Turns the API's graph into Cytoscape elements: workloads grouped under
// their service (compound nodes), health classes from error ratios, and a
// deterministic layered layout (columns by hop distance from the ingress,
// rows sorted by name) so the same mesh always draws the same way and a
// refresh never moves a node the user has already seen.
import type { Graph, GraphEdge, GraphNode } from './api.js';

/** Kiali's default thresholds for a request error rate: degraded from 0.1 %, failure from 20 %. */
export const DEGRADED_RATIO = 0.001;
export const FAILURE_RATIO = 0.2;

export type Health = 'ok' | 'degraded' | 'failure' | 'idle';

export function health(rps: number, errorRatio: number): Health {
  if (!(rps > 0)) return 'idle';
  if (errorRatio >= FAILURE_RATIO) return 'failure';
  if (errorRatio >= DEGRADED_RATIO) return 'degraded';
  return 'ok';
}

export interface ElementData {
  id: string;
  [k: string]: unknown;
}
export interface Elements {
  nodes: { data: ElementData; position?: { x: number; y: number } }[];
  edges: { data: ElementData }[];
}

/** The id of a service's box (compound node). */
export const groupId = (service: string) => `grp:${service}`;

/**
 * Kiali's versioned-app picture: one box per service holding the service
 * node and the workloads (versions) behind it. `parent` maps a member to its
 * box; `groups` are the boxes (not in the API's graph; kind "service").
 */
export function groupOf(nodes: GraphNode[]): { parent: Map<string, string>; groups: GraphNode[] } {
  const parent = new Map<string, string>();
  const groups = new Map<string, GraphNode>();
  const box = (service: string, namespace?: string) => {
    const id = groupId(service);
    if (!groups.has(id)) groups.set(id, { id, kind: 'service', label: service.replace(/\.svc\.cluster\.local$/, ''), service, ...(namespace ? { namespace } : {}) });
    return id;
  };
  for (const n of nodes) if (n.kind === 'workload' && n.service) parent.set(n.id, box(n.service, n.namespace));
  // A service node joins its box only when some workload is behind it (a lone service stays a plain node).
  for (const n of nodes) if (n.kind === 'service' && n.service && groups.has(groupId(n.service))) parent.set(n.id, groupId(n.service));
  return { parent, groups: [...groups.values()] };
}

/** Traffic-weighted error ratio of the requests arriving at each node (or its compound parent). */
function inboundHealth(edges: GraphEdge[]): Map<string, { rps: number; err: number }> {
  const m = new Map<string, { rps: number; err: number }>();
  for (const e of edges) {
    if (e.protocol === 'tcp') continue;
    const v = m.get(e.target) ?? { rps: 0, err: 0 };
    v.rps += e.rps;
    v.err += e.rps * e.errorRatio;
    m.set(e.target, v);
  }
  return m;
}

export function edgeLabel(e: GraphEdge): string {
  if (e.protocol === 'tcp') return e.tcpBytesPerSec !== undefined ? `${fmtRate(e.tcpBytesPerSec)}B/s` : 'tcp';
  const rps = `${fmtRate(e.rps)} rps`;
  return e.errorRatio > 0 ? `${rps} · ${(e.errorRatio * 100).toFixed(e.errorRatio < 0.01 ? 2 : 1)}% err` : rps;
}

function fmtRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 10 ? n.toFixed(0) : n >= 0.1 ? n.toFixed(1) : n > 0 ? n.toFixed(2) : '0';
}

/** Name order with numbers compared as numbers (svc-2 before svc-10). */
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

const COL = 360;
/** A service node's distance from its versions inside a box. */
const IN_BOX = 130;
/** Distance between the sub-columns of one wrapped column (a box and a gap). */
const SUB_COL = 300;
const ROW = 64;
const GROUP_GAP = 46;

/**
 * Deterministic layered positions for the leaf nodes: a group (service box
 * with its versions) is placed as one unit; its column is the longest-path
 * hop count from a root (ingress, or anything nothing calls), capped by a
 * breadth-first visit so cycles terminate.
 */
export function layeredLayout(nodes: GraphNode[], edges: GraphEdge[], parent: Map<string, string>): Map<string, { x: number; y: number }> {
  const unit = (id: string) => parent.get(id) ?? id;
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind]));
  const units = new Map<string, string[]>(); // unit id → leaf ids
  const unitLabel = new Map<string, string>();
  const isParent = new Set(parent.values());
  for (const n of nodes) {
    const u = unit(n.id);
    if (!units.has(u)) units.set(u, []);
    if (!isParent.has(n.id)) units.get(u)!.push(n.id);
  }
  for (const n of nodes) if (!parent.has(n.id)) unitLabel.set(n.id, `${n.kind === 'ingress' ? '0' : n.kind === 'external' ? '9' : '5'}${n.namespace ?? ''}/${n.label}`);
  const label = (u: string) => unitLabel.get(u) ?? `5${u}`;
  const out = new Map<string, Set<string>>();
  const indeg = new Map<string, number>();
  for (const u of units.keys()) indeg.set(u, 0);
  for (const e of edges) {
    const a = unit(e.source), b = unit(e.target);
    if (a === b || !units.has(a) || !units.has(b)) continue;
    if (!out.has(a)) out.set(a, new Set());
    if (!out.get(a)!.has(b)) {
      out.get(a)!.add(b);
      indeg.set(b, (indeg.get(b) ?? 0) + 1);
    }
  }
  const sorted = [...units.keys()].sort((a, b) => byName(label(a), label(b)));
  const roots = sorted.filter((u) => label(u).startsWith('0') || indeg.get(u) === 0);
  const depth = new Map<string, number>();
  const queue = roots.length ? [...roots] : sorted.slice(0, 1);
  for (const r of queue) depth.set(r, 0);
  // Longest path, bounded: a unit is revisited at most |units| times, so cycles end.
  const visits = new Map<string, number>();
  while (queue.length) {
    const u = queue.shift()!;
    for (const v of [...(out.get(u) ?? [])].sort((a, b) => byName(label(a), label(b)))) {
      const d = depth.get(u)! + 1;
      if ((depth.get(v) ?? -1) < d && (visits.get(v) ?? 0) < units.size) {
        depth.set(v, d);
        visits.set(v, (visits.get(v) ?? 0) + 1);
        queue.push(v);
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const u of sorted) if (!depth.has(u)) depth.set(u, maxDepth + 1);
  const columns = new Map<number, string[]>();
  for (const u of sorted) {
    const d = depth.get(u)!;
    if (!columns.has(d)) columns.set(d, []);
    columns.get(d)!.push(u);
  }
  const pos = new Map<string, { x: number; y: number }>();
  // A tall column (many services at one hop) wraps into side-by-side sub-columns, so a big mesh stays
  // roughly as wide as it is tall instead of one long strip.
  const maxPerColumn = Math.max(6, Math.ceil(Math.sqrt(units.size) * 1.5));
  let x = 0;
  for (const d of [...columns.keys()].sort((a, b) => a - b)) {
    const us = columns.get(d)!.filter((u) => units.get(u)!.length > 0);
    const chunks: string[][] = [];
    for (let i = 0; i < us.length; i += maxPerColumn) chunks.push(us.slice(i, i + maxPerColumn));
    chunks.forEach((chunk, k) => {
      const cx = x + k * SUB_COL;
      let y = 0;
      for (const u of chunk) {
        const leaves = units.get(u)!.sort(byName);
        // In a box, the service node sits left of its versions, level with their middle.
        const svc = leaves.filter((l) => kindOf.get(l) === 'service');
        const rest = leaves.filter((l) => kindOf.get(l) !== 'service');
        const inBox = rest.length > 0 && svc.length > 0;
        const top = y;
        for (const leaf of rest.length ? rest : leaves) {
          pos.set(leaf, { x: cx + (inBox ? IN_BOX : 0), y });
          y += ROW;
        }
        if (inBox) svc.forEach((sv, i) => pos.set(sv, { x: cx, y: top + ((rest.length - 1) * ROW) / 2 + i * ROW }));
        y += GROUP_GAP;
      }
      // Centre each sub-column vertically around 0 so short ones sit mid-height.
      const ys = chunk.flatMap((u) => units.get(u)!.map((l) => pos.get(l)!.y));
      const mid = (Math.min(...ys) + Math.max(...ys)) / 2;
      for (const u of chunk) for (const l of units.get(u)!) pos.get(l)!.y -= mid;
    });
    x += (chunks.length - 1) * SUB_COL + COL;
  }
  return pos;
}

/** Cytoscape elements for a graph; `known` positions win over the layout's. */
export function toElements(g: Graph, known: Map<string, { x: number; y: number }>): Elements {
  const { parent, groups } = groupOf(g.nodes);
  const nodes = [...g.nodes, ...groups];
  const layout = layeredLayout(nodes, g.edges, parent);
  const inbound = inboundHealth(g.edges);
  const isParent = new Set(parent.values());
  const els: Elements = { nodes: [], edges: [] };
  // A box takes its service node's health (the requests arriving at the service).
  for (const g of groups) {
    const s = inbound.get(`svc:${g.service}`);
    if (s) inbound.set(g.id, s);
  }
  for (const n of nodes) {
    const inb = inbound.get(n.id);
    const h = inb ? health(inb.rps, inb.rps ? inb.err / inb.rps : 0) : 'idle';
    const scrapeDown = n.scrape === 'down';
    const text = n.label;
    const data: ElementData = {
      id: n.id,
      label: scrapeDown ? `${text}\n⚠ scrape down` : text,
      kind: n.kind,
      health: h,
      scrape: n.scrape ?? 'unknown',
    };
    const p = parent.get(n.id);
    if (p) data.parent = p;
    if (isParent.has(n.id)) data.compound = true;
    const position = isParent.has(n.id) ? undefined : known.get(n.id) ?? layout.get(n.id);
    els.nodes.push(position ? { data, position: { ...position } } : { data });
  }
  const ids = new Set(nodes.map((n) => n.id));
  for (const e of g.edges) {
    if (!ids.has(e.source) || !ids.has(e.target)) continue;
    els.edges.push({
      data: {
        id: e.id,
        source: e.source,
        target: e.target,
        label: edgeLabel(e),
        health: e.protocol === 'tcp' ? (e.tcpBytesPerSec ? 'ok' : 'idle') : health(e.rps, e.errorRatio),
        mtls: e.mtls,
        width: 1.5 + Math.min(5, Math.log10(1 + (e.protocol === 'tcp' ? (e.tcpBytesPerSec ?? 0) / 1000 : e.rps)) * 2),
      },
    });
  }
  return els;
}
