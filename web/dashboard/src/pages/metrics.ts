// Service and workload pages: the panels of Istio's Grafana "Istio Service
// Dashboard" and "Istio Workload Dashboard", with their PromQL (reporter,
// irate windows, round(…, 0.001), histogram_quantile by le), run through
// /api/v1/query_range so the figures match a Grafana on the same data.
import { h, link } from '../dom.js';
import { panel, type PanelSpec, type Range } from '../charts.js';
import { onThemeChange } from '../theme.js';
import { currentWindow, windowSelector, windowSeconds, type Win } from '../window-sel.js';
import type { Page } from '../main.js';

/** PromQL string literal (for =~ the value is also a regex; names here are plain). */
const lit = (s: string) => JSON.stringify(s);
const by = (m: Record<string, string>, ...keys: string[]) => keys.map((k) => m[k] || '?').join(' · ');
const src = (m: Record<string, string>) => `${m.source_workload ?? '?'}.${m.source_workload_namespace ?? '?'}`;

function quantiles(id: string, title: string, metric: string, sel: string, unit: 'ms' | 'bytes', groupBy: string[], legend: (m: Record<string, string>) => string, qs = ['0.50', '0.90', '0.99']): PanelSpec {
  const byClause = groupBy.length ? `by (${[...groupBy, 'le'].join(', ')})` : 'by (le)';
  return {
    id, title, unit,
    queries: qs.map((q) => ({
      query: `histogram_quantile(${q}, sum(irate(${metric}{${sel}}[1m])) ${byClause})`,
      legend: (m) => `${groupBy.length ? `${legend(m)} ` : ''}P${Number(q) * 100}`,
    })),
  };
}

export function servicePanels(service: string, reporter: string): PanelSpec[] {
  const svc = service.includes('.') ? `destination_service=~${lit(service)}` : `destination_service_name=~${lit(service)}`;
  const sel = `reporter=~${lit(reporter)},${svc}`;
  const rate = (extra = '', w = '5m') => `irate(istio_requests_total{${sel}${extra}}[${w}])`;
  return [
    { id: 'request-volume', title: 'Client request volume', unit: 'rps', queries: [{ query: `round(sum(${rate()}), 0.001)`, legend: () => 'requests/s' }] },
    { id: 'success-rate', title: 'Client success rate (non-5xx responses)', unit: 'ratio', queries: [{ query: `sum(${rate(',response_code!~"5.*"')}) / sum(${rate()})`, legend: () => 'success' }] },
    quantiles('request-duration', 'Client request duration', 'istio_request_duration_milliseconds_bucket', sel, 'ms', [], () => ''),
    { id: 'requests-by-source', title: 'Incoming requests by source and response code', unit: 'rps', queries: [{ query: `round(sum(${rate()}) by (source_workload, source_workload_namespace, response_code), 0.001)`, legend: (m) => `${src(m)} ${m.response_code ?? ''}` }] },
    { id: 'success-by-source', title: 'Incoming success rate (non-5xx) by source', unit: 'ratio', queries: [{ query: `sum(${rate(',response_code!~"5.*"')}) by (source_workload, source_workload_namespace) / sum(${rate()}) by (source_workload, source_workload_namespace)`, legend: src }] },
    quantiles('duration-by-source', 'Incoming request duration by source', 'istio_request_duration_milliseconds_bucket', sel, 'ms', ['source_workload', 'source_workload_namespace'], src, ['0.50', '0.99']),
    quantiles('request-size-by-source', 'Incoming request size by source', 'istio_request_bytes_bucket', sel, 'bytes', ['source_workload', 'source_workload_namespace'], src, ['0.50', '0.99']),
    quantiles('response-size-by-source', 'Response size by source', 'istio_response_bytes_bucket', sel, 'bytes', ['source_workload', 'source_workload_namespace'], src, ['0.50', '0.99']),
    { id: 'requests-by-version', title: 'Incoming requests by destination workload (version) and response code', unit: 'rps', queries: [{ query: `round(sum(irate(istio_requests_total{reporter="destination",${svc}}[5m])) by (destination_workload, destination_workload_namespace, destination_version, response_code), 0.001)`, legend: (m) => by(m, 'destination_workload', 'destination_version', 'response_code') }] },
    { id: 'duration-by-version', title: 'Request duration by destination workload (version)', unit: 'ms', queries: ['0.50', '0.99'].map((q) => ({ query: `histogram_quantile(${q}, sum(irate(istio_request_duration_milliseconds_bucket{reporter="destination",${svc}}[1m])) by (destination_workload, destination_workload_namespace, le))`, legend: (m: Record<string, string>) => `${m.destination_workload ?? '?'} P${Number(q) * 100}` })) },
    { id: 'tcp-received', title: 'Bytes received from incoming TCP connections', unit: 'Bps', queries: [{ query: `sum(irate(istio_tcp_received_bytes_total{${sel}}[1m])) by (source_workload, source_workload_namespace)`, legend: src }] },
    { id: 'tcp-sent', title: 'Bytes sent to incoming TCP connections', unit: 'Bps', queries: [{ query: `sum(irate(istio_tcp_sent_bytes_total{${sel}}[1m])) by (source_workload, source_workload_namespace)`, legend: src }] },
  ];
}

