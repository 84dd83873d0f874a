// The dashboard in a real browser (Debian's chromium via playwright-core)
// against the fixture server's synthetic 50-service mesh: every page renders
// its data, the graph groups versions and colours a failing edge, a refresh
// keeps the layout, the warnings banner shows, both colour schemes apply.
// Page-load times are measured and reported (diagnostics), never asserted.
// The same UI against a real `weft up` is dashboard-bookinfo.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, hexToRgb, launch, loadPage, newPage } from './dashboard-browser.js';
import { DashboardFixture, fixtureGraph } from './dashboard-fixture.js';

const SERVICES = 50;
const SKIP = browserSkipReason();


describe('dashboard UI in chromium (fixture API, 50 services)', { skip: SKIP, timeout: 120_000 }, () => {
  let fixture: DashboardFixture;
  let base: string;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const loadMs: Record<string, { ms: number; cpuMs: number }> = {};

  before(async () => {
    fixture = new DashboardFixture({ services: SERVICES, prometheusDown: true });
    base = `http://127.0.0.1:${await fixture.listen()}/dashboard`;
    browser = await launch();
    ({ page, errors } = await newPage(browser));
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('graph: every service with its versions as compound nodes, edges, a red failing edge, a scrape-down node, the banner', async (t) => {
    const { ms, cpuMs, ready } = await loadPage(page, `${base}/graph?refreshMs=500`);
    assert.equal(ready, 'graph');
    loadMs.graph = { ms, cpuMs };
    const g = fixtureGraph(SERVICES);
    const shape = await page.evaluate(() => {
      const cy = window.__weftGraph!;
      return { nodes: cy.nodes().length, parents: cy.nodes(':parent').length, edges: cy.edges().length };
    });
    assert.deepEqual(shape, { nodes: g.nodes.length + SERVICES /* one box per service */, parents: SERVICES, edges: g.edges.length });
    const bad = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bad').trim());
    const failing = await page.evaluate(() => {
      const e = window.__weftGraph!.getElementById('wl:default/svc-1-v1->svc:svc-3.default.svc.cluster.local#http');
      return { health: e.data('health'), colour: e.style('line-color'), label: e.data('label') };
    });
    assert.equal(failing.health, 'failure');
    assert.equal(failing.colour.replace(/\s/g, ''), hexToRgb(bad));
    assert.match(String(failing.label), /50\.0% err/);
    const healthy = await page.evaluate(() => window.__weftGraph!.getElementById('ingress:edge->svc:svc-0.default.svc.cluster.local#http').data('health'));
    assert.equal(healthy, 'ok');
    const down = await page.evaluate(() => {
      const n = window.__weftGraph!.getElementById('wl:default/svc-7-v2');
      return { scrape: n.data('scrape'), label: n.data('label'), border: n.style('border-style'), parent: n.data('parent') };
    });
    assert.deepEqual(down, { scrape: 'down', label: 'svc-7-v2\n⚠ scrape down', border: 'dashed', parent: 'grp:svc-7.default.svc.cluster.local' });
    // The status request runs beside the page's own: wait for the banner to say both things.
    await page.waitForFunction(() => /1 of 100 scrape targets cannot be scraped/.test(document.getElementById('banner')?.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.match((await page.textContent('#banner')) ?? '', /prometheus at http:\/\/127\.0\.0\.1:1 (is )?unreachable/i);
    assert.equal(await page.isVisible('#banner'), true);
  });

  it('graph: a refresh recolours an edge and keeps every node where it was', async () => {
    const before = await page.evaluate(() => window.__weftGraph!.nodes(':childless').map((n) => [n.id(), n.position()] as const));
    const id = 'wl:default/svc-0-v1->svc:svc-2.default.svc.cluster.local#http';
    assert.equal(await page.evaluate((e) => window.__weftGraph!.getElementById(e).data('health'), id), 'ok');
    fixture.setEdgeErrorRatio(id, 0.3);
    await page.waitForFunction((e) => window.__weftGraph!.getElementById(e).data('health') === 'failure', id, { timeout: 10_000 });
    const after = await page.evaluate(() => window.__weftGraph!.nodes(':childless').map((n) => [n.id(), n.position()] as const));
    assert.deepEqual(new Map(after), new Map(before));
    fixture.setEdgeErrorRatio(id, 0);
  });

  it('graph: clicking an edge row shows its details; the window selector reloads for that window', async () => {
    await page.click('tr[data-edge="wl:default/svc-1-v1->svc:svc-3.default.svc.cluster.local#http"]');
    const details = await page.textContent('#details');
    assert.match(details ?? '', /svc-1-v1 → svc-3/);
    assert.match(details ?? '', /50\.0% \(failure\)/);
    assert.match(details ?? '', /mutual TLS/);
    // A node: its labels, its traffic, a link to its metrics page. Paused: the test's fast refresh keeps the page busy.
    await page.click('#graph-pause');
    await page.evaluate(() => window.scrollTo(0, 0));
    const at = await page.evaluate(() => {
      const p = (window.__weftGraph!.getElementById('wl:default/svc-7-v2') as unknown as { renderedPosition(): { x: number; y: number } }).renderedPosition();
      const r = document.getElementById('cy')!.getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    });
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => /svc-7-v2/.test(document.getElementById('details')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const node = (await page.textContent('#details')) ?? '';
    assert.match(node, /svc-7-v2/);
    assert.match(node, /scrapedown/);
    assert.match(node, /Inbound.*svc-7/s);
    await page.click('#details a[href*="/workload?"]');
    await page.waitForSelector('.page[data-ready="metrics"]');
    assert.match(page.url(), /\/dashboard\/workload\?namespace=default&name=svc-7-v2/);
    await page.goBack();
    await page.waitForSelector('.page[data-ready="graph"]');
    await page.click('button[data-window="15m"]');
    await page.waitForSelector('.page[data-window="15m"]', { timeout: 10_000 });
    assert.match(page.url(), /window=15m/);
  });

  it('colour scheme: the toggle switches to dark and back; the graph restyles', async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.click('#theme-toggle'); // auto → dark
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    const dark = await bg();
    assert.notEqual(dark, light);
    const badDark = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bad').trim());
    const colour = await page.evaluate(() => window.__weftGraph!.getElementById('wl:default/svc-1-v1->svc:svc-3.default.svc.cluster.local#http').style('line-color'));
    assert.equal(colour.replace(/\s/g, ''), hexToRgb(badDark));
    await page.click('#theme-toggle'); // dark → light
    await page.click('#theme-toggle'); // light → auto
    assert.equal(await page.getAttribute('html', 'data-theme'), null);
    assert.equal(await bg(), light);
  });

  it('services page lists every service and the scrape targets, the down one with its error', async () => {
    loadMs.services = await loadPage(page, `${base}/services`);
    assert.equal(await page.locator('#services-table tbody tr').count(), SERVICES + 1); // + the external host
    const down = page.locator('#targets-table tbody tr', { hasText: 'svc-7-v2' });
    assert.match((await down.textContent()) ?? '', /down.*ECONNREFUSED/);
  });

  it('service page: Istio Service Dashboard panels, each drawn from its PromQL', async () => {
    const host = 'svc-3.default.svc.cluster.local';
    loadMs.service = await loadPage(page, `${base}/service?host=${host}`);
    const panels = await page.$$eval('[data-panel]', (els) => els.map((e) => ({ id: (e as HTMLElement).dataset.panel, series: Number((e as HTMLElement).dataset.series ?? 0), error: (e as HTMLElement).dataset.error })));
    assert.equal(panels.length, 12);
    for (const p of panels) assert.ok(p.series >= 1 && !p.error, `panel ${p.id}: ${JSON.stringify(p)}`);
    assert.equal(await page.locator('.uplot').count(), 12);
    // Istio's own expressions (istio-service-dashboard.json, reporter=destination).
    assert.ok(fixture.queries.includes(`round(sum(irate(istio_requests_total{reporter=~"destination",destination_service=~"${host}"}[5m])), 0.001)`), fixture.queries.slice(-12).join('\n'));
    assert.ok(fixture.queries.includes(`histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=~"destination",destination_service=~"${host}"}[1m])) by (le))`));
    assert.ok(fixture.queries.includes(`sum(irate(istio_tcp_received_bytes_total{reporter=~"destination",destination_service=~"${host}"}[1m])) by (source_workload, source_workload_namespace)`));
  });

  it('workload page: inbound and outbound panels', async () => {
    loadMs.workload = await loadPage(page, `${base}/workload?namespace=default&name=svc-3-v1`);
    const n = await page.$$eval('[data-panel]', (els) => els.filter((e) => Number((e as HTMLElement).dataset.series) >= 1).length);
    assert.equal(n, 11);
    assert.ok(fixture.queries.includes('round(sum(irate(istio_requests_total{reporter=~"source",source_workload_namespace=~"default",source_workload=~"svc-3-v1"}[5m])) by (destination_service, response_code), 0.001)'));
  });

  it('config page: the rejected object with its code, path and file:line; a NACK with its message', async () => {
    loadMs.config = await loadPage(page, `${base}/config`);
    const row = page.locator('tr[data-object="VirtualService/default/broken"]');
    assert.equal(await row.getAttribute('data-status'), 'rejected');
    const text = (await row.textContent()) ?? '';
    assert.match(text, /WEFT_CONFIG_INVALID/);
    assert.match(text, /spec\.http\[0\]\.route\[0\]\.destination\.host/);
    assert.match(text, /config\/broken\.yaml:3/);
    assert.match((await page.textContent('#proxies-table')) ?? '', /NACK 8route: unknown cluster "outbound\|9080\|\|nowhere"/);
    await page.check('#only-problems');
    assert.equal(await page.locator('#objects-table tbody tr').count(), 2);
  });

  it('traces: search, the error filter, a waterfall with its spans and their tags', async () => {
    loadMs.traces = await loadPage(page, `${base}/traces`);
    assert.equal(await page.locator('#trace-table tbody tr').count(), 12);
    await page.selectOption('#trace-status', 'error');
    await page.click('#trace-search button[type=submit]');
    await page.waitForSelector('.page[data-ready="traces"]');
    const errs = await page.$$eval('#trace-table tbody tr', (rows) => rows.map((r) => Number(r.children[5]!.textContent)));
    assert.equal(errs.length, 3);
    assert.ok(errs.every((e) => e > 0));
    await page.click('#trace-table tbody tr >> nth=0');
    await page.waitForSelector('.page[data-ready="trace"]');
    const spans = await page.$$eval('.span-row', (rows) => rows.map((r) => `${(r as HTMLElement).dataset.service} ${(r as HTMLElement).dataset.kind}`));
    assert.deepEqual(spans, ['edge SERVER', 'svc-0 SERVER', 'svc-0 CLIENT']);
    await page.click('.span-row >> nth=2');
    assert.match((await page.textContent('.span-tags:not([hidden])')) ?? '', /x-weft-errorWEFT_FAULT_ABORT/);
  });

  it('failures: a local reply explained, linked to its config object', async () => {
    loadMs.replies = await loadPage(page, `${base}/replies`);
    assert.equal(await page.getAttribute('#explanation', 'data-code'), 'WEFT_FAULT_ABORT');
    // 30 failures of two kinds: grouped by default, one row per request on demand.
    const counts = await page.$$eval('#replies-table tbody tr', (trs) => trs.map((r) => `${(r as HTMLElement).dataset.code}×${r.children[1]!.textContent}`));
    assert.deepEqual(counts.sort(), ['WEFT_FAULT_ABORT×20', '×10'].sort());
    await page.uncheck('#group-replies');
    await page.waitForFunction(() => document.querySelectorAll('#replies-table tbody tr').length === 30);
    assert.match((await page.textContent('#explanation')) ?? '', /Fault injection abort.*config\/svc-3\.yaml:12/s);
    await page.click('#explain-object a');
    await page.waitForSelector('.page[data-ready="config"]');
    assert.equal(await page.getAttribute('tr.selected', 'data-object'), 'VirtualService/default/svc-3');
  });

  it('no uncaught errors in the page; load times reported', (t) => {
    assert.deepEqual(errors, []);
    t.diagnostic(`page load with ${SERVICES} services (navigation start → data on screen, wall ms / main-thread busy ms): ${Object.entries(loadMs).map(([k, v]) => `${k} ${v.ms.toFixed(0)}/${v.cpuMs.toFixed(0)}`).join(', ')}`);
  });
});
