import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { readAppEnv } from './lib/app-env.js';
import type { RunningService } from './lib/run-service.js';
import { TestForwardProxy } from './lib/test-forward-proxy.js';
import { fetchText, type Got } from './lib/test-http.js';
import { startDetails } from './details.js';
import { readRatingsBehaviour, startRatings, type RatingsBehaviour } from './ratings.js';
import { RATINGS_UNAVAILABLE, startReviews, type ReviewsAnswer } from './reviews.js';

const get = (url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> => fetchText(url, { headers, method });

const running: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});
function track<T extends { close(): Promise<void> }>(x: T): T {
  running.push(x);
  return x;
}

const quiet = (): void => {};
const ratingsWith = (b: Partial<RatingsBehaviour>, env: Record<string, string> = {}): Promise<RunningService> =>
  startRatings(readAppEnv('ratings', { PORT: '0', ...env }), { ...readRatingsBehaviour({}), ...b }, quiet).then(track);

describe('details', () => {
  it('serves the book as JSON, 404s unknown ids, and counts only real requests', async () => {
    const d = track(await startDetails(readAppEnv('details', { PORT: '0' }), quiet));
    const ok = await get(`${d.url}/details/0`);
    assert.equal(ok.status, 200);
    const book = JSON.parse(ok.body);
    assert.equal(book.title, 'The Time Machine');
    assert.equal(book.served_by, 'details-v1');
    assert.equal((await get(`${d.url}/details/7`)).status, 404);
    assert.equal((await get(`${d.url}/health`)).status, 200);
    const stats = JSON.parse((await get(`${d.url}/debug/requests`)).body);
    assert.equal(stats.total, 2);
    assert.deepEqual(stats.byPath, { '/details/0': 1, '/details/7': 1 });
    // The app's own Prometheus text (the workloads file's `metrics`): the same count, and a scrape is not a request.
    const m = await get(`${d.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.body, /^bookinfo_requests_total\{service="details",version="v1"\} 2$/m);
    assert.match((await get(`${d.url}/metrics`)).body, /^bookinfo_requests_total\{service="details",version="v1"\} 2$/m);
  });
});

describe('ratings', () => {
  it('answers every request when not flaky', async () => {
    const r = await ratingsWith({});
    const got = await get(`${r.url}/ratings/0`);
    assert.equal(got.status, 200);
    assert.deepEqual(JSON.parse(got.body).ratings, { Ada: 5, Tomas: 3 });
  });

  it('fails the configured share of requests with 503 (pinned dice)', async () => {
    let i = 0;
    const dice = [0.1, 0.9, 0.3, 0.7, 0.49, 0.5]; // < 0.5 fails at 50%
    const r = await ratingsWith({ flakyPercent: 50, random: () => dice[i++ % dice.length]! });
    const statuses: number[] = [];
    for (let k = 0; k < 6; k++) statuses.push((await get(`${r.url}/ratings/0`)).status);
    assert.deepEqual(statuses, [503, 200, 503, 200, 503, 200]);
  });

  it('fails about half of the requests with RATINGS_FLAKY_PERCENT=50 and real randomness', async () => {
    const flaky = await ratingsWith(readRatingsBehaviour({ RATINGS_FLAKY_PERCENT: '50' }));
    const n = 200;
    let failed = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<void>((resolve, reject) => {
          http.get(`${flaky.url}/ratings/0`, { agent }, (res) => {
            if (res.statusCode === 503) failed++;
            else assert.equal(res.statusCode, 200);
            res.resume();
            res.on('end', resolve);
          }).on('error', reject);
        }),
      ),
    );
    agent.destroy();
    // Binomial(200, 0.5): outside [60, 140] has probability below 1e-8.
    assert.ok(failed >= 60 && failed <= 140, `failed ${failed} of ${n}`);
  });

  it('fails every request at 100% and none at 0%', async () => {
    const all = await ratingsWith(readRatingsBehaviour({ RATINGS_FLAKY_PERCENT: '100' }));
    const none = await ratingsWith(readRatingsBehaviour({ RATINGS_FLAKY_PERCENT: '0' }));
    for (let k = 0; k < 5; k++) {
      assert.equal((await get(`${all.url}/ratings/0`)).status, 503);
      assert.equal((await get(`${none.url}/ratings/0`)).status, 200);
    }
  });

  it('delays answers by RATINGS_DELAY_MS', async () => {
    const r = await ratingsWith(readRatingsBehaviour({ RATINGS_DELAY_MS: '150' }));
    const got = await get(`${r.url}/ratings/0`);
    assert.equal(got.status, 200);
    assert.ok(got.ms >= 140, `answered after ${got.ms} ms`);
  });

  it('refuses malformed settings, naming the variable', () => {
    assert.throws(() => readRatingsBehaviour({ RATINGS_FLAKY_PERCENT: '101' }), /RATINGS_FLAKY_PERCENT/);
    assert.throws(() => readRatingsBehaviour({ RATINGS_DELAY_MS: 'soon' }), /RATINGS_DELAY_MS/);
  });
});

describe('reviews', () => {
  const startAll = async (version: string, ratingsRoute?: Parameters<TestForwardProxy['route']>[1], extra: Record<string, string> = {}) => {
    const proxy = track(await new TestForwardProxy().start());
    if (ratingsRoute !== undefined) proxy.route('ratings', ratingsRoute);
    else proxy.route('ratings', (await ratingsWith({})).port);
    const rv = track(await startReviews(readAppEnv('reviews', { PORT: '0', SERVICE_VERSION: version, HTTP_PROXY: proxy.url }), { ratingsTimeoutMs: Number(extra.RATINGS_TIMEOUT_MS ?? 10_000) }, quiet));
    return { proxy, rv };
  };
  const reviewsOf = async (url: string, headers: Record<string, string> = {}): Promise<ReviewsAnswer> => {
    const got = await get(`${url}/reviews/0`, headers);
    assert.equal(got.status, 200);
    return JSON.parse(got.body) as ReviewsAnswer;
  };

  it('v1 shows no stars and never calls ratings', async () => {
    const { proxy, rv } = await startAll('v1');
    const a = await reviewsOf(rv.url);
    assert.equal(a.version, 'v1');
    assert.equal(a.ratings, 'not-called');
    assert.ok(a.reviews.length === 2 && a.reviews.every((r) => r.rating === undefined));
    assert.equal(proxy.seen.length, 0);
  });

  it('v2 shows black stars and v3 red stars from ratings', async () => {
    for (const [version, color] of [['v2', 'black'], ['v3', 'red']] as const) {
      const { rv } = await startAll(version);
      const a = await reviewsOf(rv.url);
      assert.equal(a.ratings, 'ok');
      assert.deepEqual(a.reviews.map((r) => r.rating), [{ stars: 5, color }, { stars: 3, color }]);
    }
  });

  it('calls ratings through HTTP_PROXY in absolute form, forwarding end-user and tracing headers', async () => {
    const { proxy, rv } = await startAll('v2');
    await reviewsOf(rv.url, { 'end-user': 'jason', 'x-request-id': 'rid-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-b3-traceid': 'abc', cookie: 'secret=1' });
    const seen = proxy.for('ratings');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.target, 'http://ratings:9080/ratings/0');
    assert.equal(seen[0]!.headers.host, 'ratings:9080');
    assert.equal(seen[0]!.headers['end-user'], 'jason');
    assert.equal(seen[0]!.headers['x-request-id'], 'rid-1');
    assert.equal(seen[0]!.headers['x-b3-traceid'], 'abc');
    assert.match(String(seen[0]!.headers.traceparent), /^00-0af7/);
    assert.equal(seen[0]!.headers.cookie, undefined, 'only the propagated headers are copied');
  });

  it('shows "ratings service unavailable" when the sidecar answers 503 for ratings', async () => {
    const { rv } = await startAll('v3', { status: 503, headers: { 'x-weft-error': 'WEFT_FAULT_ABORT fault filter abort; route=ratings' } });
    const a = await reviewsOf(rv.url);
    assert.equal(a.ratings, 'unavailable');
    assert.match(a.ratings_error ?? '', /503 \(WEFT_FAULT_ABORT/);
    assert.deepEqual(a.reviews.map((r) => r.rating), [{ error: RATINGS_UNAVAILABLE }, { error: RATINGS_UNAVAILABLE }]);
    assert.match(RATINGS_UNAVAILABLE, /ratings service unavailable/i);
  });

  it('gives up on ratings after RATINGS_TIMEOUT_MS', async () => {
    const slow = await ratingsWith({ delayMs: 2000, delayPercent: 100 });
    const { rv } = await startAll('v2', slow.port, { RATINGS_TIMEOUT_MS: '100' });
    const t0 = performance.now();
    const a = await reviewsOf(rv.url);
    assert.ok(performance.now() - t0 < 1500);
    assert.equal(a.ratings, 'unavailable');
    assert.match(a.ratings_error ?? '', /within 100 ms/);
  });

  it('refuses a version it does not have', async () => {
    await assert.rejects(startReviews(readAppEnv('reviews', { PORT: '0', SERVICE_VERSION: 'v4' }), undefined, quiet), /SERVICE_VERSION/);
  });

  it('counts and logs mirrored requests (host with -shadow) separately', async () => {
    const lines: string[] = [];
    const rv = track(await startReviews(readAppEnv('reviews', { PORT: '0', SERVICE_VERSION: 'v1', LOG_REQUESTS: '1' }), undefined, (l) => lines.push(l)));
    await get(`${rv.url}/reviews/0`, { host: 'reviews:9080' });
    await get(`${rv.url}/reviews/0`, { host: 'reviews-shadow:9080', 'x-request-id': 'm-1' });
    const stats = JSON.parse((await get(`${rv.url}/debug/requests`)).body);
    assert.equal(stats.total, 2);
    assert.equal(stats.shadow, 1);
    assert.equal(stats.workload, 'reviews-v1');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /^reviews-v1 received GET \/reviews\/0 \(mirrored\) host=reviews-shadow:9080 .*x-request-id=m-1/);
    const reset = JSON.parse((await get(`${rv.url}/debug/requests`, {}, 'DELETE')).body);
    assert.equal(reset.total, 0);
  });
});
