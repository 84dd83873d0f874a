// `weft up` with the Bookinfo demo, end to end: the real CLI starts the
// control plane, six sidecars, six apps and the edge listener; every scenario
// in examples/bookinfo/scenarios is applied by copying its YAML into the
// (temp) config folder, and its effect is measured with real requests.
//
// Deviations from the shipped demo, made in the temp copy only, to keep the
// run short and deterministic (documented in docs/demo.md):
// - productpage: REVIEWS_TIMEOUT_MS=1000 (the demo: 3000), so scenario 4's
//   timeout trips after 1 s;
// - scenario 4's fault delay is 1500 ms instead of 7 s (still longer than
//   productpage's wait, which is what the scenario shows);
// - ratings: RATINGS_FLAKY_PERCENT=50 from the start, for scenario 6. The
//   other scenarios measure what does not depend on ratings answering.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWeft, within } from '../helpers/process-harness.js';
import {
  alive, allSynced, applyScenario, closeAgent, commandLine, copyBookinfo, directChildren, get, many, proxies, REPO_ROOT, scenario, setWorkloadEnv,
  stat, tally, waitFor, weftCode, WeftUpProcess, type Reply, type Target,
} from './bookinfo-mesh.js';

const WORKLOADS = 6;
const REVIEWS_TIMEOUT_MS = 1000;
const DELAY_MS = 1500;
/** The numbers behind docs/demo.md: printed as one "# measured {…}" line when the suite ends. */
const measured: Record<string, unknown> = {};

