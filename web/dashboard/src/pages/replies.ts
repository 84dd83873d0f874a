// Explain a local reply: recent failed requests from the access log, each
// with its x-weft-error code; picking one shows what the code means, its
// typical causes, and the config object (with file:line) responsible.
import { api, type Reply } from '../api.js';
import { errorBox, fileRef, fmtTime, h, link } from '../dom.js';
import { objectAnchor } from './config.js';
import type { Page } from '../main.js';

/** "Kind name.namespace" or "Kind/namespace/name" → config page anchor. */
function objectLink(object: string): HTMLElement {
  const m = /^(\w+)[ /]([^ /]+?)(?:\.([^ ./]+))?$/.exec(object) ?? /^(\w+)\/([^/]+)\/([^/]+)$/.exec(object);
  if (!m) return h('code', {}, object);
  const slash = /^(\w+)\/([^/]+)\/([^/]+)$/.exec(object);
  const [kind, name, ns] = slash ? [slash[1]!, slash[3]!, slash[2]!] : [m[1]!, m[2]!, m[3] ?? 'default'];
  return link(`/config#${objectAnchor(kind, name, ns)}`, h('code', {}, object));
}

export const repliesPage: Page = async (root, _params, query) => {
  root.append(h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0' }, 'Failed requests and local replies'), h('span', { class: 'spacer' }),
    h('button', { type: 'button', onclick: () => void load() }, 'Refresh')));
  const listHolder = h('div', { id: 'replies' });
  const explainHolder = h('div', { id: 'explain-holder' });
  root.append(h('div', { class: 'graph-layout' }, listHolder, explainHolder));
  let replies: Reply[] = [];
  let selected = -1;
  let grouped = true;

  const explain = async (i: number) => {
    selected = i;
    for (const tr of listHolder.querySelectorAll('tr[data-i]')) tr.classList.toggle('selected', Number((tr as HTMLElement).dataset.i) === i);
    const r = replies[i];
    if (!r) return;
    const we = r.weftError;
    if (!we) {
      explainHolder.replaceChildren(h('div', { class: 'explain' }, h('h3', {}, `${r.status} ${r.method} ${r.path}`),
        h('p', {}, 'This failure carries no x-weft-error code: the reply came from the application (or the upstream), not from the proxy.'),
        r.responseFlags && r.responseFlags !== '-' ? h('p', {}, 'Response flags: ', h('code', {}, r.responseFlags)) : null));
      return;
    }
    explainHolder.replaceChildren(h('p', { class: 'muted' }, `Explaining ${we.code}…`));
    try {
      const x = await api.explain(we.code);
      if (selected !== i) return;
      explainHolder.replaceChildren(h('div', { class: 'explain', id: 'explanation', 'data-code': x.code },
        h('h3', {}, h('code', {}, x.code), ' ', x.title),
        h('p', {}, x.meaning),
        h('h3', {}, 'This request'),
        h('dl', { class: 'kv' }, h('dt', {}, 'request'), h('dd', {}, `${r.method} ${r.path} → ${r.status}`),
          h('dt', {}, 'workload'), h('dd', {}, `${r.workload}${r.reporter ? ` (${r.reporter})` : ''}`),
          h('dt', {}, 'response flags'), h('dd', {}, h('code', {}, r.responseFlags || '-')),
          r.upstreamCluster ? [h('dt', {}, 'upstream cluster'), h('dd', {}, h('code', {}, r.upstreamCluster))] : null,
          r.traceId ? [h('dt', {}, 'trace'), h('dd', { id: 'explain-trace' }, link(`/traces/${r.traceId}`, h('code', {}, r.traceId.slice(0, 16))))] : null,
          h('dt', {}, 'detail'), h('dd', {}, we.detail || '—'),
          h('dt', {}, 'object'), h('dd', { id: 'explain-object' }, we.object ? objectLink(we.object) : h('span', { class: 'muted' }, 'none recorded')),
          h('dt', {}, 'source'), h('dd', {}, fileRef(we.file, we.line) ?? h('span', { class: 'muted' }, '—'))),
        x.typicalCauses.length ? [h('h3', {}, 'Typical causes'), h('ul', {}, x.typicalCauses.map((c) => h('li', {}, c)))] : null,
        x.objectKinds.length ? h('p', { class: 'muted' }, 'Config kinds that can cause it: ', x.objectKinds.join(', ')) : null));
    } catch (e) {
      explainHolder.replaceChildren(errorBox(e));
    }
  };

  const load = async () => {
    try {
      replies = await api.replies(200);
    } catch (e) {
      listHolder.replaceChildren(errorBox(e));
      root.dataset.ready = 'error';
      return;
    }
    replies.sort((a, b) => Number(new Date(typeof b.time === 'number' ? b.time : b.time)) - Number(new Date(typeof a.time === 'number' ? a.time : a.time)));
    if (!replies.length) listHolder.replaceChildren(h('p', { class: 'muted' }, 'No failed requests recorded recently.'));
    else {
      const byCode = new Map<string, number>();
      for (const r of replies) if (r.weftError) byCode.set(r.weftError.code, (byCode.get(r.weftError.code) ?? 0) + 1);
      // Identical failures (same workload, request, status, flags, code and object) are one row with a count.
      const groups = new Map<string, { i: number; n: number }>();
      replies.forEach((r, i) => {
        const k = grouped ? [r.workload, r.method, r.path, r.status, r.responseFlags, r.weftError?.code, r.weftError?.object].join('|') : String(i);
        const g = groups.get(k);
        if (g) g.n++;
        else groups.set(k, { i, n: 1 });
      });
      listHolder.replaceChildren(
        h('div', { class: 'toolbar' },
          h('span', { class: 'muted' }, `${replies.length} recent failures`, byCode.size ? ` · ${[...byCode].map(([c, n]) => `${c} ×${n}`).join(', ')}` : ''),
          h('span', { class: 'spacer' }),
          h('label', {}, h('input', { type: 'checkbox', id: 'group-replies', checked: grouped, onchange: (e: Event) => { grouped = (e.target as HTMLInputElement).checked; void load(); } }), ' group identical')),
        h('table', { class: 'grid', id: 'replies-table' },
          h('thead', {}, h('tr', {}, ['Latest', 'Count', 'Workload', 'Request', 'Status', 'Flags', 'x-weft-error'].map((x) => h('th', {}, x)))),
          h('tbody', {}, [...groups.values()].map(({ i, n }) => {
            const r = replies[i]!;
            return h('tr', { class: 'clickable', 'data-i': i, 'data-code': r.weftError?.code ?? '', onclick: () => void explain(i) },
              h('td', {}, fmtTime(r.time)), h('td', { class: 'num' }, String(n)), h('td', {}, r.workload), h('td', { class: 'mono' }, `${r.method} ${r.path}`),
              h('td', { class: 'num health-failure' }, String(r.status)), h('td', {}, h('code', {}, r.responseFlags || '-')),
              h('td', {}, r.weftError ? h('code', {}, r.weftError.code) : h('span', { class: 'muted' }, '—')));
          }))));
    }
    const want = query.get('code');
    const pick = want ? replies.findIndex((r) => r.weftError?.code === want) : replies.findIndex((r) => r.weftError);
    if (pick >= 0) await explain(pick);
    else explainHolder.replaceChildren(h('p', { class: 'muted' }, 'Pick a failure to explain it.'));
    root.dataset.ready = 'replies';
  };
  await load();
  return () => {};
};
