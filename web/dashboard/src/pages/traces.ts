// Traces (Jaeger's search and trace view) over the Zipkin v2 query API:
// search by service, status and minimum duration; a waterfall of one trace
// with every span's tags (response flags, upstream cluster, x-weft-error).
import { api, type Span } from '../api.js';
import { errorBox, fmtMs, fmtTime, h, link, table } from '../dom.js';
import { go } from '../nav.js';
import type { Page } from '../main.js';

export function spanFailed(s: Span): boolean {
  const t = s.tags ?? {};
  if ('error' in t) return true;
  const code = Number(t['http.status_code']);
  if (code >= 500) return true;
  const rf = t['response_flags'];
  return rf !== undefined && rf !== '-' && rf !== '';
}

const svcOf = (s: Span) => s.localEndpoint?.serviceName ?? '?';

function summarize(trace: Span[]) {
  const ids = new Set(trace.map((s) => s.id));
  const root = trace.find((s) => !s.parentId || !ids.has(s.parentId)) ?? trace[0]!;
  const start = Math.min(...trace.map((s) => s.timestamp ?? Infinity));
  const end = Math.max(...trace.map((s) => (s.timestamp ?? 0) + (s.duration ?? 0)));
  return { root, start, durationUs: Math.max(root.duration ?? 0, end - start), errors: trace.filter(spanFailed).length, services: new Set(trace.map(svcOf)).size };
}

