// Services and workloads at a glance: the graph's nodes as a list (with the
// traffic arriving at each) and the embedded store's scrape targets.
import { api, type GraphNode, type Target } from '../api.js';
import { errorBox, fmtNum, fmtPct, fmtTime, h, link, servicePath, table, workloadPath } from '../dom.js';
import { groupOf, health } from '../graph-model.js';
import { currentWindow } from '../window-sel.js';
import type { Page } from '../main.js';

export const servicesPage: Page = async (root, _params, query) => {
  const win = currentWindow(query);
  root.append(h('h1', {}, 'Services and workloads'));
  const [graph, targets] = await Promise.allSettled([api.graph(win), api.targets()]);
  if (graph.status === 'rejected') root.append(errorBox(graph.reason));
  else {
    const g = graph.value;
    const { parent, groups } = groupOf(g.nodes);
    // The API's service nodes, plus a box's service when the graph has no node for it (no traffic yet).
    const svcIds = new Set(g.nodes.filter((n) => n.kind === 'service').map((n) => n.service));
    const all = [...g.nodes, ...groups.filter((b) => !svcIds.has(b.service))];
    const inbound = new Map<string, { rps: number; err: number }>();
    for (const e of g.edges) {
      // Requests arriving at a service node (from outside its box) are the service's.
      if (parent.get(e.source) !== undefined && parent.get(e.source) === parent.get(e.target)) continue;
      const v = inbound.get(e.target) ?? { rps: 0, err: 0 };
      v.rps += e.rps;
      v.err += e.rps * e.errorRatio;
      inbound.set(e.target, v);
    }
    const wlPage = (n: GraphNode) => workloadPath(n.namespace ?? 'default', n.workload ?? n.label);
    const services = all.filter((n) => n.kind === 'service' || n.kind === 'external').sort((a, b) => a.label.localeCompare(b.label));
    const rows = services.map((s) => {
      const kids = g.nodes.filter((n) => n.kind === 'workload' && n.service !== undefined && n.service === s.service);
      const inb = inbound.get(s.id);
      const ratio = inb?.rps ? inb.err / inb.rps : 0;
      return [
        s.kind === 'service' ? link(servicePath(s.service ?? s.label), s.label) : `${s.label} (external)`,
        s.namespace ?? '–',
        kids.length ? kids.map((k) => h('span', {}, link(wlPage(k), k.workload ?? k.label), k.scrape === 'down' ? h('span', { class: 'badge down' }, 'scrape down') : null, ' ')) : h('span', { class: 'muted' }, 'none'),
        h('span', { class: 'num' }, fmtNum(inb?.rps)),
        h('span', { class: `health-${health(inb?.rps ?? 0, ratio)}` }, inb?.rps ? fmtPct(ratio) : '–'),
      ];
    });
    const others = g.nodes.filter((n) => (n.kind === 'workload' || n.kind === 'ingress' || n.kind === 'unknown') && !parent.has(n.id));
    root.append(h('h2', {}, `Services (${services.length}) · last ${win}`), table(['Service', 'Namespace', 'Workloads', 'Inbound rps', 'Errors'], rows, { id: 'services-table' }));
    if (others.length) root.append(h('h2', {}, 'Other nodes'), table(['Node', 'Kind', 'Namespace'], others.map((n) => [n.kind === 'workload' ? link(wlPage(n), n.label) : n.label, n.kind, n.namespace ?? '–'])));
  }
  if (targets.status === 'rejected') root.append(errorBox(targets.reason));
  else {
    const ts: Target[] = [...targets.value].sort((a, b) => a.id.localeCompare(b.id));
    root.append(h('h2', {}, `Scrape targets (${ts.filter((t) => t.health === 'up').length}/${ts.length} up)`),
      table(['Target', 'Workload', 'Version', 'Health', 'Last scrape', 'Series', 'URL / error'], ts.map((t) => [
        t.id, link(workloadPath(t.namespace, t.workload), `${t.workload}.${t.namespace}`), t.version ?? '–',
        h('span', { class: `badge ${t.health}` }, t.health), t.lastScrapeMs === undefined ? '–' : t.lastScrapeMs > 1e11 ? fmtTime(t.lastScrapeMs) : `${t.lastScrapeMs} ms`, String(t.series),
        h('span', {}, h('code', {}, t.url), t.lastError ? h('div', { class: 'health-failure' }, t.lastError) : null),
      ]), { id: 'targets-table' }));
  }
  root.dataset.ready = 'services';
  return () => {};
};
