// The apps as `weft up` runs them: separate processes configured only by
// environment (PORT, HTTP_PROXY, SERVICE_NAME, SERVICE_VERSION, …), with a
// stand-in sidecar proxy between them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { TestForwardProxy } from './lib/test-forward-proxy.js';
import { fetchText } from './lib/test-http.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];
let proxy: TestForwardProxy | undefined;
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await proxy?.close();
});

/** Starts an app; resolves with its port once it logs where it listens. */
function app(file: string, env: Record<string, string>): Promise<{ port: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, file)], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: string[] = [];
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const m = / listening on http:\/\/127\.0\.0\.1:(\d+) /.exec(line);
        if (m) resolve({ port: Number(m[1]), lines });
      }
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`${file} exited ${code}: ${err}`)));
  });
}

describe('apps as processes', () => {
  it('join through HTTP_PROXY and PORT alone, and log which workload they are', async () => {
    proxy = await new TestForwardProxy().start();
    const mesh = { HTTP_PROXY: proxy.url };
    const [details, reviews, ratings, page] = await Promise.all([
      app('details.js', { ...mesh, SERVICE_NAME: 'details', SERVICE_VERSION: 'v1' }),
      app('reviews.js', { ...mesh, SERVICE_NAME: 'reviews', SERVICE_VERSION: 'v3', LOG_REQUESTS: '1' }),
      app('ratings.js', { ...mesh, SERVICE_NAME: 'ratings', SERVICE_VERSION: 'v1', RATINGS_FLAKY_PERCENT: '100' }),
      app('productpage.js', { ...mesh, SERVICE_NAME: 'productpage', SERVICE_VERSION: 'v1' }),
    ]);
    proxy.route('details', details.port).route('reviews', reviews.port).route('ratings', ratings.port);
    assert.match(page.lines[0]!, /^productpage-v1 listening on .*outbound via HTTP_PROXY http:\/\/127\.0\.0\.1:\d+/);

    const got = await fetchText(`http://127.0.0.1:${page.port}/productpage?user=jason`);
    assert.equal(got.status, 200);
    assert.equal(got.headers['x-bookinfo-reviews'], 'v3');
    assert.equal(got.headers['x-bookinfo-ratings'], 'unavailable');
    assert.match(got.body, /Ratings service unavailable/);
    assert.deepEqual(proxy.seen.map((s) => s.target).sort(), ['http://details:9080/details/0', 'http://ratings:9080/ratings/0', 'http://reviews:9080/reviews/0']);
    // reviews logs each request it serves (LOG_REQUESTS=1), visible on stdout.
    await waitFor(() => reviews.lines.some((l) => /^reviews-v3 received GET \/reviews\/0 host=reviews:9080 end-user=jason/.test(l)));
  });

  it('exits with a message when the environment is wrong', async () => {
    await assert.rejects(app('reviews.js', { SERVICE_VERSION: 'v9' }), /exited 1: .*SERVICE_VERSION/);
    await assert.rejects(app('ratings.js', { HTTP_PROXY: 'https://127.0.0.1:1' }), /exited 1: .*HTTP_PROXY/);
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond());
}
