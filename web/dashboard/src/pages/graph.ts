// Service graph (Kiali's): Cytoscape.js with workloads grouped under their
// service, edges coloured by health, a details panel for the clicked element,
// and an edge table beneath (the same figures, sortable by eye and readable by tests).
import cytoscape from 'cytoscape';
import type { Core, ElementDefinition, StylesheetJson } from 'cytoscape';
import { api, type Graph, type GraphEdge, type GraphNode } from '../api.js';
import { errorBox, fmtBytes, fmtMs, fmtNum, fmtPct, h, link, servicePath, table, workloadPath } from '../dom.js';
import { edgeLabel, groupOf, health, toElements } from '../graph-model.js';
import { takeGraph } from '../prefetch.js';
import { cssVar, onThemeChange } from '../theme.js';
import { currentWindow, windowSelector, type Win } from '../window-sel.js';
import type { Page } from '../main.js';

const REFRESH_MS = 10_000;
/** Node positions survive page changes within the session: the same mesh keeps its picture. */
const positions = new Map<string, { x: number; y: number }>();

function style(): StylesheetJson {
  const c = (n: string) => cssVar(n);
  const healthColour = { ok: c('--ok'), degraded: c('--warn'), failure: c('--bad'), idle: c('--unknown') };
  return [
    { selector: 'node', style: {
      label: 'data(label)', 'font-size': 11, 'min-zoomed-font-size': 5, color: c('--fg'), 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 4,
      'background-color': c('--node'), 'border-width': 2, 'border-color': c('--unknown'), width: 26, height: 26,
    } },
    ...(['ok', 'degraded', 'failure'] as const).map((hl) => ({ selector: `node[health = "${hl}"]`, style: { 'border-color': healthColour[hl] } })),
    { selector: 'node[kind = "workload"]', style: { shape: 'round-rectangle' } },
    { selector: 'node[kind = "ingress"]', style: { shape: 'round-diamond', width: 34, height: 34 } },
    { selector: 'node[kind = "external"]', style: { shape: 'round-hexagon' } },
    { selector: 'node[kind = "unknown"]', style: { shape: 'ellipse', 'border-style': 'dotted' } },
    { selector: 'node[kind = "service"]', style: { shape: 'round-triangle' } },
    { selector: 'node[scrape = "down"]', style: { 'border-style': 'dashed', 'border-color': c('--bad'), 'border-width': 3, color: c('--bad') } },
    { selector: ':parent', style: {
      shape: 'round-rectangle', 'background-color': c('--group'), 'background-opacity': 1, 'border-width': 1, 'border-color': c('--border'),
      'text-valign': 'top', 'text-halign': 'center', 'text-margin-y': -4, 'font-weight': 'bold', padding: '12px',
    } },
    { selector: ':parent[health = "failure"]', style: { 'border-color': c('--bad'), 'border-width': 2 } },
    { selector: ':parent[health = "degraded"]', style: { 'border-color': c('--warn'), 'border-width': 2 } },
    { selector: 'edge', style: {
      width: 'data(width)', 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.9,
      'line-color': c('--unknown'), 'target-arrow-color': c('--unknown'),
      label: 'data(label)', 'font-size': 10, color: c('--fg'), 'text-background-color': c('--panel'), 'text-background-opacity': 0.85,
      'text-background-padding': '2px', 'text-rotation': 'autorotate', 'min-zoomed-font-size': 7,
    } },
    ...(['ok', 'degraded', 'failure'] as const).map((hl) => ({ selector: `edge[health = "${hl}"]`, style: { 'line-color': healthColour[hl], 'target-arrow-color': healthColour[hl] } })),
    { selector: 'edge[mtls = "none"]', style: { 'line-style': 'dashed' } },
    { selector: 'edge[mtls = "mixed"]', style: { 'line-style': 'dotted' } },
    { selector: ':selected', style: { 'overlay-color': c('--accent'), 'overlay-opacity': 0.25, 'overlay-padding': 4 } },
  ] as StylesheetJson;
}

