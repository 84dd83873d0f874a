import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { StatsStore } from '../../stats/index.js';
import { parsePrometheusText } from '../../stats/prometheus-text-parser.js';
import { appText, MergedMetricsServer } from './merged-metrics-server.js';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('the proxy\'s metrics and the application\'s in one text; an application that is down leaves the proxy\'s part and is counted', async (t) => {
  const app = http.createServer((_req, res) => res.end('# TYPE app_requests_total counter\napp_requests_total{path="/"} 7\n# EOF\n'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as net.AddressInfo).port;
  const stats = new StatsStore();
  stats.labeledCounter('istio_requests_total', { reporter: 'destination' }).add(3);
  const merged = new MergedMetricsServer({ stats, address: '127.0.0.1:0', app: { port: appPort, path: '/metrics' } });
  await merged.start();
  t.after(() => merged.stop());

  const r = await get(merged.port, '/stats/prometheus');
  assert.equal(r.status, 200);
  const fams = parsePrometheusText(r.body);
  assert.equal(fams.get('istio_requests_total')!.samples[0]!.value, 3);
  assert.equal(fams.get('app_requests_total')!.samples[0]!.value, 7);
  assert.equal(fams.get('istio_agent_scrapes_total')!.samples[0]!.value, 1);

  await new Promise<void>((r2) => app.close(() => r2()));
  const down = await get(merged.port, '/stats/prometheus');
  assert.equal(down.status, 200);
  const f2 = parsePrometheusText(down.body);
  assert.equal(f2.get('app_requests_total'), undefined);
  assert.equal(f2.get('istio_requests_total')!.samples[0]!.value, 3);
  assert.equal(f2.get('istio_agent_scrape_failures_total')!.samples[0]!.labels.type, 'application');
  assert.equal((await get(merged.port, '/other')).status, 404);
});

test('appText drops OpenMetrics\' # EOF and ends with a newline', () => {
  assert.equal(appText('a 1\n# EOF\n'), 'a 1\n');
  assert.equal(appText('a 1'), 'a 1\n');
  assert.equal(appText(''), '');
});
