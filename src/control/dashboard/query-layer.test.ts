// --prometheus and its fallback, with real sockets: a port nothing listens
// on, a server that never answers (the 2 s timeout, shortened here), one that
// answers 500 or non-JSON, and a Prometheus-shaped server whose answers pass
// through. The embedded store answers whenever Prometheus cannot, and says so.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Dashboard } from './dashboard.js';
import { MetricsStore } from './metrics-store.js';
import { EmbeddedQueryLayer, FallbackQueryLayer, formatValue } from './query-layer.js';

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

describe('the embedded query layer', () => {
  it('a query nested too deeply for the stack is bad data (400), not an internal error', async () => {
    const layer = new EmbeddedQueryLayer(new MetricsStore({ windowMs: 3_600_000, maxSeries: 10, maxSamples: 100 }), {}, () => 1_000_000);
    for (const q of ['('.repeat(8000) + '1' + ')'.repeat(8000), Array(8000).fill('vector(1)').join(' + ')]) {
      const a = await layer.query(q);
      assert.equal(a.status, 'error');
      assert.equal(a.status === 'error' && a.errorType, 'bad_data');
      assert.match(a.status === 'error' ? a.error : '', /nested too deeply/);
      const r = await layer.queryRange(q, 1000, 1010, 5);
      assert.equal(r.status === 'error' && r.errorType, 'bad_data');
    }
    // Moderate nesting still evaluates.
    const ok = await layer.query('('.repeat(200) + '1' + ')'.repeat(200));
    assert.deepEqual(ok, { status: 'success', data: { resultType: 'scalar', result: [1000, '1'] } });
  });
});

