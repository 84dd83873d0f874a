// Simulation: translated sidecar config, decoded by weft's proxy with zero
// errors, then requests matched by the proxy's own route table, for each of
// the project's Bookinfo scenarios (examples/bookinfo), Istio's Bookinfo
// routing samples (interop: skipped with the reason when ../shared is absent)
// and the seed's examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkingObject } from '../../src/api/networking.js';
import { translateProxy } from '../../src/control/translate/index.js';
import {
  bookinfoModel, bookinfoPush, bookinfoService, destinationRule, exampleScenario, loadExample, loadSample, SAMPLES_SKIP, sidecarProxy, virtualService,
} from '../../src/control/translate/test-bookinfo.js';
import { distribution, Simulation } from '../../src/control/translate/test-simulation.js';
import { R as RETRY_BITS } from '../../src/proxy/route/retry-policy.js';
import { HeaderMap } from '../../src/proxy/http/headers.js';
import type { TestPushInput } from '../../src/control/translate/test-push-context.js';

const L = '0.0.0.0_9080';
const c = (subset: string, svc: string, port = 9080) => `outbound|${port}|${subset}|${svc}.default.svc.cluster.local`;
const JASON = { 'end-user': 'jason' };

function sim(objects: NetworkingObject[], extra: Partial<TestPushInput> = {}): Simulation {
  const s = new Simulation(translateProxy(sidecarProxy(), bookinfoPush(objects, extra)).resources);
  assert.deepEqual(s.decoded.errors, [], 'weft\'s proxy accepts the translated config');
  return s;
}
const withDr = (f: string) => [...loadSample(f), ...loadSample('destination-rule-all.yaml')];
const EXAMPLE_CONFIG = () => loadExample('config/destination-rules.yaml');
/** The demo's config with one scenario, in the control plane's real PushContext (same-host DestinationRules merge). */
function simExample(file: string): Simulation {
  const s = new Simulation(translateProxy(sidecarProxy(), bookinfoModel(exampleScenario(file))).resources);
  assert.deepEqual(s.decoded.errors, [], 'weft\'s proxy accepts the translated config');
  return s;
}
const INTEROP = { skip: SAMPLES_SKIP };

test('no VirtualService: the default route to outbound|9080||<host>, Istio\'s retry policy, no timeout', () => {
  const s = sim(EXAMPLE_CONFIG());
  const r = s.route(L, { authority: 'reviews:9080', path: '/reviews/0' })!;
  assert.equal(r.routeName, 'default');
  assert.equal(r.cluster, c('', 'reviews'));
  assert.equal(r.timeoutMs, 0);
  const rp = r.retry!;
  assert.equal(rp.numRetries, 2);
  assert.equal(rp.retryOn, RETRY_BITS.CONNECT_FAILURE | RETRY_BITS.REFUSED_STREAM | RETRY_BITS.G_UNAVAILABLE | RETRY_BITS.G_CANCELLED | RETRY_BITS.STATUS_CODES);
  assert.deepEqual([...rp.retriableStatusCodes], [503]);
  assert.equal(rp.avoidPreviousHosts, true);
  assert.equal(rp.hostSelectionRetryMaxAttempts, 5);
});

