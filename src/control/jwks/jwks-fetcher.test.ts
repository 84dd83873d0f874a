// The JWKS fetcher against a real local HTTP server (port 0): first lookup is
// pending and a change follows, keys are cached, a refresh picks up rotated
// keys, a failing or slow endpoint keeps the last good keys, bad answers are
// failures with a reason, and failed URIs are retried after the back-off.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { JwksFetcher } from './jwks-fetcher.js';

const jwks = (kid: string) => JSON.stringify({ keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' }] });

/** What the server answers on each path; `hang` never answers. */
const answers = new Map<string, { status: number; body: string } | 'hang'>();
let requests = 0;
const server = http.createServer((req, res) => {
  requests++;
  const a = answers.get(req.url ?? '');
  if (a === 'hang') return; // never answers: the fetcher's timeout must end it
  if (!a) {
    res.writeHead(404).end('no');
    return;
  }
  res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
});
let base = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('JwksFetcher', () => {
  it('answers pending, fetches in the background, signals once, then serves from cache', async () => {
    const keys = jwks('a');
    answers.set('/a', { status: 200, body: keys });
    let changes = 0;
    const f = new JwksFetcher({ onChange: () => changes++ });
    try {
      assert.deepEqual(f.lookup(`${base}/a`), { state: 'pending' });
      await f.settled();
      await until(() => changes === 1, 'the change signal');
      const before = requests;
      assert.deepEqual(f.lookup(`${base}/a`), { state: 'ready', jwks: keys });
      assert.deepEqual(f.lookup(`${base}/a`), { state: 'ready', jwks: keys });
      assert.equal(requests, before, 'cached: no new request');
      assert.deepEqual(f.stats, { fetched: 1, failed: 0 });
    } finally {
      f.stop();
    }
  });

  it('a refresh picks up rotated keys and signals; an unchanged refresh does not', async () => {
    answers.set('/rot', { status: 200, body: jwks('old') });
    let changes = 0;
    const f = new JwksFetcher({ onChange: () => changes++ });
    try {
      f.lookup(`${base}/rot`);
      await f.settled();
      await until(() => changes === 1, 'first change');
      await f.refresh();
      await new Promise((r) => setImmediate(r));
      assert.equal(changes, 1, 'same keys: no push');
      const rotated = jwks('new');
      answers.set('/rot', { status: 200, body: rotated });
      await f.refresh();
      await until(() => changes === 2, 'rotation change');
      assert.deepEqual(f.lookup(`${base}/rot`), { state: 'ready', jwks: rotated });
    } finally {
      f.stop();
    }
  });

  it('keeps the last good keys when the endpoint fails or hangs on refresh, and reports it', async () => {
    const keys = jwks('keep');
    answers.set('/keep', { status: 200, body: keys });
    const errors: string[] = [];
    const f = new JwksFetcher({ timeoutMs: 200, onError: (_u, r) => errors.push(r) });
    try {
      f.lookup(`${base}/keep`);
      await f.settled();
      answers.set('/keep', { status: 503, body: 'down' });
      await f.refresh();
      assert.deepEqual(f.lookup(`${base}/keep`), { state: 'ready', jwks: keys });
      answers.set('/keep', 'hang');
      const t0 = Date.now();
      await f.refresh();
      assert.ok(Date.now() - t0 < 3000, 'the timeout bounds the fetch');
      assert.deepEqual(f.lookup(`${base}/keep`), { state: 'ready', jwks: keys });
      assert.equal(errors.length, 2);
      assert.match(errors[0]!, /HTTP 503.*last fetched keys stay in use/);
      assert.match(errors[1]!, /timed out after 200 ms/);
    } finally {
      f.stop();
    }
  });

  it('a first fetch that fails is a failure with its reason (and a change, so the push says so)', async () => {
    answers.set('/notjwks', { status: 200, body: '{"hello":1}' });
    let changes = 0;
    const f = new JwksFetcher({ onChange: () => changes++ });
    try {
      for (const [path, reason] of [['/missing', /HTTP 404/], ['/notjwks', /did not return a JWKS/]] as const) {
        f.lookup(`${base}${path}`);
        await f.settled();
        const got = f.lookup(`${base}${path}`);
        assert.equal(got.state, 'failed');
        assert.match((got as { reason: string }).reason, reason);
      }
      const probe = http.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const closedPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      f.lookup(`http://127.0.0.1:${closedPort}/closed`);
      await f.settled();
      const closed = f.lookup(`http://127.0.0.1:${closedPort}/closed`);
      assert.equal(closed.state, 'failed');
      assert.match((closed as { reason: string }).reason, /ECONNREFUSED/);
      await until(() => changes >= 1, 'a change');
    } finally {
      f.stop();
    }
  });

  it('retries a failed URI on lookup only after the back-off, then serves the keys', async () => {
    let now = 1_000_000;
    let changes = 0;
    const f = new JwksFetcher({ now: () => now, retryAfterFailureMs: 5000, onChange: () => changes++ });
    try {
      f.lookup(`${base}/later`);
      await f.settled();
      const keys = jwks('later');
      answers.set('/later', { status: 200, body: keys });
      const before = requests;
      assert.equal(f.lookup(`${base}/later`).state, 'failed');
      await f.settled();
      assert.equal(requests, before, 'no retry inside the back-off');
      now += 5000;
      assert.equal(f.lookup(`${base}/later`).state, 'failed', 'the retry runs in the background');
      await f.settled();
      assert.deepEqual(f.lookup(`${base}/later`), { state: 'ready', jwks: keys });
      await until(() => changes === 2, 'failure then keys');
    } finally {
      f.stop();
    }
  });

  it('retries a URI that never gave keys in the background, and signals when the keys arrive', async () => {
    let changes = 0;
    const f = new JwksFetcher({ retryAfterFailureMs: 20, onChange: () => changes++ });
    try {
      f.lookup(`${base}/bg`);
      await f.settled();
      await until(() => changes === 1, 'the failure signal');
      const keys = jwks('bg');
      answers.set('/bg', { status: 200, body: keys });
      await until(() => changes === 2, 'the background retry');
      assert.deepEqual(f.lookup(`${base}/bg`), { state: 'ready', jwks: keys });
    } finally {
      f.stop();
    }
  });

  it('drops URIs nobody asked for within evictAfterMs', async () => {
    let now = 0;
    answers.set('/evict', { status: 200, body: jwks('e') });
    const f = new JwksFetcher({ now: () => now, evictAfterMs: 1000 });
    try {
      f.lookup(`${base}/evict`);
      await f.settled();
      now = 5000;
      await f.refresh();
      assert.deepEqual(f.lookup(`${base}/evict`), { state: 'pending' }, 'evicted: fetched afresh');
      await f.settled();
    } finally {
      f.stop();
    }
  });
});
