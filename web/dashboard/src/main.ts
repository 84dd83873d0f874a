// The dashboard shell: header with navigation, status and theme toggle, the
// warnings banner, and a client-side router over /dashboard/<page>/… (the
// server answers index.html for those paths).
import './style.css';
import { api, onWarnings } from './api.js';
import { h, link } from './dom.js';
import { prefetchGraph } from './prefetch.js';
import { applyTheme, nextTheme, savedTheme, themeLabel } from './theme.js';

/** A page draws into `root` and returns a cleanup (timers, charts). It sets root.dataset.ready when its data is shown. */
export type Page = (root: HTMLElement, params: string[], query: URLSearchParams) => Promise<() => void>;

const routes: { prefix: string; title: string; nav?: string; load: () => Promise<Page> }[] = [
  { prefix: 'graph', title: 'Service graph', nav: 'Graph', load: async () => (await import('./pages/graph.js')).graphPage },
  { prefix: 'services', title: 'Services', nav: 'Services', load: async () => (await import('./pages/services.js')).servicesPage },
  { prefix: 'service', title: 'Service', load: async () => (await import('./pages/metrics.js')).servicePage },
  { prefix: 'workload', title: 'Workload', load: async () => (await import('./pages/metrics.js')).workloadPage },
  { prefix: 'config', title: 'Config health', nav: 'Config', load: async () => (await import('./pages/config.js')).configPage },
  { prefix: 'traces', title: 'Traces', nav: 'Traces', load: async () => (await import('./pages/traces.js')).tracesPage },
  { prefix: 'replies', title: 'Local replies', nav: 'Failures', load: async () => (await import('./pages/replies.js')).repliesPage },
];

const banner = h('div', { id: 'banner', class: 'banner', role: 'status', hidden: true });
const warnings = new Map<string, string[]>();
onWarnings((source, list) => {
  if (list.length) warnings.set(source, list);
  else warnings.delete(source);
  showWarnings();
});

const statusEl = h('span', { class: 'status muted', id: 'status' });
const themeBtn = h('button', { class: 'theme-toggle', id: 'theme-toggle', type: 'button', title: 'Colour scheme' });
let theme = savedTheme();
const showTheme = () => {
  applyTheme(theme);
  themeBtn.textContent = themeLabel(theme);
};
themeBtn.addEventListener('click', () => {
  theme = nextTheme(theme);
  showTheme();
});
showTheme();

const nav = h('nav', {}, routes.filter((r) => r.nav).map((r) => link(`/${r.prefix}`, r.nav!)));
const main = h('main', { id: 'page' });
document.getElementById('app')!.replaceChildren(
  h('header', {}, h('a', { class: 'brand', href: '/dashboard/graph', 'data-route': '1' }, 'weft'), nav, statusEl, themeBtn),
  banner,
  main,
);

async function refreshStatus(): Promise<void> {
  try {
    const s = await api.status();
    const prom = s.prometheus;
    const msgs: string[] = [];
    if (prom && !prom.healthy) msgs.push(`Prometheus at ${prom.url} is unreachable${prom.error ? `: ${prom.error}` : ''}; showing what the embedded store has.`);
    if (s.scrape.targets > s.scrape.healthy) msgs.push(`${s.scrape.targets - s.scrape.healthy} of ${s.scrape.targets} scrape targets cannot be scraped (marked on the graph and the Services page).`);
    warnings.delete('status');
    if (msgs.length) warnings.set('status', msgs);
    showWarnings();
    statusEl.textContent = `${s.source === 'prometheus' ? `prometheus ${prom?.url ?? ''}` : 'embedded store'} · scrape ${s.scrape.healthy}/${s.scrape.targets} up · traces ${s.traces.source} · ${s.version}`;
  } catch (e) {
    statusEl.textContent = `status unavailable: ${(e as Error).message}`;
  }
}
let shownWarnings = '';
function showWarnings(): void {
  let all = [...new Set([...warnings.values()].flat())];
  // A query's own "prometheus at URL unreachable" warning says more than the status line's.
  if (all.some((w) => /^prometheus at .* unreachable/.test(w))) all = all.filter((w) => !w.startsWith('Prometheus at '));
  const text = all.join('\n');
  if (text === shownWarnings) return; // unchanged: leave the banner alone (no flicker on every answer)
  shownWarnings = text;
  banner.hidden = all.length === 0;
  banner.replaceChildren(...all.map((w) => h('div', { class: 'warning' }, '⚠ ', w)));
}

let cleanup: (() => void) | undefined;
let generation = 0;

async function route(): Promise<void> {
  const gen = ++generation;
  cleanup?.();
  cleanup = undefined;
  const rel = location.pathname.replace(/^\/dashboard\/?/, '');
  const parts = rel.split('/').filter(Boolean).map(decodeURIComponent);
  const r = routes.find((x) => x.prefix === parts[0]) ?? routes[0]!;
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `/dashboard/${r.prefix}`);
  document.title = `weft · ${r.title}`;
  const root = h('div', { class: `page page-${r.prefix}`, 'data-page': r.prefix });
  main.replaceChildren(root);
  try {
    performance.mark('weft:route');
    if (r.prefix === 'graph') prefetchGraph(new URLSearchParams(location.search));
    const page = await r.load();
    performance.mark('weft:page-module');
    if (gen !== generation) return;
    const c = await page(root, parts.slice(1), new URLSearchParams(location.search));
    if (gen !== generation) c();
    else cleanup = c;
  } catch (e) {
    root.append(h('div', { class: 'error-box' }, `This page failed: ${(e as Error).message}`));
    root.dataset.ready = 'error';
  }
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a[data-route]');
  if (!a || (e as MouseEvent).ctrlKey || (e as MouseEvent).metaKey || (e as MouseEvent).button !== 0) return;
  e.preventDefault();
  history.pushState(null, '', a.getAttribute('href')!);
  void route();
});
window.addEventListener('popstate', () => void route());

if (!/^\/dashboard\/./.test(location.pathname)) history.replaceState(null, '', `/dashboard/graph${location.search}`);
void refreshStatus();
setInterval(() => void refreshStatus(), 15_000);
void route();