test('every name form of a service finds its virtual host; unknown hosts get the allow_any 502', () => {
  const s = sim([]);
  for (const authority of ['reviews', 'reviews:9080', 'reviews.default', 'reviews.default:9080', 'reviews.default.svc', 'reviews.default.svc.cluster.local:9080']) {
    assert.equal(s.route(L, { authority })?.cluster, c('', 'reviews'), authority);
  }
  assert.equal(s.route(L, { authority: 'www.example.com' })?.directResponseStatus, 502);
  const ro = new Simulation(translateProxy(sidecarProxy(), bookinfoPush([], { mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' } })).resources);
  assert.equal(ro.route(L, { authority: 'www.example.com' })?.routeName, 'block_all');
});

test('virtual-service-reviews-jason-v2-v3: end-user jason → v2, everyone else → v3', INTEROP, () => {
  const s = sim(withDr('virtual-service-reviews-jason-v2-v3.yaml'));
  assert.equal(s.route(L, { authority: 'reviews:9080', headers: JASON })?.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(s.route(L, { authority: 'reviews:9080', headers: { 'end-user': 'kim' } })?.cluster, c('v3', 'reviews'));
  assert.equal(s.route(L, { authority: 'reviews:9080' })?.cluster, c('v3', 'reviews'));
});

test('virtual-service-reviews-test-v2: jason → v2, else v1', INTEROP, () => {
  const s = sim(withDr('virtual-service-reviews-test-v2.yaml'));
  assert.equal(s.route(L, { authority: 'reviews', headers: JASON })?.cluster, c('v2', 'reviews'));
  assert.equal(s.route(L, { authority: 'reviews' })?.cluster, c('v1', 'reviews'));
});

test('weighted samples split traffic exactly by weight', INTEROP, () => {
  const cases: [string, Record<string, number>][] = [
    ['virtual-service-reviews-90-10.yaml', { [c('v1', 'reviews')]: 90, [c('v2', 'reviews')]: 10 }],
    ['virtual-service-reviews-80-20.yaml', { [c('v1', 'reviews')]: 80, [c('v2', 'reviews')]: 20 }],
    ['virtual-service-reviews-50-v3.yaml', { [c('v1', 'reviews')]: 50, [c('v3', 'reviews')]: 50 }],
    ['virtual-service-reviews-v2-v3.yaml', { [c('v2', 'reviews')]: 50, [c('v3', 'reviews')]: 50 }],
    ['virtual-service-reviews-v3.yaml', { [c('v3', 'reviews')]: 100 }],
  ];
  for (const [file, want] of cases) assert.deepEqual(distribution(sim(withDr(file)), L, { authority: 'reviews:9080' }), want, file);
});

test('virtual-service-all-v1 and the ratings samples route to their subsets', INTEROP, () => {
  const all = sim(withDr('virtual-service-all-v1.yaml'));
  for (const svc of ['productpage', 'reviews', 'ratings', 'details']) assert.equal(all.route(L, { authority: svc })?.cluster, c('v1', svc), svc);
  assert.equal(sim(withDr('virtual-service-details-v2.yaml')).route(L, { authority: 'details' })?.cluster, c('v2', 'details'));
  const cases: [string, string, string][] = [
    ['virtual-service-ratings-db.yaml', 'v3', 'v2'],
    ['virtual-service-ratings-mysql.yaml', 'v3', 'v2-mysql'],
    ['virtual-service-ratings-mysql-vm.yaml', 'v3', 'v2-mysql-vm'],
  ];
  for (const [file, reviews, ratings] of cases) {
    const s = sim(withDr(file));
    assert.equal(s.route(L, { authority: 'reviews' })?.cluster, c(reviews, 'reviews'), file);
    assert.equal(s.route(L, { authority: 'ratings' })?.cluster, c(ratings, 'ratings'), file);
  }
});

test('virtual-service-ratings-test-abort: jason gets a 100% HTTP 500 abort; others no fault', INTEROP, () => {
  const s = sim(withDr('virtual-service-ratings-test-abort.yaml'));
  const j = s.route(L, { authority: 'ratings:9080', headers: JASON })!;
  assert.equal(j.cluster, c('v1', 'ratings'));
  assert.deepEqual(j.fault?.abort, { kind: 'http', status: 500, percentage: { numerator: 1_000_000, denominator: 1_000_000 } });
  assert.equal(s.route(L, { authority: 'ratings:9080' })?.fault, undefined);
});

test('virtual-service-ratings-test-delay: jason gets a 7 s delay at 100%', INTEROP, () => {
  const s = sim(withDr('virtual-service-ratings-test-delay.yaml'));
  assert.deepEqual(s.route(L, { authority: 'ratings', headers: JASON })?.fault?.delay, { kind: 'fixed', ms: 7000, percentage: { numerator: 1_000_000, denominator: 1_000_000 } });
  assert.equal(s.route(L, { authority: 'ratings' })?.fault, undefined);
});

test('fault-injection-details-v1: every request to details aborts with 555', INTEROP, () => {
  const s = sim(loadSample('fault-injection-details-v1.yaml'));
  const r = s.route(L, { authority: 'details:9080' })!;
  assert.equal(r.cluster, c('v1', 'details'));
  assert.deepEqual(r.fault?.abort, { kind: 'http', status: 555, percentage: { numerator: 1_000_000, denominator: 1_000_000 } });
});

const seed = { services: [bookinfoService('service-a'), bookinfoService('service-c')] };

test('the seed\'s retries and timeout: attempts 5, perTryTimeout 2s, retryOn 5xx, timeout 120s', () => {
  const vs = virtualService('virtual-svc', { hosts: ['service-a'], http: [{ route: [{ destination: { host: 'service-a' } }], retries: { attempts: 5, perTryTimeout: '2s', retryOn: '5xx' }, timeout: '120s' }] });
  const r = sim([vs], seed).route(L, { authority: 'service-a' })!;
  assert.equal(r.cluster, c('', 'service-a'));
  assert.equal(r.timeoutMs, 120_000);
  assert.equal(r.retry?.numRetries, 5);
  assert.equal(r.retry?.perTryTimeoutMs, 2000);
  assert.equal(r.retry?.retryOn, RETRY_BITS.R5XX);
});

test('the seed\'s fault: delay percent 50 (deprecated integer) with fixedDelay 5s', () => {
  const vs = virtualService('virtual-svc', { hosts: ['service-a'], http: [{ route: [{ destination: { host: 'service-a' } }], fault: { delay: { percent: 50, fixedDelay: '5s' } } }] });
  assert.deepEqual(sim([vs], seed).route(L, { authority: 'service-a' })?.fault?.delay, { kind: 'fixed', ms: 5000, percentage: { numerator: 50, denominator: 100 } });
});

test('the seed\'s circuit breaker DestinationRule, as the proxy decodes it', () => {
  const dr = destinationRule('circuit-breaker', { host: 'service-c', trafficPolicy: {
    connectionPool: { tcp: { maxConnections: 100 }, http: { http2MaxRequests: 1024, maxRequestsPerConnection: 10 } },
    outlierDetection: { consecutiveErrors: 7, interval: '5m', baseEjectionTime: '3m', maxEjectionPercent: 100 },
  } });
  const cc = sim([dr], seed).decoded.clusters.get(c('', 'service-c'))!;
  assert.equal(cc.circuitBreakers.default.maxConnections, 100);
  assert.equal(cc.circuitBreakers.default.maxRequests, 1024);
  assert.equal(cc.circuitBreakers.default.maxPendingRequests, 4294967295);
  assert.equal(cc.maxRequestsPerConnection, 10);
  assert.equal(cc.connectTimeoutMs, 10_000);
  const od = cc.outlierDetection!;
  assert.deepEqual([od.consecutiveGatewayFailure, od.enforcingConsecutiveGatewayFailure, od.enforcingConsecutive5xx], [7, 100, 0]);
  assert.deepEqual([od.intervalMs, od.baseEjectionTimeMs, od.maxEjectionPercent, od.enforcingSuccessRate], [300_000, 180_000, 100, 0]);
  assert.equal(cc.lb.healthyPanicThresholdPercent, 0);
});

test('destination-rule-reviews: RANDOM load balancing on every reviews cluster', INTEROP, () => {
  const s = sim(loadSample('destination-rule-reviews.yaml'));
  for (const subset of ['', 'v1', 'v2', 'v3']) assert.equal(s.decoded.clusters.get(c(subset, 'reviews'))?.lb.policy, 'RANDOM', subset);
  assert.equal(s.decoded.clusters.get(c('', 'ratings'))?.lb.policy, 'LEAST_REQUEST');
});

test('match features land where they should: uri, method, query, withoutHeaders, rewrite, mirror, redirect, direct response', () => {
  const vs = virtualService('reviews', { hosts: ['reviews'], http: [
    { match: [{ uri: { prefix: '/old' } }], rewrite: { uri: '/new', authority: 'reviews.internal' }, route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
    { match: [{ method: { exact: 'POST' }, queryParams: { debug: { exact: '1' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }], mirror: { host: 'reviews', subset: 'v3' } },
    { match: [{ withoutHeaders: { 'x-canary': { exact: 'yes' } }, uri: { regex: '/r/[0-9]+' } }], route: [{ destination: { host: 'reviews', subset: 'v3' } }] },
    { match: [{ uri: { exact: '/moved' } }], redirect: { uri: '/here', redirectCode: 302 } },
    { match: [{ uri: { exact: '/teapot' }, ignoreUriCase: true }], directResponse: { status: 418 } },
  ] });
  const s = sim([vs, ...EXAMPLE_CONFIG()]);
  const old = s.route(L, { authority: 'reviews', path: '/old/x' })!;
  assert.deepEqual([old.cluster, old.rewrittenPath, old.hostRewrite], [c('v1', 'reviews'), '/new/x', 'reviews.internal']);
  const post = s.route(L, { authority: 'reviews', method: 'POST', path: '/a?debug=1' })!;
  assert.deepEqual([post.cluster, post.mirrors], [c('v2', 'reviews'), [c('v3', 'reviews')]]);
  assert.equal(s.route(L, { authority: 'reviews', method: 'GET', path: '/a?debug=1' }), undefined, 'no route: NR, as Envoy without a catch-all');
  assert.equal(s.route(L, { authority: 'reviews', path: '/r/12' })?.cluster, c('v3', 'reviews'));
  assert.equal(s.route(L, { authority: 'reviews', path: '/r/12', headers: { 'x-canary': 'yes' } }), undefined);
  assert.equal(s.route(L, { authority: 'reviews', path: '/moved' })?.redirect, true);
  assert.equal(s.route(L, { authority: 'reviews', path: '/TEAPOT' })?.directResponseStatus, 418);
});

test('consistent hashing: RING_HASH on the cluster, the hash key on the route (same user, same hash)', () => {
  const dr = destinationRule('reviews', { host: 'reviews', trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 2048 } } } } });
  const s = sim([dr]);
  const cc = s.decoded.clusters.get(c('', 'reviews'))!;
  assert.deepEqual([cc.lb.policy, cc.lb.minimumRingSize], ['RING_HASH', 2048]);
  const t = s.tableForListener(L);
  const hashOf = (user: string) => {
    const h = new HeaderMap();
    h.add('x-user', user);
    const m = t.route({ method: 'GET', path: '/', authority: 'reviews', scheme: 'http', headers: h })!;
    return m.route.computeHash(m.view, '10.0.0.1');
  };
  assert.notEqual(hashOf('a'), undefined);
  assert.equal(hashOf('a'), hashOf('a'));
  assert.notEqual(hashOf('a'), hashOf('b'));
});

// The project's own scenarios (examples/bookinfo/scenarios, each applied over config/), on every clone.

test('example 01-all-v1: every service to v1', () => {
  const s = simExample('01-all-v1.yaml');
  for (const svc of ['productpage', 'reviews', 'ratings', 'details']) assert.equal(s.route(L, { authority: `${svc}:9080` })?.cluster, c('v1', svc), svc);
});

test('example 02a/02b canaries split reviews exactly by weight', () => {
  assert.deepEqual(distribution(simExample('02a-canary-90-10.yaml'), L, { authority: 'reviews:9080' }), { [c('v1', 'reviews')]: 90, [c('v3', 'reviews')]: 10 });
  assert.deepEqual(distribution(simExample('02b-canary-50-50.yaml'), L, { authority: 'reviews:9080' }), { [c('v1', 'reviews')]: 50, [c('v3', 'reviews')]: 50 });
});

test('example 03-jason-to-v2: end-user jason → v2, everyone else → v1', () => {
  const s = simExample('03-jason-to-v2.yaml');
  assert.equal(s.route(L, { authority: 'reviews:9080', headers: JASON })?.cluster, c('v2', 'reviews'));
  assert.equal(s.route(L, { authority: 'reviews:9080', headers: { 'end-user': 'kim' } })?.cluster, c('v1', 'reviews'));
});

test('example 04-fault-delay-jason: jason gets a 7 s delay at 100% on ratings; others no fault', () => {
  const s = simExample('04-fault-delay-jason.yaml');
  const j = s.route(L, { authority: 'ratings:9080', headers: JASON })!;
  assert.equal(j.cluster, c('v1', 'ratings'));
  assert.deepEqual(j.fault?.delay, { kind: 'fixed', ms: 7000, percentage: { numerator: 1_000_000, denominator: 1_000_000 } });
  assert.equal(s.route(L, { authority: 'ratings:9080' })?.fault, undefined);
});

test('example 05-fault-abort-ratings: half of ratings requests abort with 500', () => {
  const s = simExample('05-fault-abort-ratings.yaml');
  const r = s.route(L, { authority: 'ratings:9080' })!;
  assert.equal(r.cluster, c('v1', 'ratings'));
  assert.deepEqual(r.fault?.abort, { kind: 'http', status: 500, percentage: { numerator: 500_000, denominator: 1_000_000 } });
  assert.equal(s.route(L, { authority: 'reviews:9080' })?.cluster, c('v2', 'reviews'));
});

test('example 06-retries-flaky-ratings: 5 attempts of 500 ms on 5xx, gateway-error, connect-failure', () => {
  const r = simExample('06-retries-flaky-ratings.yaml').route(L, { authority: 'ratings:9080' })!;
  assert.equal(r.cluster, c('v1', 'ratings'));
  assert.equal(r.retry?.numRetries, 5);
  assert.equal(r.retry?.perTryTimeoutMs, 500);
  assert.equal(r.retry?.retryOn, RETRY_BITS.R5XX | RETRY_BITS.GATEWAY | RETRY_BITS.CONNECT_FAILURE);
});

test('example 07/07b circuit breakers: one connection, one pending request, outlier detection on 5xx', () => {
  for (const [file, svc] of [['07-circuit-breaker.yaml', 'productpage'], ['07b-circuit-breaker-ratings.yaml', 'ratings']] as const) {
    const s = simExample(file);
    for (const subset of ['', 'v1']) {
      const cc = s.decoded.clusters.get(c(subset, svc))!;
      assert.deepEqual([cc.circuitBreakers.default.maxConnections, cc.circuitBreakers.default.maxPendingRequests, cc.circuitBreakers.default.maxRequests, cc.maxRequestsPerConnection], [1, 1, 1, 1], `${file} ${subset}`);
      const od = cc.outlierDetection!;
      assert.deepEqual([od.consecutive5xx, od.enforcingConsecutive5xx, od.intervalMs, od.baseEjectionTimeMs, od.maxEjectionPercent], [5, 100, 10_000, 30_000, 100], `${file} ${subset}`);
    }
  }
});

test('example 08-mirror-reviews-v3: reviews to v1, mirrored to v3', () => {
  const r = simExample('08-mirror-reviews-v3.yaml').route(L, { authority: 'reviews:9080' })!;
  assert.equal(r.cluster, c('v1', 'reviews'));
  assert.deepEqual(r.mirrors, [c('v3', 'reviews')]);
});