describe('weft up examples/bookinfo (end to end)', { timeout: 90_000 }, () => {
  let up: WeftUpProcess;
  let second: WeftUpProcess | undefined;
  let edge: Target;
  /** productpage's sidecar, as productpage calls reviews. */
  let toReviews: Target;
  /** reviews-v2's sidecar, as reviews v2 calls ratings. */
  let toRatings: Target;

  before(async () => {
    const dir = copyBookinfo((y) => setWorkloadEnv(setWorkloadEnv(y, 'productpage-v1', { REVIEWS_TIMEOUT_MS: String(REVIEWS_TIMEOUT_MS) }), 'ratings-v1', { RATINGS_FLAKY_PERCENT: '50' }));
    up = new WeftUpProcess(dir);
    const t0 = Date.now();
    await up.ready(30_000);
    edge = { port: up.edgePort };
    toReviews = { port: up.workload('productpage-v1').ports.outbound, via: 'http://reviews:9080' };
    toRatings = { port: up.workload('reviews-v2').ports.outbound, via: 'http://ratings:9080' };
    // The apps start after their sidecars are ready and are not waited for: the page answers once they listen.
    await waitFor(async () => {
      const r = await get(edge, '/productpage');
      return r.status === 200 && r.headers['x-bookinfo-details'] === 'ok' && r.headers['x-bookinfo-reviews'] !== 'unavailable';
    }, 'the product page answering with details and reviews', 15_000);
    measured.startupMs = Date.now() - t0;
  });

  after(async () => {
    await second?.kill();
    await up?.kill();
    closeAgent();
    if (up) fs.rmSync(up.dir, { recursive: true, force: true });
    if (second) fs.rmSync(second.dir, { recursive: true, force: true });
    console.log(`# measured ${JSON.stringify(measured)}`);
  });

  it('prints every port and writes them to DIR/.weft/state.json', () => {
    const out = up.output();
    const st = up.state;
    assert.equal(st.pid, up.pid);
    assert.equal(st.workloads.length, WORKLOADS);
    assert.match(out, new RegExp(`xDS 127\\.0\\.0\\.1:${st.xdsPort}\\s+status http://127\\.0\\.0\\.1:${st.debugPort}/debug/proxies`));
    for (const w of st.workloads) {
      const line = out.split('\n').find((l) => l.trimStart().startsWith(`${w.name} `));
      assert.ok(line, `a line for ${w.name}`);
      assert.ok(line.includes(`app :${w.appPorts['9080']}`) && line.includes(`admin http://127.0.0.1:${w.ports.admin}/`) && line.includes(`outbound :${w.ports.outbound}`) && line.includes(`inbound :${w.ports.inbound['9080']}`), line);
    }
    assert.equal(st.exposed.length, 1);
    assert.ok(out.includes(`productpage:9080 ${st.exposed[0]!.url}`));
    // 6 sidecars, 6 apps and the edge listener, all children of weft up.
    assert.equal(up.childPids.length, 2 * WORKLOADS + 1, up.childPids.map((p) => commandLine(p)).join('\n'));
  });

  it('weft status: every sidecar SYNCED for CDS, EDS, LDS and RDS', async () => {
    const r = await runWeft(['status', up.dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('sidecar~'));
    assert.equal(rows.length, WORKLOADS, r.stdout);
    for (const row of rows) assert.deepEqual(row.split('\t').slice(1, 5), ['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED'], row);
    assert.match(r.stdout, /^PROXY\tCDS\tEDS\tLDS\tRDS\tVERSION$/m);
    assert.ok(allSynced(await proxies(up.state.debugPort), WORKLOADS));
  });

  it('default (no VirtualService): reviews answers from v1, v2 and v3', async () => {
    const replies = await many(90, 3, () => get(toReviews, '/reviews/0'));
    const by = tally(replies, 'x-bookinfo-version');
    measured.default = by;
    assert.deepEqual(tally(replies), { 200: 90 });
    for (const v of ['v1', 'v2', 'v3']) assert.ok((by[v] ?? 0) >= 10, `${v} seen often enough: ${JSON.stringify(by)}`);
  });

  it('scenario 1 (all v1): only v1, and the page shows no stars', async () => {
    measured.sync1Ms = await applyScenario(up, { '01-all-v1.yaml': scenario('01-all-v1.yaml') });
    const replies = await many(100, 5, () => get(edge, '/productpage'));
    assert.deepEqual(tally(replies), { 200: 100 });
    assert.deepEqual(tally(replies, 'x-bookinfo-reviews'), { v1: 100 });
    assert.deepEqual(tally(replies, 'x-bookinfo-ratings'), { none: 100 });
  });

  it('scenario 2a/2b (canary): v3 gets 10% then 50% of 1000 requests', async () => {
    await applyScenario(up, { '02a-canary-90-10.yaml': scenario('02a-canary-90-10.yaml') });
    const a = tally(await many(1000, 20, () => get(toReviews, '/reviews/0')), 'x-bookinfo-version');
    measured.canary9010 = a;
    assert.equal((a.v1 ?? 0) + (a.v3 ?? 0), 1000, JSON.stringify(a));
    assert.ok(a.v3! >= 70 && a.v3! <= 130, `v3 share ${a.v3}/1000 within 10% ± 3%`);

    await applyScenario(up, { '02b-canary-50-50.yaml': scenario('02b-canary-50-50.yaml') });
    const b = tally(await many(1000, 20, () => get(toReviews, '/reviews/0')), 'x-bookinfo-version');
    measured.canary5050 = b;
    assert.equal((b.v1 ?? 0) + (b.v3 ?? 0), 1000, JSON.stringify(b));
    assert.ok(b.v3! >= 450 && b.v3! <= 550, `v3 share ${b.v3}/1000 within 50% ± 5%`);
  });

  it('scenario 3 (route by user): jason always v2, everyone else v1', async () => {
    await applyScenario(up, { '03-jason-to-v2.yaml': scenario('03-jason-to-v2.yaml') });
    const [jason, others] = await Promise.all([
      many(50, 5, () => get(edge, '/productpage', { 'end-user': 'jason' })),
      many(50, 5, () => get(edge, '/productpage')),
    ]);
    assert.deepEqual(tally(jason, 'x-bookinfo-reviews'), { v2: 50 });
    assert.deepEqual(tally(others, 'x-bookinfo-reviews'), { v1: 50 });
    // Signing in the way a browser does: ?user=jason sets the cookie, the cookie keeps jason signed in.
    const signIn = await get(edge, '/productpage?user=jason');
    assert.equal(signIn.headers['x-bookinfo-reviews'], 'v2');
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    assert.equal(cookie, 'user=jason');
    assert.equal((await get(edge, '/productpage', { cookie })).headers['x-bookinfo-reviews'], 'v2');
  });

  it(`scenario 4 (delay for jason, ${DELAY_MS} ms here): ratings is held, productpage gives up after ${REVIEWS_TIMEOUT_MS} ms`, async () => {
    const text = scenario('04-fault-delay-jason.yaml');
    assert.match(text, /fixedDelay: 7s/);
    await applyScenario(up, { '04-fault-delay-jason.yaml': text.replace('fixedDelay: 7s', `fixedDelay: ${DELAY_MS}ms`) });
    const admin = up.workload('reviews-v2').ports.admin;
    const delaysBefore = await stat(admin, 'http.weft_outbound_http.fault.delays_injected');
    const [page, direct, directOther, pageOther] = await Promise.all([
      get(edge, '/productpage?user=jason'),
      get(toRatings, '/ratings/0', { 'end-user': 'jason' }),
      get(toRatings, '/ratings/0'),
      get(edge, '/productpage'),
    ]);
    measured.delay = { jasonPageMs: Math.round(page.ms), ratingsForJasonMs: Math.round(direct.ms), ratingsOtherMs: Math.round(directOther.ms), pageOtherMs: Math.round(pageOther.ms) };
    // The page: productpage's own timeout trips first; reviews unavailable.
    assert.equal(page.status, 200);
    assert.equal(page.headers['x-bookinfo-reviews'], 'unavailable');
    assert.match(page.body, /Sorry, product reviews are currently unavailable for this book\./);
    assert.match(page.body, new RegExp(`no answer from reviews:9080 within ${REVIEWS_TIMEOUT_MS} ms`));
    assert.ok(page.ms >= REVIEWS_TIMEOUT_MS - 50 && page.ms < DELAY_MS, `jason's page took ${page.ms} ms`);
    // The fault itself: reviews-v2's sidecar holds jason's ratings call for the delay, and only jason's.
    assert.ok(direct.ms >= DELAY_MS - 20, `ratings call for jason took ${direct.ms} ms`);
    assert.ok(directOther.ms < DELAY_MS / 3, `ratings call for others took ${directOther.ms} ms`);
    assert.equal(pageOther.headers['x-bookinfo-reviews'], 'v1');
    assert.ok(pageOther.ms < REVIEWS_TIMEOUT_MS);
    // Two delayed calls: the direct one and the one reviews v2 made for jason's page.
    assert.equal(await stat(admin, 'http.weft_outbound_http.fault.delays_injected'), delaysBefore + 2);
  });

  it('scenario 5 (abort 50% of ratings calls): about half answered 500 by the sidecar, flag FI', async () => {
    await applyScenario(up, { '05-fault-abort-ratings.yaml': scenario('05-fault-abort-ratings.yaml') });
    const admin = up.workload('reviews-v2').ports.admin;
    const abortsBefore = await stat(admin, 'http.weft_outbound_http.fault.aborts_injected');
    const replies = await many(400, 10, () => get(toRatings, '/ratings/0'));
    const aborted = replies.filter((r) => weftCode(r) === 'WEFT_FAULT_ABORT');
    measured.abort = { calls: 400, aborted: aborted.length, status: tally(replies) };
    assert.ok(aborted.length >= 160 && aborted.length <= 240, `aborted ${aborted.length}/400 within 40–60%`);
    for (const r of aborted) assert.equal(r.status, 500);
    assert.equal(replies.filter((r) => r.status === 500).length, aborted.length, 'every 500 is the injected fault');
    assert.match(String(aborted[0]!.headers['x-weft-error']), /^WEFT_FAULT_ABORT .*http_filter=envoy\.filters\.http\.fault/);
    // The sidecar answered them itself: its fault filter counted each one.
    assert.equal(await stat(admin, 'http.weft_outbound_http.fault.aborts_injected'), abortsBefore + aborted.length);
    // On the page: reviews v2 shows "Ratings service unavailable" for about half of the pages.
    const pages = tally(await many(200, 10, () => get(edge, '/productpage')), 'x-bookinfo-ratings');
    measured.abortPages = pages;
    assert.ok((pages.unavailable ?? 0) >= 60 && (pages.black ?? 0) >= 40, JSON.stringify(pages));
  });

  it('scenario 6 (retries): a 50%-flaky ratings fails visibly without it, ≥ 97% of calls succeed with it', async () => {
    await applyScenario(up, {});
    const before = await many(400, 10, () => get(toRatings, '/ratings/0'));
    const failedBefore = before.filter((r) => r.status !== 200).length;
    await applyScenario(up, { '06-retries-flaky-ratings.yaml': scenario('06-retries-flaky-ratings.yaml') });
    const withRetries = await many(1000, 10, () => get(toRatings, '/ratings/0'));
    const ok = withRetries.filter((r) => r.status === 200).length;
    measured.retries = { before: { calls: 400, failed: failedBefore, status: tally(before), codes: countBy(before, weftCode) }, after: { calls: 1000, ok, status: tally(withRetries), codes: countBy(withRetries, weftCode) } };
    // Istio's default route retry policy already retries a 503 twice (0.5³ = 12.5% fail).
    assert.ok(failedBefore >= 0.05 * 400, `failures without the scenario: ${failedBefore}/400`);
    assert.ok(ok >= 970, `successes with retries: ${ok}/1000`);
  });

  it('scenario 6 without the scenario: no upstream resets', async () => {
    await applyScenario(up, {});
    const replies = await many(400, 10, () => get(toRatings, '/ratings/0'));
    const resets = replies.filter((r) => weftCode(r) === 'WEFT_UPSTREAM_RESET').length;
    measured.resetsWithoutScenario = resets;
    assert.equal(resets, 0, `${resets}/400 calls failed with WEFT_UPSTREAM_RESET "upstream closed the connection"`);
  });

  it('scenario 7 (circuit breaker): a burst from the load command gets 503 UO for the overflow, 200 for the rest', async () => {
    await applyScenario(up, { '07-circuit-breaker.yaml': scenario('07-circuit-breaker.yaml') });
    const url = `http://127.0.0.1:${up.edgePort}/productpage`;
    const burst = await runNode(['dist/examples/bookinfo/load.js', '--url', url, '--rps', '200', '--seconds', '2', '--concurrency', '50', '--json']);
    const s = JSON.parse(burst) as { requests: number; status: Record<string, number>; weftErrors: Record<string, number>; flags: Record<string, number>; errors: Record<string, number> };
    measured.circuitBreaker = { requests: s.requests, status: s.status, flags: s.flags };
    assert.ok((s.status['503'] ?? 0) > 0 && (s.status['200'] ?? 0) > 0, JSON.stringify(s.status));
    assert.equal(s.weftErrors.WEFT_UPSTREAM_OVERFLOW, s.status['503']);
    assert.equal(s.flags.UO, s.status['503']);
    assert.deepEqual(s.errors, {});
    assert.equal((s.status['200'] ?? 0) + s.status['503']!, s.requests);
    // One at a time fits the breaker.
    const serial = JSON.parse(await runNode(['dist/examples/bookinfo/load.js', '--url', url, '--rps', '0', '--requests', '30', '--concurrency', '1', '--json'])) as { status: Record<string, number> };
    assert.deepEqual(serial.status, { 200: 30 });
  });

  it('scenario 8 (mirroring): every answer from v1, a copy of each request reaches reviews-v3', async () => {
    await applyScenario(up, { '08-mirror-reviews-v3.yaml': scenario('08-mirror-reviews-v3.yaml') });
    const v3 = `http://127.0.0.1:${up.workload('reviews-v3').appPorts['9080']}/debug/requests`;
    await fetch(v3, { method: 'DELETE' });
    const pages = await many(100, 5, () => get(edge, '/productpage'));
    assert.deepEqual(tally(pages, 'x-bookinfo-reviews'), { v1: 100 });
    const seen = await waitFor(async () => {
      const s = (await (await fetch(v3)).json()) as { total: number; shadow: number };
      return s.shadow >= 100 ? s : undefined;
    }, 'reviews-v3 counting 100 mirrored requests', 5000);
    measured.mirror = { pages: 100, v3: seen };
    assert.equal(seen.shadow, 100);
    assert.equal(seen.total, 100, 'v3 got the copies and nothing else');
    assert.match(up.output(), /\[reviews-v3\] reviews-v3 received GET \/reviews\/0 \(mirrored\) host=reviews-shadow:9080/);
  });

  it('live edit: rewriting a VirtualService under traffic switches routing with no failed request', async () => {
    const vs = (subset: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: reviews, namespace: default }\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: { host: reviews, subset: ${subset} }\n`;
    await applyScenario(up, { '90-live.yaml': vs('v1') });
    const replies: Reply[] = [];
    let stop = false;
    const traffic = Promise.all(Array.from({ length: 8 }, async () => {
      while (!stop) replies.push(await get(edge, '/productpage'));
    }));
    await waitFor(() => replies.length >= 100, '100 pages before the edit', 10_000);
    const editAt = Date.now();
    fs.writeFileSync(path.join(up.dir, 'config', '90-live.yaml'), vs('v2')); // in place, as an editor may
    await waitFor(async () => allSynced(await proxies(up.state.debugPort), WORKLOADS) && (await get(edge, '/productpage')).headers['x-bookinfo-reviews'] === 'v2', 'routing switched to v2', 10_000);
    const syncedAt = Date.now();
    const n = replies.length;
    await waitFor(() => replies.length >= n + 100, '100 pages after the edit', 10_000);
    stop = true;
    await traffic;
    const by = tally(replies, 'x-bookinfo-reviews');
    measured.liveEdit = { pages: replies.length, reviews: by, switchMs: syncedAt - editAt };
    assert.deepEqual(tally(replies), { 200: replies.length }, 'no failed page');
    assert.deepEqual(Object.keys(by).sort(), ['v1', 'v2'], JSON.stringify(by));
    for (const r of replies) {
      if (r.startedAt < editAt) assert.equal(r.headers['x-bookinfo-reviews'], 'v1');
      if (r.startedAt > syncedAt) assert.equal(r.headers['x-bookinfo-reviews'], 'v2');
    }
  });

  it('a second weft up of the same demo runs beside the first without clashing', async () => {
    second = new WeftUpProcess(copyBookinfo());
    await second.ready(30_000);
    const a = up.state;
    const b = second.state;
    const ports = (s: typeof a) => [s.xdsPort, s.debugPort, Number(new URL(s.exposed[0]!.url).port), ...s.workloads.flatMap((w) => [w.ports.admin, w.ports.outbound, ...Object.values(w.ports.inbound), ...Object.values(w.ports.app)])];
    const shared = ports(a).filter((p) => ports(b).includes(p));
    assert.deepEqual(shared, [], 'no port in common');
    await waitFor(async () => (await get({ port: second!.edgePort }, '/productpage')).headers['x-bookinfo-details'] === 'ok', 'the second product page', 15_000);
    assert.equal((await get(edge, '/productpage')).status, 200, 'the first still serves');
    const pids = [...second.childPids];
    const t0 = Date.now();
    second.child.kill('SIGTERM');
    const exit = await within(second.exited, 10_000, 'second weft up exit');
    measured.secondShutdownMs = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, second.output().slice(-2000));
    assert.deepEqual(pids.filter(alive), []);
    assert.equal((await get(edge, '/productpage')).status, 200, 'stopping the second left the first alone');
  });

  it('SIGTERM: exits 0 after stopping every sidecar and app, leaving no process behind', async () => {
    const pids = directChildren(up.pid);
    assert.equal(pids.length, 2 * WORKLOADS + 1);
    const bootstraps = pids.map((p) => /-c (\S+\.json)/.exec(commandLine(p) ?? '')?.[1]).filter((f): f is string => !!f);
    assert.equal(bootstraps.length, WORKLOADS + 1);
    const t0 = Date.now();
    up.child.kill('SIGTERM');
    const exit = await within(up.exited, 10_000, 'weft up exit');
    measured.shutdownMs = Date.now() - t0;
    assert.deepEqual(exit, { code: 0, signal: null }, up.output().slice(-2000));
    assert.deepEqual(pids.filter(alive).map((p) => `${p} ${commandLine(p)}`), [], 'every child gone');
    assert.match(up.output(), /weft up: SIGTERM: draining sidecars, stopping apps, then the control plane…\nweft up: stopped\n/);
    assert.ok(!fs.existsSync(path.join(up.dir, '.weft', 'state.json')), 'state.json removed');
    for (const f of bootstraps) assert.ok(!fs.existsSync(f), `${f} removed`);
    const r = await get(edge, '/productpage', {}, 2000);
    assert.equal(r.status, 0, 'the edge listener is closed');
  });
});

function countBy(replies: Reply[], key: (r: Reply) => string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const r of replies) m[key(r)] = (m[key(r)] ?? 0) + 1;
  return m;
}

/** Runs `node <args>` from the repository root; resolves with stdout (exit 0 required). */
function runNode(args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}