/** No emoji: Debian's chromium has no emoji font, and a laptop's may not either. */
function mtlsBadge(m: GraphEdge['mtls']): HTMLElement {
  return h('span', { class: `badge ${m === 'mutual_tls' ? 'ok' : m === 'mixed' ? 'warning' : 'unknown'}` }, m === 'mutual_tls' ? 'mutual TLS' : m === 'mixed' ? 'mixed' : 'plaintext');
}

/** Whether any field of `next` differs from the element's current data (only changed elements are restyled). */
function changed(cur: Record<string, unknown>, next: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(next)) if (cur[k] !== v) return true;
  return false;
}

function pageFor(n: GraphNode): string | undefined {
  if (n.kind === 'workload' && n.workload) return workloadPath(n.namespace ?? 'default', n.workload);
  if (n.kind === 'service' && (n.service ?? n.label)) return servicePath(n.service ?? n.label);
  return undefined;
}

function dl(rows: [string, string | Node | undefined][]): HTMLElement {
  return h('dl', {}, rows.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v!)]));
}

function edgeRows(edges: GraphEdge[], nodes: Map<string, GraphNode>, select: (id: string) => void): HTMLTableElement {
  const name = (id: string) => nodes.get(id)?.label ?? id;
  const t = table(['Source', 'Destination', 'Proto', 'rps', 'Error %', 'p50', 'p99', 'mTLS'], []);
  t.id = 'edge-table';
  const body = t.tBodies[0]!;
  for (const e of [...edges].sort((a, b) => a.id.localeCompare(b.id))) {
    const hl = e.protocol === 'tcp' ? 'ok' : health(e.rps, e.errorRatio);
    body.append(h('tr', { class: `clickable health-row-${hl}`, 'data-edge': e.id, 'data-health': hl, onclick: () => select(e.id) },
      h('td', {}, name(e.source)), h('td', {}, name(e.target)), h('td', {}, e.protocol),
      h('td', { class: 'num rps' }, e.protocol === 'tcp' ? `${fmtBytes(e.tcpBytesPerSec)}/s` : fmtNum(e.rps)),
      h('td', { class: `num err health-${hl}` }, e.protocol === 'tcp' ? '–' : fmtPct(e.errorRatio)),
      h('td', { class: 'num' }, fmtMs(e.p50Ms)), h('td', { class: 'num' }, fmtMs(e.p99Ms)),
      h('td', {}, mtlsBadge(e.mtls))));
  }
  return t;
}

