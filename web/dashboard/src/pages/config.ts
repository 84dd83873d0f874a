// Config health (istioctl analyze + proxy-status + Kiali's validations): every
// Istio object with its messages and codes and the file:line it came from,
// each proxy's ACKed/NACKed versions per xDS type, and translation notes.
import { api, type ConfigObject, type ProxyStatus } from '../api.js';
import { errorBox, fileRef, h, table } from '../dom.js';
import type { Page } from '../main.js';

/** The anchor id of an object's row, used by the failures page to link here. */
export function objectAnchor(kind: string, name: string, namespace: string): string {
  return `obj-${kind}-${name}-${namespace}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

const shortType = (t: string) => t.replace(/^type\.googleapis\.com\/envoy\.config\.\w+\.v3\./, '').replace(/^type\.googleapis\.com\//, '');
const rank = { rejected: 0, warning: 1, accepted: 2 } as const;

function objectsTable(objects: ConfigObject[], onlyProblems: boolean): HTMLElement {
  const list = objects.filter((o) => !onlyProblems || o.status !== 'accepted' || o.messages.length)
    .sort((a, b) => rank[a.status] - rank[b.status] || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  if (!list.length) return h('p', { class: 'muted' }, onlyProblems ? 'No problems: every object was accepted without messages.' : 'No objects.');
  const t = table(['Object', 'Status', 'Messages', 'Source'], []);
  t.id = 'objects-table';
  for (const o of list) {
    t.tBodies[0]!.append(h('tr', { id: objectAnchor(o.kind, o.name, o.namespace), 'data-status': o.status, 'data-object': `${o.kind}/${o.namespace}/${o.name}` },
      h('td', {}, h('strong', {}, o.kind), ' ', `${o.name}.${o.namespace}`),
      h('td', {}, h('span', { class: `badge ${o.status}` }, o.status)),
      h('td', {}, o.messages.length ? o.messages.map((m) => h('div', { class: 'msg', 'data-code': m.code },
        h('code', { class: `health-${/^error$/i.test(m.severity) ? 'failure' : /^warning$/i.test(m.severity) ? 'degraded' : 'idle'}`, title: m.severity }, m.code), ' ', m.message,
        m.istio && m.istio !== m.code ? h('span', { class: 'muted', title: 'Istio\'s code for this finding' }, ' (', h('code', {}, m.istio), ')') : null,
        m.path ? h('span', { class: 'muted' }, ' at ', h('code', {}, m.path)) : null,
        m.file && (m.file !== o.file || (m.line && m.line !== o.line)) ? h('span', { class: 'muted' }, ' in ', fileRef(m.file, m.line)) : null)) : h('span', { class: 'muted' }, '—')),
      h('td', {}, fileRef(o.file, o.line) ?? h('span', { class: 'muted' }, '—'))));
  }
  return t;
}

function proxiesTable(proxies: ProxyStatus[]): HTMLElement {
  if (!proxies.length) return h('p', { class: 'muted' }, 'No proxies have connected.');
  const types = [...new Set(proxies.flatMap((p) => p.types.map((t) => t.typeUrl)))].sort();
  const t = table(['Proxy', 'Connected', ...types.map(shortType)], proxies.sort((a, b) => a.id.localeCompare(b.id)).map((p) => [
    h('span', {}, p.id, p.cluster ? h('div', { class: 'muted' }, p.cluster) : null),
    h('span', { class: `badge ${p.connected ? 'up' : 'down'}` }, p.connected ? 'yes' : 'no'),
    ...types.map((tu) => {
      const s = p.types.find((x) => x.typeUrl === tu);
      if (!s) return h('span', { class: 'muted' }, '—');
      if (s.nack) return h('span', { class: 'nack-cell' }, h('span', { class: 'badge nack' }, `NACK ${s.nack.version ?? ''}`), h('div', { class: 'health-failure' }, s.nack.message));
      const synced = s.sentVersion !== undefined && s.sentVersion === s.ackedVersion;
      return h('span', { title: `sent ${s.sentVersion ?? '–'}, acked ${s.ackedVersion ?? '–'}` },
        h('span', { class: `badge ${synced ? 'ok' : 'warning'}` }, synced ? 'ACK' : 'pending'), ' ', h('code', {}, s.ackedVersion ?? '–'),
        !synced && s.sentVersion ? h('span', { class: 'muted' }, ` (sent ${s.sentVersion})`) : null);
    }),
  ]));
  t.id = 'proxies-table';
  return t;
}

export const configPage: Page = async (root) => {
  let onlyProblems = false;
  const objHolder = h('div');
  const head = h('div', { class: 'cards' });
  root.append(h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0' }, 'Config health'), h('span', { class: 'spacer' }),
    h('label', {}, h('input', { type: 'checkbox', id: 'only-problems', onchange: (e: Event) => { onlyProblems = (e.target as HTMLInputElement).checked; draw(); } }), ' only objects with messages')), head);
  let cfg;
  try {
    cfg = await api.config();
  } catch (e) {
    root.append(errorBox(e));
    root.dataset.ready = 'error';
    return () => {};
  }
  const c = cfg;
  const draw = () => objHolder.replaceChildren(objectsTable(c.objects, onlyProblems));
  const count = (s: string) => c.objects.filter((o) => o.status === s).length;
  const nacks = c.proxies.reduce((n, p) => n + p.types.filter((t) => t.nack).length, 0);
  head.append(
    ...[['accepted', count('accepted'), 'ok'], ['warnings', count('warning'), 'warning'], ['rejected', count('rejected'), 'rejected'],
      ['proxies connected', `${c.proxies.filter((p) => p.connected).length}/${c.proxies.length}`, 'ok'], ['NACKs', nacks, nacks ? 'rejected' : 'ok'], ['notes', c.notes.length, 'ok']]
      .map(([k, v, cls]) => h('div', { class: 'card' }, h('div', { class: `v badge-less ${Number(v) > 0 && cls !== 'ok' ? (cls === 'warning' ? 'health-degraded' : 'health-failure') : ''}` }, String(v)), h('div', { class: 'k' }, String(k)))),
  );
  draw();
  root.append(
    h('h2', {}, `Objects (${c.objects.length})`), objHolder,
    h('h2', {}, `Proxies (${c.proxies.length})`), proxiesTable(c.proxies),
    h('h2', {}, `Translation notes (${c.notes.length})`),
    c.notes.length ? table(['Code', 'Note', 'Object', 'Source'], c.notes.map((n) => [h('code', {}, n.code), n.message, n.object ?? '—', fileRef(n.file, n.line) ?? '—']), { id: 'notes-table' })
      : h('p', { class: 'muted' }, 'No notes.'),
  );
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView({ block: 'center' });
  document.getElementById(location.hash.slice(1))?.classList.add('selected');
  root.dataset.ready = 'config';
  return () => {};
};