async function searchView(root: HTMLElement, query: URLSearchParams): Promise<() => void> {
  const services = await api.traceServices().catch(() => [] as string[]);
  const q = {
    serviceName: query.get('service') ?? '',
    status: query.get('status') ?? 'any',
    minMs: query.get('minMs') ?? '',
    lookback: query.get('lookback') ?? '15m',
    limit: query.get('limit') ?? '20',
  };
  const svcSel = h('select', { name: 'service', id: 'trace-service' }, h('option', { value: '' }, 'all services'), ...services.sort().map((s) => h('option', { value: s, selected: s === q.serviceName }, s)));
  const statusSel = h('select', { name: 'status', id: 'trace-status' }, ...['any', 'error', 'ok'].map((s) => h('option', { value: s, selected: s === q.status }, s === 'any' ? 'any status' : s === 'error' ? 'with errors' : 'without errors')));
  const minIn = h('input', { name: 'minMs', id: 'trace-min', type: 'number', min: 0, step: 1, placeholder: 'min ms', value: q.minMs, style: 'width:90px' });
  const lbSel = h('select', { name: 'lookback', id: 'trace-lookback' }, ...['5m', '15m', '1h', '6h'].map((s) => h('option', { value: s, selected: s === q.lookback }, `last ${s}`)));
  const results = h('div', { id: 'trace-results' });
  const form = h('form', { class: 'toolbar', id: 'trace-search' }, h('h1', { style: 'margin:0' }, 'Traces'), svcSel, statusSel, minIn, h('span', { class: 'muted' }, 'ms'), lbSel,
    h('button', { type: 'submit' }, 'Search'));
  root.append(form, results);
  const run = async () => {
    delete root.dataset.ready;
    results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    const u = new URL(location.href);
    for (const [k, v] of Object.entries({ service: svcSel.value, status: statusSel.value, minMs: minIn.value, lookback: lbSel.value })) v && v !== 'any' ? u.searchParams.set(k, v) : u.searchParams.delete(k);
    history.replaceState(null, '', u);
    const lookbackMs = { '5m': 300e3, '15m': 900e3, '1h': 3600e3, '6h': 21600e3 }[lbSel.value] ?? 900e3;
    try {
      const wantStatus = statusSel.value;
      // Status is not a Zipkin query parameter: fetch more and filter here.
      const limit = Number(q.limit) * (wantStatus === 'any' ? 1 : 5);
      const traces = await api.traces({ serviceName: svcSel.value || undefined, minDuration: minIn.value ? Math.round(Number(minIn.value) * 1000) : undefined, lookback: lookbackMs, endTs: Date.now(), limit });
      const rows = traces.filter((t) => t.length).map((t) => ({ t, s: summarize(t) }))
        .filter(({ s }) => wantStatus === 'any' || (wantStatus === 'error' ? s.errors > 0 : s.errors === 0))
        .sort((a, b) => b.s.start - a.s.start).slice(0, Number(q.limit));
      if (!rows.length) results.replaceChildren(h('p', { class: 'muted', id: 'no-traces' }, 'No traces match.'));
      else {
        const tb = table(['Started', 'Root span', 'Duration', 'Spans', 'Services', 'Errors', 'Trace'], []);
        tb.classList.add('trace-list');
        tb.id = 'trace-table';
        for (const { t, s } of rows) {
          tb.tBodies[0]!.append(h('tr', { class: 'clickable', 'data-trace': s.root.traceId, onclick: () => go(`/traces/${s.root.traceId}`) },
            h('td', {}, fmtTime(s.start)), h('td', {}, h('strong', {}, svcOf(s.root)), ' ', s.root.name ?? ''),
            h('td', { class: 'num' }, fmtMs(s.durationUs / 1000)), h('td', { class: 'num' }, String(t.length)), h('td', { class: 'num' }, String(s.services)),
            h('td', { class: `num ${s.errors ? 'health-failure' : ''}` }, String(s.errors)), h('td', {}, link(`/traces/${s.root.traceId}`, h('code', {}, s.root.traceId.slice(0, 16))))));
        }
        results.replaceChildren(tb);
      }
      root.dataset.ready = 'traces';
    } catch (e) {
      results.replaceChildren(errorBox(e));
      root.dataset.ready = 'error';
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  await run();
  return () => {};
}

/** Spans in tree order (parents before children, siblings by start), with depth. */
export function treeOrder(spans: Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.id));
  const kids = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parentId && ids.has(s.parentId) && s.parentId !== s.id) {
      if (!kids.has(s.parentId)) kids.set(s.parentId, []);
      kids.get(s.parentId)!.push(s);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || (a.kind === 'CLIENT' ? -1 : 1);
  const out: { span: Span; depth: number }[] = [];
  const seen = new Set<Span>();
  const visit = (s: Span, d: number) => {
    if (seen.has(s)) return;
    seen.add(s);
    out.push({ span: s, depth: d });
    for (const c of (kids.get(s.id) ?? []).sort(byStart)) visit(c, d + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  return out;
}

async function traceView(root: HTMLElement, id: string): Promise<() => void> {
  root.append(h('div', { class: 'toolbar' }, link('/traces', '← search'), h('h1', { style: 'margin:0' }, 'Trace ', h('code', {}, id))));
  let spans: Span[];
  try {
    spans = await api.trace(id);
  } catch (e) {
    root.append(errorBox(e));
    root.dataset.ready = 'error';
    return () => {};
  }
  const s = summarize(spans);
  const total = Math.max(1, s.durationUs);
  root.append(h('p', { class: 'muted' }, `${spans.length} spans · ${s.services} services · ${fmtMs(s.durationUs / 1000)} · started ${fmtTime(s.start)} · ${s.errors} with errors`));
  const wf = h('div', { class: 'waterfall', id: 'waterfall' });
  for (const { span, depth } of treeOrder(spans)) {
    const left = (((span.timestamp ?? s.start) - s.start) / total) * 100;
    const width = Math.max(0.2, ((span.duration ?? 0) / total) * 100);
    const failed = spanFailed(span);
    const tags = h('div', { class: 'span-tags', hidden: true },
      h('table', {}, Object.entries({
        'span id': span.id, parent: span.parentId ?? '—', kind: span.kind ?? '—', service: svcOf(span),
        remote: span.remoteEndpoint ? `${span.remoteEndpoint.serviceName ?? ''} ${span.remoteEndpoint.ipv4 ?? ''}${span.remoteEndpoint.port ? `:${span.remoteEndpoint.port}` : ''}` : '—',
        ...span.tags,
      }).sort(([a], [b]) => (/^(span id|parent|kind|service|remote)$/.test(a) ? 0 : 1) - (/^(span id|parent|kind|service|remote)$/.test(b) ? 0 : 1))
        .map(([k, v]) => h('tr', { 'data-tag': k }, h('td', {}, k), h('td', { class: /x-weft-error|error|response_flags/.test(k) && v !== '-' ? 'health-failure' : '' }, String(v))))));
    const row = h('div', { class: 'span-row', 'data-span': span.id, 'data-service': svcOf(span), 'data-name': span.name ?? '', 'data-kind': span.kind ?? '', onclick: () => (tags.hidden = !tags.hidden) },
      h('div', { class: 'name', style: `padding-left:${8 + depth * 14}px`, title: `${svcOf(span)} ${span.name ?? ''}` },
        h('strong', { class: failed ? 'health-failure' : '' }, svcOf(span)), ' ', span.name ?? '', span.kind ? h('span', { class: 'muted' }, ` ${span.kind.toLowerCase()}`) : null),
      h('div', { class: 'lane' }, h('div', { class: `bar${failed ? ' error' : ''}`, style: `left:${left}%;width:${width}%` }),
        h('span', { class: 'dur', style: `left:calc(${Math.min(left + width, 100)}% + 4px)` }, fmtMs((span.duration ?? 0) / 1000))));
    wf.append(row, tags);
  }
  root.append(wf, h('p', { class: 'muted' }, 'Click a span for its tags.'));
  root.dataset.ready = 'trace';
  return () => {};
}

export const tracesPage: Page = async (root, params, query) => (params[0] ? traceView(root, params[0]) : searchView(root, query));