export const graphPage: Page = async (root, _params, query) => {
  let win: Win = currentWindow(query);
  let paused = false;
  let selected: string | undefined;
  let last: Graph | undefined;
  const updated = h('span', { class: 'muted', id: 'graph-updated' });
  const pauseBtn = h('button', { type: 'button', id: 'graph-pause' }, 'Pause');
  const fitBtn = h('button', { type: 'button', id: 'graph-fit', title: 'Fit the whole graph in view' }, 'Fit');
  const cyEl = h('div', { id: 'cy' });
  const details = h('aside', { class: 'details', id: 'details' }, h('p', { class: 'muted' }, 'Click a node or an edge for its details.'));
  const tableHolder = h('div', { id: 'edge-table-holder' });
  const errHolder = h('div');
  root.append(
    h('div', { class: 'toolbar' },
      h('h1', { style: 'margin:0' }, 'Service graph'),
      windowSelector(win, (w) => { win = w; void refresh(); }),
      pauseBtn, fitBtn, updated, h('span', { class: 'spacer' }),
      h('span', { class: 'legend' },
        h('span', {}, h('span', { class: 'sw ok' }), 'ok'),
        h('span', {}, h('span', { class: 'sw degraded' }), '≥ 0.1% errors'),
        h('span', {}, h('span', { class: 'sw failure' }), '≥ 20% errors'),
        h('span', {}, h('span', { class: 'sw idle' }), 'no traffic'),
        h('span', {}, '— mTLS   - - plaintext   ··· mixed'))),
    errHolder,
    h('div', { class: 'graph-layout' }, cyEl, details),
    h('h2', {}, 'Edges'), tableHolder,
  );

  const cy: Core = cytoscape({ container: cyEl, style: style(), layout: { name: 'preset' }, minZoom: 0.05, maxZoom: 3 });
  (window as unknown as { __weftGraph?: Core }).__weftGraph = cy;
  const offTheme = onThemeChange(() => cy.style(style()));
  cy.on('dragfree', 'node', (e) => {
    for (const n of e.target.union(e.target.descendants()).nodes(':childless')) positions.set(n.id(), { ...n.position() });
  });

  const showDetails = (id: string | undefined) => {
    selected = id;
    if (!id || !last) {
      details.replaceChildren(h('p', { class: 'muted' }, 'Click a node or an edge for its details.'));
      return;
    }
    const nodes = new Map(last.nodes.map((n) => [n.id, n]));
    const e = last.edges.find((x) => x.id === id);
    if (e) {
      const hl = health(e.rps, e.errorRatio);
      details.replaceChildren(
        h('h3', {}, `${nodes.get(e.source)?.label ?? e.source} → ${nodes.get(e.target)?.label ?? e.target}`),
        dl([
          ['protocol', e.protocol], ['requests/s', fmtNum(e.rps, 3)], ['errors', h('span', { class: `health-${hl}` }, `${fmtPct(e.errorRatio)} (${hl})`)],
          ['p50', fmtMs(e.p50Ms)], ['p99', fmtMs(e.p99Ms)], ['TCP', e.tcpBytesPerSec !== undefined ? `${fmtBytes(e.tcpBytesPerSec)}/s` : undefined],
          ['mTLS', mtlsBadge(e.mtls)], ['label', edgeLabel(e)], ['edge', h('code', {}, e.id)],
        ]),
        h('p', {}, ...[e.source, e.target].map((nid) => { const n = nodes.get(nid); const to = n && pageFor(n); return to ? link(to, `${n.label} metrics `) : null; })),
      );
      return;
    }
    const n = nodes.get(id) ?? groupOf(last.nodes).groups.find((b) => b.id === id);
    if (!n) return;
    const inE = last.edges.filter((x) => x.target === id), outE = last.edges.filter((x) => x.source === id);
    const to = pageFor(n);
    const flow = (list: GraphEdge[], other: 'source' | 'target') => list.length
      ? table(['', 'rps', 'err'], list.map((x) => [nodes.get(x[other])?.label ?? x[other], fmtNum(x.rps), h('span', { class: `health-${health(x.rps, x.errorRatio)}` }, fmtPct(x.errorRatio))]))
      : h('p', { class: 'muted' }, 'none in this window');
    details.replaceChildren(
      h('h3', {}, n.label),
      dl([['kind', n.kind], ['namespace', n.namespace], ['service', n.service], ['workload', n.workload], ['app', n.app], ['version', n.version],
        ['scrape', n.scrape ? h('span', { class: `badge ${n.scrape}` }, n.scrape) : undefined], ['node', h('code', {}, n.id)]]),
      to ? h('p', {}, link(to, 'Metrics for this ' + n.kind + ' →')) : '',
      h('h3', {}, 'Inbound'), flow(inE, 'source'), h('h3', {}, 'Outbound'), flow(outE, 'target'),
    );
  };
  cy.on('tap', 'node, edge', (e) => showDetails(e.target.id()));
  cy.on('tap', (e) => { if (e.target === cy) showDetails(undefined); });

  /**
   * Fits the view to the node positions the layout gave, with room for boxes
   * and labels: much cheaper than cy.fit(), which measures every label first
   * (half a second for 50 services on a slow machine).
   */
  const fitPositions = () => {
    const ps = [...positions.values()];
    if (!ps.length) return;
    const pad = 70;
    const x0 = Math.min(...ps.map((p) => p.x)) - pad, x1 = Math.max(...ps.map((p) => p.x)) + pad;
    const y0 = Math.min(...ps.map((p) => p.y)) - pad, y1 = Math.max(...ps.map((p) => p.y)) + pad;
    const w = cy.width(), hgt = cy.height();
    const zoom = Math.max(cy.minZoom(), Math.min(1.6, w / (x1 - x0), hgt / (y1 - y0)));
    cy.viewport({ zoom, pan: { x: (w - (x1 - x0) * zoom) / 2 - x0 * zoom, y: (hgt - (y1 - y0) * zoom) / 2 - y0 * zoom } });
  };
  let firstDraw = true;
  let lastSig = '';
  const draw = (g: Graph) => {
    last = g;
    updated.textContent = `${g.nodes.length} nodes, ${g.edges.length} edges · ${new Date().toLocaleTimeString()}`;
    // Nothing changed since the last refresh: leave the canvas, the table and the details alone (a refresh
    // must not redraw what the user is reading or pointing at, nor restyle 500 elements for nothing).
    const sig = JSON.stringify([g.nodes, g.edges]);
    if (sig === lastSig) return;
    lastSig = sig;
    const els = toElements(g, positions);
    const want = new Set([...els.nodes, ...els.edges].map((x) => x.data.id));
    if (cy.elements().empty()) {
      // First draw: one add of everything (parents before children) is much cheaper than element by element.
      cy.add([...els.nodes.filter((n) => n.data.compound), ...els.nodes.filter((n) => !n.data.compound), ...els.edges]
        .map((x) => ({ group: 'source' in x.data ? 'edges' : 'nodes', ...x }) as ElementDefinition));
    } else cy.batch(() => {
      cy.elements().filter((x) => !want.has(x.id())).remove();
      // Parents first so children can name them.
      const ordered = [...els.nodes.filter((n) => n.data.compound), ...els.nodes.filter((n) => !n.data.compound)];
      for (const n of ordered) {
        const cur = cy.getElementById(n.data.id);
        if (cur.nonempty() && (cur.data('parent') ?? undefined) !== (n.data.parent ?? undefined)) cur.remove();
        const ex = cy.getElementById(n.data.id);
        if (ex.nonempty()) {
          if (changed(ex.data(), n.data)) ex.data(n.data);
        } else cy.add({ group: 'nodes', data: n.data, ...(n.position ? { position: n.position } : {}) } as ElementDefinition);
      }
      for (const e of els.edges) {
        const ex = cy.getElementById(e.data.id);
        if (ex.nonempty()) {
          if (changed(ex.data(), e.data)) ex.data(e.data);
        } else cy.add({ group: 'edges', data: e.data } as ElementDefinition);
      }
    });
    for (const n of cy.nodes(':childless')) positions.set(n.id(), { ...n.position() });
    if (firstDraw && g.nodes.length) {
      fitPositions();
      firstDraw = false;
    }
    const nodes = new Map(g.nodes.map((n) => [n.id, n]));
    tableHolder.replaceChildren(g.edges.length ? edgeRows(g.edges, nodes, (id) => { cy.$(':selected').unselect(); cy.getElementById(id).select(); showDetails(id); }) : h('p', { class: 'muted' }, 'No traffic in this window.'));
    if (selected) showDetails(selected);
  };

  const refresh = async () => {
    try {
      const g = await takeGraph(win);
      performance.mark('weft:graph-data');
      errHolder.replaceChildren();
      const drawn = firstDraw && g.nodes.length > 0;
      draw(g);
      // "Ready" once the canvas has been painted with this data (Cytoscape renders on the next frame).
      if (drawn) await new Promise<void>((r) => { cy.one('render', () => r()); setTimeout(r, 2000); });
      performance.mark('weft:graph-drawn');
      root.dataset.ready = 'graph';
      root.dataset.window = win;
    } catch (e) {
      errHolder.replaceChildren(errorBox(e));
      root.dataset.ready = 'error';
    }
  };
  fitBtn.addEventListener('click', () => cy.fit(undefined, 30));
  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    pauseBtn.classList.toggle('active', paused);
  });
  await refresh();
  const timer = setInterval(() => { if (!paused && !document.hidden) void refresh(); }, Number(query.get('refreshMs')) || REFRESH_MS);
  return () => {
    clearInterval(timer);
    offTheme();
    cy.destroy();
  };
};
