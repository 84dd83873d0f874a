// AuthorizationPolicy on `weft up`'s Bookinfo (mTLS on, as by default), end
// to end with real processes:
// - scenario 10 (allow-nothing in default, then ALLOW productpage <- edge,
//   details and reviews <- productpage, ratings <- reviews, by SPIFFE
//   identity): the product page still shows every part; a caller outside
//   the chain (details calling ratings or reviews) gets Envoy's 403
//   `RBAC: access denied`, counted in the server sidecar's rbac.denied;
// - scenario 11 (AUDIT on reviews): nothing is denied, and the reviews
//   sidecars' access log lines end in the access log hint `true`;
// - removing the scenarios opens everything again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { applyScenario, closeAgent, copyBookinfo, get, scenario, stat, waitFor, WeftUpProcess, type Reply, type Target, type UpState } from './bookinfo-mesh.js';

const WAIT_MS = 15_000;
const PARTS = ['x-bookinfo-details', 'x-bookinfo-reviews', 'x-bookinfo-ratings'];

/** The page came with every backend (productpage says which ones it had to do without). */
function complete(r: Reply): boolean {
  return r.status === 200 && PARTS.every((h) => r.headers[h] !== 'unavailable');
}

/** One POST in absolute form through a sidecar's outbound listener. */
function postVia(t: Target, pathAndQuery: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: t.port, method: 'POST', path: `${t.via}${pathAndQuery}`, headers: { host: new URL(t.via!).host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('weft up: AuthorizationPolicy scenarios 10 and 11', { timeout: 120_000 }, () => {
  let up: WeftUpProcess;
  let st: UpState;
  let edge: Target;
  const w = (name: string) => st.workloads.find((x) => x.name === name)!;
  const via = (from: string, service: string): Target => ({ port: w(from).ports.outbound, via: `http://${service}:9080` });
  const denied = (name: string) => stat(w(name).ports.admin, 'http.inbound_0.0.0.0_9080.rbac.denied');

  before(async () => {
    up = new WeftUpProcess(copyBookinfo(), ['--access-log']);
    st = await up.ready(60_000);
    edge = { port: up.edgePort };
  });
  after(async () => {
    await up?.kill();
    closeAgent();
    if (up) fs.rmSync(up.dir, { recursive: true, force: true });
  });

  it('before any policy, any caller reaches ratings', async () => {
    const r = await get(via('details-v1', 'ratings'), '/ratings/0');
    assert.equal(r.status, 200, r.body);
  });

  it('scenario 10: the Bookinfo chain works, every other caller is denied with 403 RBAC: access denied', async () => {
    await applyScenario(up, { '10-authz-deny-all-allow-chain.yaml': scenario('10-authz-deny-all-allow-chain.yaml') }, WAIT_MS);
    for (let i = 0; i < 6; i++) {
      const page = await get(edge, '/productpage');
      assert.ok(complete(page), `productpage through the edge: ${page.status} ${JSON.stringify(PARTS.map((h) => page.headers[h]))}`);
    }
    // Connections a sidecar opened before the policy arrived keep the listener config they were accepted with
    // until they drain (as in Envoy), so the first denial is waited for; from then on every request is denied.
    const ratingsBefore = await denied('ratings-v1');
    const firstDenial = (from: string, service: string, p: string) => waitFor(async () => {
      const r = await get(via(from, service), p);
      return r.status === 403 ? r : undefined;
    }, `${from} → ${service} denied`, WAIT_MS);
    const fromDetails = await firstDenial('details-v1', 'ratings', '/ratings/0');
    assert.equal(fromDetails.body, 'RBAC: access denied');
    await waitFor(async () => (await denied('ratings-v1')) === ratingsBefore + 1, 'ratings-v1 counts the denial in rbac.denied', 3000);
    for (let i = 0; i < 5; i++) assert.equal((await get(via('details-v1', 'ratings'), '/ratings/0')).status, 403);
    await waitFor(async () => (await denied('ratings-v1')) === ratingsBefore + 6, 'ratings-v1 counts every denial', 3000);
    await firstDenial('details-v1', 'reviews', '/reviews/0');
    // reviews → ratings is in the chain; so is productpage → reviews.
    assert.equal((await get(via('reviews-v2', 'ratings'), '/ratings/0')).status, 200);
    assert.equal((await get(via('productpage-v1', 'reviews'), '/reviews/0')).status, 200);
    // Only GET is allowed on the chain: a POST from productpage to details is denied by details' sidecar.
    const post = await waitFor(async () => {
      const r = await postVia(via('productpage-v1', 'details'), '/details/0');
      return r.status === 403 ? r : undefined;
    }, 'POST productpage → details denied', WAIT_MS);
    assert.equal(post.body, 'RBAC: access denied');
  });

  it('scenario 11: AUDIT denies nothing and marks matched requests in the reviews access log', async () => {
    await applyScenario(up, { '11-authz-audit.yaml': scenario('11-authz-audit.yaml') }, WAIT_MS);
    const mark = up.output().length;
    for (let i = 0; i < 6; i++) assert.ok(complete(await get(edge, '/productpage')));
    await waitFor(() => up.output().slice(mark).split('\n').some((l) => /^\[reviews-v\d\/sidecar\] .*"GET \/reviews\/0 .* inbound\|9080\|\| .* true$/.test(l)),
      'a reviews inbound access log line ending in the access log hint `true`', 5000);
    const details = up.output().slice(mark).split('\n').filter((l) => /^\[details-v1\/sidecar\] .*"GET \/details\/0 .* inbound\|9080\|\|/.test(l));
    assert.ok(details.length > 0 && details.every((l) => l.endsWith(' -')), `details has no AUDIT policy: its hint is "-": ${details[0]}`);
  });

  it('removing the scenarios opens everything again', async () => {
    await applyScenario(up, {}, WAIT_MS);
    // Connections accepted under the policy drain first (as in Envoy); new ones have no RBAC.
    await waitFor(async () => (await get(via('details-v1', 'ratings'), '/ratings/0')).status === 200, 'details → ratings allowed again', WAIT_MS);
    for (let i = 0; i < 5; i++) assert.equal((await get(via('details-v1', 'ratings'), '/ratings/0')).status, 200);
  });
});