describe('--prometheus with fallback to the embedded store', () => {
  const store = new MetricsStore({ windowMs: 3_600_000, maxSeries: 100, maxSamples: 1000 });
  store.append({ __name__: 'up', pod: 'embedded' }, 1_000_000, 1);
  const embedded = new EmbeddedQueryLayer(store, {}, () => 1_000_000);
  let clock = 1_000_000;
  const servers: http.Server[] = [];
  let refusedUrl = '';
  let slowUrl = '';
  let slowHits = 0;
  let brokenUrl = '';
  let promUrl = '';
  const promQueries: string[] = [];

  before(async () => {
    const gone = await listen(() => undefined);
    await new Promise<void>((r) => gone.server.close(() => r()));
    refusedUrl = `http://127.0.0.1:${gone.port}`;
    const slow = await listen(() => void slowHits++); // accepts, never answers
    servers.push(slow.server);
    slowUrl = `http://127.0.0.1:${slow.port}`;
    const broken = await listen((req, res) => {
      if (req.url?.startsWith('/api/v1/query_range')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy error</html>');
      else res.writeHead(500, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"internal","error":"tsdb closed"}');
    });
    servers.push(broken.server);
    brokenUrl = `http://127.0.0.1:${broken.port}`;
    const prom = await listen((req, res) => {
      const u = new URL(req.url!, 'http://x');
      promQueries.push(`${u.pathname}?${u.searchParams}`);
      if (u.pathname === '/-/healthy') return void res.end('Prometheus Server is Healthy.\n');
      if (u.searchParams.get('query') === 'bad(') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'prometheus' }, value: [1000, '1'] }] } }));
    });
    servers.push(prom.server);
    promUrl = `http://127.0.0.1:${prom.port}/`;
  });

  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const layer = (url: string) => new FallbackQueryLayer(url, embedded, { timeoutMs: 300, retryMs: 10_000, now: () => clock });

  it('a port nothing listens on: the embedded store answers, with the warning naming the URL and the reason', async () => {
    // A generous timeout: the refusal is immediate, but the process's first fetch() loads undici, which on a
    // loaded machine took longer than the 300 ms the timeout tests use (the warning then said "no answer").
    const a = await new FallbackQueryLayer(refusedUrl, embedded, { timeoutMs: 10_000, retryMs: 10_000, now: () => clock }).query('up');
    assert.equal(a.status, 'success');
    assert.deepEqual(a.status === 'success' && a.data.resultType === 'vector' && a.data.result.map((r) => r.metric.pod), ['embedded']);
    assert.equal(a.warnings?.length, 1);
    assert.match(a.warnings![0]!, new RegExp(`^prometheus at ${refusedUrl.replaceAll('.', '\\.')} unreachable: ECONNREFUSED.*; answered from the embedded store$`));
  });

  it('a Prometheus that does not answer in time: abandoned at the timeout, and not asked again until the retry interval passes', async () => {
    const l = layer(slowUrl);
    const first = await l.queryRange('up', 990, 1000, 5);
    assert.equal(first.status, 'success');
    assert.match(first.warnings![0]!, /unreachable: no answer within 300 ms; answered from the embedded store/);
    assert.equal(slowHits, 1);
    assert.deepEqual(l.status, { url: slowUrl, healthy: false, error: 'no answer within 300 ms' });
    const second = await l.query('up');
    assert.match(second.warnings![0]!, /no answer within 300 ms/);
    assert.equal(slowHits, 1, 'not asked again within the retry interval');
    clock += 10_001;
    await l.query('up');
    assert.equal(slowHits, 2);
    clock = 1_000_000;
  });

  it('a Prometheus answering 500 or something that is not its API: the embedded store answers', async () => {
    const a = await layer(brokenUrl).query('up');
    assert.match(a.warnings![0]!, /unreachable: HTTP 500: tsdb closed; answered from the embedded store/);
    const b = await layer(brokenUrl).queryRange('up', 990, 1000, 5);
    assert.match(b.warnings![0]!, /unreachable: HTTP 200, not a Prometheus API answer/);
    assert.equal(b.status === 'success' && b.data.result.length, 1);
  });

  it('a healthy Prometheus: its answers pass through (its query errors too), without warnings', async () => {
    const l = layer(promUrl);
    const a = await l.query('up', 1000);
    assert.deepEqual(a, { status: 'success', data: { resultType: 'vector', result: [{ metric: { pod: 'prometheus' }, value: [1000, '1'] }] } });
    const bad = await l.query('bad(');
    assert.deepEqual(bad, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input' });
    assert.ok(promQueries.includes('/api/v1/query?query=up&time=1000'), promQueries.join(' '));
    assert.deepEqual(await l.probe(), { url: promUrl.replace(/\/$/, ''), healthy: true });
  });

  it('through the dashboard: status reports Prometheus unhealthy with the reason; /api/v1/query carries the warning', async () => {
    const dash = new Dashboard({ prometheusUrl: slowUrl, prometheusTimeoutMs: 300, now: () => clock }, { config: () => ({ snapshot: undefined, analysis: [], proxies: [] }), traces: () => undefined, locate: () => undefined });
    const api = await listen((req, res) => void dash.handle(req, res));
    servers.push(api.server);
    const base = `http://127.0.0.1:${api.port}`;
    const st = (await (await fetch(`${base}/api/dashboard/status`)).json()) as { source: string; prometheus: unknown };
    assert.equal(st.source, 'prometheus');
    assert.deepEqual(st.prometheus, { url: slowUrl, healthy: false, error: 'no answer within 300 ms' });
    const q = (await (await fetch(`${base}/api/v1/query?query=vector(1)`)).json()) as { status: string; warnings: string[] };
    assert.equal(q.status, 'success');
    assert.match(q.warnings[0]!, /^prometheus at .* unreachable: no answer within 300 ms; answered from the embedded store$/);
    await dash.stop();
  });
});

describe('formatValue: Prometheus\'s float text', () => {
  it('no exponent; NaN and infinities spelled as Prometheus spells them', () => {
    const cases: [number, string][] = [[1, '1'], [0.1, '0.1'], [1e-7, '0.0000001'], [1.5e-10, '0.00000000015'], [2e21, '2000000000000000000000'], [1.2345e22, '12345000000000000000000'], [-3e-7, '-0.0000003'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [123.456, '123.456']];
    for (const [v, s] of cases) assert.equal(formatValue(v), s, String(v));
  });
});
