import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startDetails } from './details.js';
import { readAppEnv } from './lib/app-env.js';
import type { RunningService } from './lib/run-service.js';
import { TestForwardProxy, type CannedReply } from './lib/test-forward-proxy.js';
import { fetchText } from './lib/test-http.js';
import { DETAILS_UNAVAILABLE, REVIEWS_UNAVAILABLE } from './productpage-html.js';
import { PRODUCTPAGE_DEFAULTS, readProductPageOptions, startProductPage } from './productpage.js';
import { readRatingsBehaviour, startRatings, type RatingsBehaviour } from './ratings.js';
import { startReviews } from './reviews.js';

const quiet = (): void => {};
const running: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});
const track = <T extends { close(): Promise<void> }>(x: T): T => (running.push(x), x);

interface Mesh {
  proxy: TestForwardProxy;
  page: RunningService;
}

/** The whole app behind one stand-in sidecar, with the chosen reviews version. */
async function mesh(o: { reviews?: 'v1' | 'v2' | 'v3' | CannedReply; details?: CannedReply; ratings?: Partial<RatingsBehaviour>; reviewsTimeoutMs?: number } = {}): Promise<Mesh> {
  const proxy = track(await new TestForwardProxy().start());
  const env = (service: string, extra: Record<string, string> = {}) => readAppEnv(service, { PORT: '0', HTTP_PROXY: proxy.url, ...extra });
  const ratings = track(await startRatings(env('ratings'), { ...readRatingsBehaviour({}), ...o.ratings }, quiet));
  proxy.route('ratings', ratings.port);
  if (o.details) proxy.route('details', o.details);
  else proxy.route('details', track(await startDetails(env('details'), quiet)).port);
  const rv = o.reviews ?? 'v1';
  if (typeof rv === 'string') proxy.route('reviews', track(await startReviews(env('reviews', { SERVICE_VERSION: rv }), undefined, quiet)).port);
  else proxy.route('reviews', rv);
  const page = track(await startProductPage(env('productpage'), { ...PRODUCTPAGE_DEFAULTS, reviewsTimeoutMs: o.reviewsTimeoutMs ?? 3000 }, quiet));
  return { proxy, page };
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('productpage', () => {
  it('renders the details and the reviews', async () => {
    const { page } = await mesh();
    const got = await fetchText(`${page.url}/productpage`);
    assert.equal(got.status, 200);
    assert.match(String(got.headers['content-type']), /text\/html/);
    assert.match(got.body, /<h2>The Time Machine<\/h2>/);
    assert.match(got.body, /H\. G\. Wells/);
    assert.match(got.body, /— Ada/);
    assert.match(got.body, /— Tomas/);
    assert.match(got.body, /reviews served by reviews-v1/);
    assert.equal(got.headers['x-bookinfo-details'], 'ok');
    assert.equal(got.headers['x-bookinfo-reviews'], 'v1');
    assert.equal(got.headers['x-bookinfo-ratings'], 'none');
  });

  it('shows no stars for reviews v1, black stars for v2 and red stars for v3', async () => {
    const pages = new Map<string, string>();
    for (const v of ['v1', 'v2', 'v3'] as const) {
      const { page } = await mesh({ reviews: v });
      const got = await fetchText(`${page.url}/productpage`);
      assert.equal(got.headers['x-bookinfo-reviews'], v);
      pages.set(v, got.body);
    }
    assert.equal(count(pages.get('v1')!, /class="stars /g), 0);
    assert.equal(count(pages.get('v2')!, /data-color="black"/g), 2);
    assert.equal(count(pages.get('v2')!, /data-color="red"/g), 0);
    assert.equal(count(pages.get('v3')!, /data-color="red"/g), 2);
    assert.match(pages.get('v3')!, /data-stars="5"[^>]*>★★★★★</);
    assert.match(pages.get('v3')!, /data-stars="3"[^>]*>★★★☆☆</);
  });

  it('signs jason in with ?user=jason and forwards end-user to details, reviews and (through reviews) ratings', async () => {
    const { proxy, page } = await mesh({ reviews: 'v2' });
    const first = await fetchText(`${page.url}/productpage?user=jason`, { headers: { 'x-request-id': 'req-42', 'x-b3-traceid': '463ac35c9f6413ad' } });
    assert.match(String(first.headers['set-cookie']), /^user=jason;/);
    assert.match(first.body, /signed in as <b>jason<\/b>/);
    for (const s of ['details', 'reviews', 'ratings']) {
      const seen = proxy.for(s);
      assert.equal(seen.length, 1, s);
      assert.equal(seen[0]!.headers['end-user'], 'jason', s);
      assert.equal(seen[0]!.headers['x-request-id'], 'req-42', s);
      assert.equal(seen[0]!.headers['x-b3-traceid'], '463ac35c9f6413ad', s);
    }
    assert.equal(proxy.for('reviews')[0]!.target, 'http://reviews:9080/reviews/0');
    assert.equal(proxy.for('details')[0]!.target, 'http://details:9080/details/0');
    assert.equal(proxy.for('reviews')[0]!.headers.host, 'reviews:9080');

    // The cookie alone keeps jason signed in; signing out stops the header.
    proxy.seen.length = 0;
    await fetchText(`${page.url}/productpage`, { headers: { cookie: 'theme=dark; user=jason' } });
    assert.equal(proxy.for('reviews')[0]!.headers['end-user'], 'jason');
    proxy.seen.length = 0;
    const out = await fetchText(`${page.url}/productpage?user=`, { headers: { cookie: 'user=jason' } });
    assert.match(String(out.headers['set-cookie']), /^user=; .*Max-Age=0/);
    assert.equal(proxy.for('reviews')[0]!.headers['end-user'], undefined);
  });

  it('takes the user from an end-user header, and refuses names that are not plain', async () => {
    const { proxy, page } = await mesh();
    await fetchText(`${page.url}/productpage`, { headers: { 'end-user': 'jason' } });
    assert.equal(proxy.for('reviews')[0]!.headers['end-user'], 'jason');
    proxy.seen.length = 0;
    const bad = await fetchText(`${page.url}/productpage?user=%3Cscript%3E`);
    assert.doesNotMatch(bad.body, /<script>/);
    assert.equal(proxy.for('reviews')[0]!.headers['end-user'], undefined);
  });

  it('signs in with the login form and out with /logout', async () => {
    const { page } = await mesh();
    const form = await fetchText(`${page.url}/login`);
    assert.match(form.body, /<form method="post" action="\/login">/);
    const posted = await fetchText(`${page.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason' });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.location, '/productpage');
    assert.match(String(posted.headers['set-cookie']), /^user=jason;/);
    const out = await fetchText(`${page.url}/logout`);
    assert.equal(out.status, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  });

  it('gives up on reviews after REVIEWS_TIMEOUT_MS and says reviews are unavailable', async () => {
    // reviews v2 waits for a ratings that answers after 2 s (reviews' own ratings timeout is 10 s).
    const { page } = await mesh({ reviews: 'v2', ratings: { delayMs: 2000 }, reviewsTimeoutMs: 200 });
    const got = await fetchText(`${page.url}/productpage`);
    assert.equal(got.status, 200);
    assert.ok(got.ms < 1500, `page took ${got.ms} ms`);
    assert.ok(got.body.includes(REVIEWS_UNAVAILABLE));
    assert.match(REVIEWS_UNAVAILABLE, /^Sorry, product reviews are currently unavailable/);
    assert.match(got.body, /no answer from reviews:9080 within 200 ms/);
    assert.match(got.body, /<h2>The Time Machine<\/h2>/, 'details still render');
    assert.equal(got.headers['x-bookinfo-reviews'], 'unavailable');
    assert.equal(got.headers['x-bookinfo-ratings'], 'unknown');
  });

  it('shows the sidecar\'s error code when reviews or details are refused', async () => {
    const { page } = await mesh({
      reviews: { status: 503, headers: { 'x-weft-error': 'WEFT_UPSTREAM_OVERFLOW circuit breaker max_requests (1) reached; cluster=outbound|9080||reviews.default.svc.cluster.local' } },
      details: { status: 500, headers: { 'x-weft-error': 'WEFT_FAULT_ABORT fault filter abort' } },
    });
    const got = await fetchText(`${page.url}/productpage`);
    assert.ok(got.body.includes(REVIEWS_UNAVAILABLE));
    assert.ok(got.body.includes(DETAILS_UNAVAILABLE));
    assert.match(got.body, /reviews:9080 answered 503 \(WEFT_UPSTREAM_OVERFLOW/);
    assert.match(got.body, /details:9080 answered 500 \(WEFT_FAULT_ABORT/);
    assert.equal(got.headers['x-bookinfo-details'], 'unavailable');
  });

  it('shows "ratings service unavailable" under the reviews when ratings fails', async () => {
    const { page } = await mesh({ reviews: 'v3', ratings: { flakyPercent: 100 } });
    const got = await fetchText(`${page.url}/productpage`);
    assert.equal(count(got.body, /Ratings service unavailable/g), 2);
    assert.equal(count(got.body, /class="stars /g), 0);
    assert.equal(got.headers['x-bookinfo-reviews'], 'v3');
    assert.equal(got.headers['x-bookinfo-ratings'], 'unavailable');
  });

  it('serves the same data as JSON and an index page', async () => {
    const { page } = await mesh({ reviews: 'v2' });
    const api = await fetchText(`${page.url}/api/v1/products/0`, { headers: { 'end-user': 'jason' } });
    const j = JSON.parse(api.body);
    assert.equal(j.user, 'jason');
    assert.equal(j.details.author, 'H. G. Wells');
    assert.equal(j.reviews.version, 'v2');
    assert.deepEqual(JSON.parse((await fetchText(`${page.url}/api/v1/products`)).body), [{ id: 0, title: 'The Time Machine' }]);
    const index = await fetchText(`${page.url}/`);
    assert.match(index.body, /href="\/productpage\?user=jason"/);
    assert.equal((await fetchText(`${page.url}/nope`)).status, 404);
  });

  it('reads its timeouts from the environment', () => {
    assert.deepEqual(readProductPageOptions({}), { reviewsTimeoutMs: 3000, detailsTimeoutMs: 3000 });
    assert.deepEqual(readProductPageOptions({ REVIEWS_TIMEOUT_MS: '200' }).reviewsTimeoutMs, 200);
    assert.throws(() => readProductPageOptions({ REVIEWS_TIMEOUT_MS: '-1' }), /REVIEWS_TIMEOUT_MS/);
  });
});
