// A tiny element builder: the pages are tables, forms and a few charts, so a
// framework would add weight without removing code.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A link handled by the client-side router (no page load). */
export function link(to: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `/dashboard${to}`, 'data-route': '1' }, ...children);
}

export function table(headers: string[], rows: (Child | Child[])[][], attrs: Attrs = {}): HTMLTableElement {
  return h('table', { class: 'grid', ...attrs },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, ...(Array.isArray(c) ? c : [c])))))));
}

export function fmtNum(n: number | undefined, digits = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n !== 0 && Math.abs(n) < 0.01) return n.toExponential(1);
  return n.toFixed(digits).replace(/\.?0+$/, '') || '0';
}

export function fmtPct(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  return `${p === 0 ? '0' : p < 0.1 ? p.toFixed(2) : p.toFixed(1)}%`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms >= 10 ? ms.toFixed(0) : +ms.toFixed(2)} ms`;
}

export function fmtBytes(b: number | undefined): string {
  if (b === undefined || !Number.isFinite(b)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) (b /= 1024), i++;
  return `${b.toFixed(i || (b > 0 && b < 10 && b % 1 !== 0) ? 1 : 0)} ${u[i]}`;
}

export function fmtTime(t: number | string): string {
  const d = typeof t === 'number' ? new Date(t > 1e14 ? t / 1000 : t > 1e11 ? t : t * 1000) : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleTimeString();
}

/** file:line as text, or nothing. */
export function fileRef(file?: string, line?: number): HTMLElement | null {
  if (!file) return null;
  return h('code', { class: 'fileref', title: file }, `${file}${line ? `:${line}` : ''}`);
}

export function spinner(what: string): HTMLElement {
  return h('p', { class: 'muted loading' }, `Loading ${what}…`);
}

export function errorBox(e: unknown): HTMLElement {
  return h('div', { class: 'error-box' }, (e as Error).message ?? String(e));
}

/**
 * Routes to a service's or workload's page. Names go in the query string, not
 * the path: the server answers index.html only for paths without a dot, and
 * service hosts have dots.
 */
export const servicePath = (host: string) => `/service?host=${encodeURIComponent(host)}`;
export const workloadPath = (namespace: string, name: string) => `/workload?namespace=${encodeURIComponent(namespace)}&name=${encodeURIComponent(name)}`;
