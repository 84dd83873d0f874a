// The time window shared by the graph and the metrics pages (Kiali's "last 1/5/15/60 min").
import { h } from './dom.js';

export const WINDOWS = ['1m', '5m', '15m', '60m'] as const;
export type Win = (typeof WINDOWS)[number];
const KEY = 'weft-dashboard-window';

export function currentWindow(q: URLSearchParams): Win {
  const w = q.get('window') ?? localStorage.getItem(KEY);
  return (WINDOWS as readonly string[]).includes(w ?? '') ? (w as Win) : '5m';
}

export function windowSeconds(w: Win): number {
  return Number(w.slice(0, -1)) * 60;
}

/** Buttons for the windows; `onChange` runs after the choice is saved and put in the URL. */
export function windowSelector(current: Win, onChange: (w: Win) => void): HTMLElement {
  const el = h('span', { class: 'window-sel', role: 'group', 'aria-label': 'Time window' }, h('span', { class: 'muted' }, 'Last '));
  const buttons = WINDOWS.map((w) =>
    h('button', { type: 'button', 'data-window': w, class: w === current ? 'active' : '', onclick: () => {
      localStorage.setItem(KEY, w);
      const u = new URL(location.href);
      u.searchParams.set('window', w);
      history.replaceState(null, '', u);
      for (const b of buttons) b.classList.toggle('active', b.dataset.window === w);
      onChange(w);
    } }, w.replace('m', ' min')));
  el.append(...buttons);
  return el;
}