export function workloadPanels(namespace: string, workload: string, reporter: string): PanelSpec[] {
  const inSel = `reporter=~${lit(reporter)},destination_workload_namespace=~${lit(namespace)},destination_workload=~${lit(workload)}`;
  const outSel = `reporter=~"source",source_workload_namespace=~${lit(namespace)},source_workload=~${lit(workload)}`;
  const rate = (sel: string, extra = '') => `irate(istio_requests_total{${sel}${extra}}[5m])`;
  const dst = (m: Record<string, string>) => m.destination_service ?? '?';
  return [
    { id: 'request-volume', title: 'Incoming request volume', unit: 'rps', queries: [{ query: `round(sum(${rate(inSel)}), 0.001)`, legend: () => 'requests/s' }] },
    { id: 'success-rate', title: 'Incoming success rate (non-5xx responses)', unit: 'ratio', queries: [{ query: `sum(${rate(inSel, ',response_code!~"5.*"')}) / sum(${rate(inSel)})`, legend: () => 'success' }] },
    quantiles('request-duration', 'Request duration', 'istio_request_duration_milliseconds_bucket', inSel, 'ms', [], () => ''),
    { id: 'requests-by-source', title: 'Incoming requests by source and response code', unit: 'rps', queries: [{ query: `round(sum(${rate(inSel)}) by (source_workload, source_workload_namespace, response_code), 0.001)`, legend: (m) => `${src(m)} ${m.response_code ?? ''}` }] },
    quantiles('request-size-by-source', 'Incoming request size by source', 'istio_request_bytes_bucket', inSel, 'bytes', ['source_workload', 'source_workload_namespace'], src, ['0.50', '0.99']),
    quantiles('response-size-by-source', 'Response size by source', 'istio_response_bytes_bucket', inSel, 'bytes', ['source_workload', 'source_workload_namespace'], src, ['0.50', '0.99']),
    { id: 'outbound-by-destination', title: 'Outgoing requests by destination and response code', unit: 'rps', queries: [{ query: `round(sum(${rate(outSel)}) by (destination_service, response_code), 0.001)`, legend: (m) => `${dst(m)} ${m.response_code ?? ''}` }] },
    { id: 'outbound-success', title: 'Outgoing success rate (non-5xx) by destination', unit: 'ratio', queries: [{ query: `sum(${rate(outSel, ',response_code!~"5.*"')}) by (destination_service) / sum(${rate(outSel)}) by (destination_service)`, legend: dst }] },
    quantiles('outbound-duration', 'Outgoing request duration by destination', 'istio_request_duration_milliseconds_bucket', outSel, 'ms', ['destination_service'], dst, ['0.50', '0.99']),
    { id: 'tcp-received', title: 'Bytes received from incoming TCP connections', unit: 'Bps', queries: [{ query: `sum(irate(istio_tcp_received_bytes_total{${inSel}}[1m])) by (source_workload, source_workload_namespace)`, legend: src }] },
    { id: 'tcp-sent-outbound', title: 'Bytes sent to outgoing TCP connections', unit: 'Bps', queries: [{ query: `sum(irate(istio_tcp_sent_bytes_total{${outSel}}[1m])) by (destination_service)`, legend: dst }] },
  ];
}

function metricsPage(title: (q: URLSearchParams) => { heading: string; sub: Node | string; specs: (reporter: string) => PanelSpec[] } | undefined): Page {
  return async (root, _params, query) => {
    const t = title(query);
    if (!t) {
      root.append(h('div', { class: 'error-box' }, 'Which one? Pick it from the Services page.'));
      root.dataset.ready = 'error';
      return () => {};
    }
    let win: Win = currentWindow(query);
    let reporter = query.get('reporter') === 'source' ? 'source' : 'destination';
    let destroyers: (() => void)[] = [];
    const grid = h('div', { class: 'charts' });
    const render = async () => {
      for (const d of destroyers) d();
      destroyers = [];
      delete root.dataset.ready;
      const end = Math.floor(Date.now() / 1000);
      const secs = windowSeconds(win);
      const range: Range = { start: end - secs, end, step: Math.max(5, Math.ceil(secs / 120)) };
      const panels = t.specs(reporter).map((s) => panel(s, range));
      destroyers = panels.map((p) => p.destroy);
      grid.replaceChildren(...panels.map((p) => p.el));
      await Promise.all(panels.map((p) => p.done));
      root.dataset.ready = 'metrics';
    };
    const repSel = h('select', { id: 'reporter', onchange: (e: Event) => { reporter = (e.target as HTMLSelectElement).value; void render(); } },
      ...['destination', 'source'].map((r) => h('option', { value: r, selected: r === reporter }, `reporter=${r}`)));
    root.append(
      h('div', { class: 'toolbar' }, h('h1', { style: 'margin:0' }, t.heading), h('span', { class: 'muted' }, t.sub), h('span', { class: 'spacer' }),
        windowSelector(win, (w) => { win = w; void render(); }), repSel,
        h('button', { type: 'button', onclick: () => void render() }, 'Refresh')),
      grid,
    );
    const offTheme = onThemeChange(() => void render());
    await render();
    return () => {
      offTheme();
      for (const d of destroyers) d();
    };
  };
}

export const servicePage = metricsPage((q) => q.get('host') ? {
  heading: `Service ${q.get('host')}`,
  sub: h('span', {}, 'Istio Service Dashboard queries · ', link('/services', 'all services')),
  specs: (rep) => servicePanels(q.get('host')!, rep),
} : undefined);

export const workloadPage = metricsPage((q) => q.get('name') ? {
  heading: `Workload ${q.get('name')}.${q.get('namespace') ?? 'default'}`,
  sub: h('span', {}, 'Istio Workload Dashboard queries · ', link('/services', 'all workloads')),
  specs: (rep) => workloadPanels(q.get('namespace') ?? 'default', q.get('name')!, rep),
} : undefined);
