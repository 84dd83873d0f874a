import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { TestForwardProxy } from './lib/test-forward-proxy.js';
import { formatSummary, LoadTally, pct } from './load-report.js';
import { LOAD_DEFAULTS, parseLoadArgs, runLoad, UsageError, type LoadOptions } from './load.js';

const servers: http.Server[] = [];
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all([...servers.map((s) => new Promise((r) => s.close(r))), ...closers.map((c) => c())]);
});

/** Answers 200 and 503-with-UO alternately; tags answers with x-v; records what it saw. */
async function alternating(): Promise<{ url: string; port: number; seen: http.IncomingHttpHeaders[]; maxInFlight: () => number }> {
  let n = 0;
  let inFlight = 0;
  let peak = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const s = http.createServer((req, res) => {
    seen.push(req.headers);
    inFlight++;
    peak = Math.max(peak, inFlight);
    const i = n++;
    setImmediate(() => {
      inFlight--;
      if (i % 2 === 0) res.writeHead(200, { 'x-v': i % 4 === 0 ? 'a' : 'b' }).end('ok');
      else res.writeHead(503, { 'x-weft-error': 'WEFT_UPSTREAM_OVERFLOW circuit breaker max_requests (1) reached; cluster=x' }).end('overflow');
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/productpage`, port, seen, maxInFlight: () => peak };
}

const opts = (o: Partial<LoadOptions> & { url: string }): LoadOptions => ({ ...LOAD_DEFAULTS, headers: {}, countHeaders: [], ...o });

describe('load command', () => {
  it('parses its flags, with defaults and bounds', () => {
    const o = parseLoadArgs(['--url', 'http://127.0.0.1:1/productpage', '--rps', '200', '--seconds', '5', '--concurrency', '50', '--header', 'end-user:jason', '--count-header', 'X-Bookinfo-Reviews', '--json']);
    assert.equal(o.rps, 200);
    assert.equal(o.seconds, 5);
    assert.equal(o.concurrency, 50);
    assert.deepEqual(o.headers, { 'end-user': 'jason' });
    assert.deepEqual(o.countHeaders, ['x-bookinfo-reviews']);
    assert.equal(o.json, true);
    assert.equal(parseLoadArgs(['--url', 'http://h/']).requests, Infinity);
    assert.throws(() => parseLoadArgs([]), UsageError);
    assert.throws(() => parseLoadArgs(['--url', 'http://h/', '--seconds', '9999']), /--seconds/);
    assert.throws(() => parseLoadArgs(['--url', 'http://h/', '--header', 'nocolon']), /--header/);
    assert.throws(() => parseLoadArgs(['--url', 'http://h/', '--bogus', '1']), /unknown flag/);
  });

  it('counts statuses, x-weft-error codes with their flags, and chosen headers; sends the given headers', async () => {
    const srv = await alternating();
    const s = await runLoad(opts({ url: srv.url, rps: 0, requests: 40, concurrency: 4, seconds: 10, headers: { 'end-user': 'jason' }, countHeaders: ['x-v'] }));
    assert.equal(s.requests, 40);
    assert.deepEqual(s.status, { '200': 20, '503': 20 });
    assert.deepEqual(s.weftErrors, { WEFT_UPSTREAM_OVERFLOW: 20 });
    assert.deepEqual(s.flags, { UO: 20 });
    assert.deepEqual(s.headers['x-v'], { a: 10, b: 10, '(none)': 20 });
    assert.deepEqual(s.errors, {});
    assert.ok(srv.seen.every((h) => h['end-user'] === 'jason'));
    assert.ok(srv.maxInFlight() <= 4, `peak ${srv.maxInFlight()} in flight`);
    assert.ok(s.latencyMs.p50 <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max);
    const text = formatSummary(s);
    assert.match(text, /^40 requests to http:\/\/127\.0\.0\.1:\d+\/productpage/);
    assert.match(text, /status +200=20 {2}503=20/);
    assert.match(text, /flags +UO=20/);
  });

  it('paces requests at --rps and stops after --seconds', async () => {
    const srv = await alternating();
    const s = await runLoad(opts({ url: srv.url, rps: 100, seconds: 0.3, concurrency: 5 }));
    // Starts are scheduled at i/rps, so at most rps × seconds start before the deadline.
    assert.ok(s.requests >= 1 && s.requests <= 30, `${s.requests} requests`);
    assert.equal(srv.seen.length, s.requests);
  });

  it('goes through --proxy in absolute form', async () => {
    const srv = await alternating();
    const proxy = await new TestForwardProxy().route('productpage', srv.port).start();
    closers.push(() => proxy.close());
    const s = await runLoad(opts({ url: 'http://productpage:9080/productpage', proxy: proxy.url, rps: 0, requests: 4, concurrency: 2 }));
    assert.equal(s.requests, 4);
    assert.deepEqual(s.status, { '200': 2, '503': 2 });
    assert.ok(proxy.seen.every((r) => r.target === 'http://productpage:9080/productpage' && r.headers.host === 'productpage:9080'));
  });

  it('counts requests that got no response by error code', async () => {
    const s0 = http.createServer();
    await new Promise<void>((r) => s0.listen(0, '127.0.0.1', r));
    const port = (s0.address() as { port: number }).port;
    await new Promise((r) => s0.close(r));
    const s = await runLoad(opts({ url: `http://127.0.0.1:${port}/`, rps: 0, requests: 3, concurrency: 1 }));
    assert.deepEqual(s.errors, { ECONNREFUSED: 3 });
    assert.deepEqual(s.status, {});
    assert.match(formatSummary(s), /no response +ECONNREFUSED=3/);
  });

  it('computes nearest-rank percentiles', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(pct(sorted, 0.5), 5);
    assert.equal(pct(sorted, 0.99), 10);
    assert.equal(pct(new Float64Array(0), 0.5), 0);
    const t = new LoadTally([]);
    t.response(200, 1, () => undefined);
    assert.equal(t.count, 1);
  });

  it('runs as a command and prints JSON', async () => {
    const srv = await alternating();
    const here = path.dirname(fileURLToPath(import.meta.url));
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = spawn(process.execPath, [path.join(here, 'load.js'), '--url', srv.url, '--rps', '0', '--requests', '6', '--concurrency', '2', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.on('close', (code) => resolve({ code, stdout }));
    });
    assert.equal(out.code, 0);
    const s = JSON.parse(out.stdout);
    assert.equal(s.requests, 6);
    assert.deepEqual(s.status, { '200': 3, '503': 3 });
  });
});
