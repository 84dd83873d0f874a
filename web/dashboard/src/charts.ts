// A time-series panel: one or more PromQL range queries drawn with uPlot, the
// query text shown under the title (so a figure can be checked against
// Grafana or Prometheus with the same expression).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { queryRange, type PromSeries } from './api.js';
import { fmtBytes, fmtMs, fmtNum, h } from './dom.js';
import { cssVar } from './theme.js';

export type Unit = 'rps' | 'ratio' | 'ms' | 'bytes' | 'Bps';

export interface PanelQuery {
  query: string;
  /** Legend text of one series (defaults to its labels). */
  legend?: (m: Record<string, string>) => string;
}

export interface PanelSpec {
  id: string;
  title: string;
  unit: Unit;
  queries: PanelQuery[];
}

/** Colours that read on both light and dark backgrounds. */
const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#6366f1', '#14b8a6', '#a855f7'];
const MAX_SERIES = 12;

function fmt(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'rps': return `${fmtNum(v, 3)}/s`;
    case 'ratio': return `${+(v * 100).toFixed(2)}%`;
    case 'ms': return fmtMs(v);
    case 'bytes': return fmtBytes(v);
    case 'Bps': return `${fmtBytes(v)}/s`;
  }
}

function labelsOf(m: Record<string, string>): string {
  const e = Object.entries(m).filter(([k]) => k !== '__name__');
  return e.length ? e.map(([, v]) => v).join(' · ') : 'total';
}

/** One-line time labels: seconds shown for windows up to 15 minutes (uPlot's default adds a second, overlapping date row). */
function clock(s: number, spanS: number): string {
  const d = new Date(s * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}${spanS <= 900 ? `:${p(d.getSeconds())}` : ''}`;
}

export interface Range {
  start: number;
  end: number;
  step: number;
}

/** Aligns the series of every query on the range's step grid. */
export function align(range: Range, sets: { series: PromSeries[]; q: PanelQuery }[]): { xs: number[]; ys: { label: string; values: (number | null)[] }[] } {
  const xs: number[] = [];
  for (let t = range.start; t <= range.end + 1e-9; t += range.step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys: { label: string; values: (number | null)[]; last: number }[] = [];
  for (const { series, q } of sets) {
    for (const s of series) {
      const values: (number | null)[] = new Array(xs.length).fill(null);
      let last = 0;
      for (const [t, v] of s.values ?? []) {
        let i = index.get(Math.round(Number(t) * 1000) / 1000);
        if (i === undefined) i = Math.round((Number(t) - range.start) / range.step);
        if (i < 0 || i >= xs.length) continue;
        const n = Number(v);
        values[i] = Number.isFinite(n) ? n : null;
        if (Number.isFinite(n)) last = n;
      }
      ys.push({ label: (q.legend ?? labelsOf)(s.metric), values, last });
    }
  }
  ys.sort((a, b) => b.last - a.last || a.label.localeCompare(b.label));
  return { xs, ys: ys.slice(0, MAX_SERIES) };
}

/** Draws a panel into a new element and loads its data; the returned `done` settles once it is drawn. */
export function panel(spec: PanelSpec, range: Range): { el: HTMLElement; done: Promise<void>; destroy: () => void } {
  const body = h('div', { class: 'chart-body' }, h('div', { class: 'empty' }, 'loading…'));
  const now = h('span', { class: 'now' });
  const el = h('section', { class: 'chart', 'data-panel': spec.id },
    h('h3', {}, spec.title, now),
    ...spec.queries.map((q) => h('div', { class: 'query', title: q.query }, q.query)),
    body);
  let plot: uPlot | undefined;
  let ro: ResizeObserver | undefined;
  const done = (async () => {
    try {
      const sets = await Promise.all(spec.queries.map(async (q) => ({ q, series: await queryRange(q.query, range.start, range.end, range.step) })));
      const { xs, ys } = align(range, sets);
      el.dataset.series = String(ys.length);
      el.dataset.last = JSON.stringify(ys.map((y) => [y.label, [...y.values].reverse().find((v) => v !== null) ?? null]));
      // Grafana shows these as single stats: the latest value beside the title when there is one series.
      const lastOne = ys.length === 1 ? [...ys[0]!.values].reverse().find((v) => v !== null) : undefined;
      if (lastOne !== undefined && lastOne !== null) now.textContent = fmt(spec.unit, lastOne);
      if (ys.length === 0) {
        body.replaceChildren(h('div', { class: 'empty' }, 'No data in this window.'));
        return;
      }
      body.replaceChildren();
      const fg = cssVar('--fg'), grid = cssVar('--border');
      const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const opts: uPlot.Options = {
        width: Math.max(300, body.clientWidth || 440),
        height: 200,
        // Room on the right for the last time label.
        padding: [8, 24, 0, 0],
        series: [{}, ...ys.map((y, i) => ({ label: y.label, stroke: PALETTE[i % PALETTE.length]!, width: 1.5, spanGaps: false, value: (_u: uPlot, v: number | null) => fmt(spec.unit, v) }))],
        axes: [{ ...axis, space: 60, values: (_u: uPlot, vals: number[]) => vals.map((v) => clock(v, range.end - range.start)) }, { ...axis, size: spec.unit === 'ratio' ? 70 : 64, values: (_u: uPlot, vals: number[]) => vals.map((v) => fmt(spec.unit, v)) }],
        scales: spec.unit === 'ratio' ? { y: { range: (_u, min, max) => [Math.min(min, 0.9), Math.max(max, 1)] } } : {},
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      };
      plot = new uPlot(opts, [xs, ...ys.map((y) => y.values)] as uPlot.AlignedData, body);
      ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, body.clientWidth), height: 200 }));
      ro.observe(body);
    } catch (e) {
      el.dataset.error = '1';
      body.replaceChildren(h('div', { class: 'error-box' }, (e as Error).message));
    }
  })();
  return { el, done, destroy: () => { ro?.disconnect(); plot?.destroy(); } };
}
