import { ConfigErrors } from '../../../common/errors.js';
import { decodeRouteConfiguration } from '../../route/decode-route-config.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyMessage, envoy_config_route_v3_Route } from '../../../xds/gen/types.js';
import { RL } from '../../access-log/response-flags.js';
import { connection, FilterHarness, seededRandom } from '../fault/test-stream.js';
import { httpLocalRateLimitRegistration } from './registration.js';
import { HTTP_LOCAL_RATELIMIT_TYPE_URL } from './defaults.js';

const NAME = 'envoy.filters.http.local_ratelimit';
const ON = { default_value: { numerator: 100 } };

function lrl(fields: Record<string, unknown>): AnyMessage {
  return { '@type': HTTP_LOCAL_RATELIMIT_TYPE_URL, stat_prefix: 'rl', ...fields };
}

function harness(cfg: Record<string, unknown>, routes?: envoy_config_route_v3_Route[]): FilterHarness {
  const h = new FilterHarness();
  h.addFilter(httpLocalRateLimitRegistration, NAME, lrl(cfg));
  h.setRoutes({ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: routes ?? [{ name: 'default', match: { prefix: '/' }, route: { cluster: 'backend' } }] }] });
  return h;
}

const LIMIT = { token_bucket: { max_tokens: 3, tokens_per_fill: { value: 2 }, fill_interval: { seconds: 1 } }, filter_enabled: ON, filter_enforced: ON };

function statuses(h: FilterHarness, n: number, opts: Parameters<FilterHarness['send']>[0] = {}): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(h.send(opts).sink.status);
  return out;
}

describe('HTTP local rate limit', () => {
  it('admits exactly the bucket\'s tokens, then answers 429 local_rate_limited with flag RL', () => {
    const h = harness(LIMIT);
    assert.deepEqual(statuses(h, 3), [200, 200, 200]);
    const { stream, sink } = h.send();
    assert.equal(sink.status, 429);
    assert.equal(sink.body, 'local_rate_limited');
    assert.ok(stream.info.hasResponseFlag(RL));
    assert.equal(stream.info.responseCodeDetails, 'local_rate_limited');
    assert.match(sink.headers!.get('x-weft-error')!, /^WEFT_RATE_LIMITED .*; http_filter=envoy\.filters\.http\.local_ratelimit$/);
    // Envoy's local filter does not set x-envoy-ratelimited (only the global ratelimit filter does).
    assert.equal(sink.headers!.get('x-envoy-ratelimited'), undefined);
    assert.equal(h.counter('rl.http_local_rate_limit.enabled'), 4);
    assert.equal(h.counter('rl.http_local_rate_limit.ok'), 3);
    assert.equal(h.counter('rl.http_local_rate_limit.rate_limited'), 1);
    assert.equal(h.counter('rl.http_local_rate_limit.enforced'), 1);
  });

  it('refills exactly tokens_per_fill per fill_interval on the injected clock', () => {
    const h = harness(LIMIT);
    statuses(h, 3);
    h.clock.advance(999);
    assert.deepEqual(statuses(h, 1), [429]);
    h.clock.advance(1);
    assert.deepEqual(statuses(h, 3), [200, 200, 429]);
    h.clock.advance(10_000);
    assert.deepEqual(statuses(h, 4), [200, 200, 200, 429], 'never more than max_tokens');
  });

  it('does nothing without filter_enabled (Envoy\'s default is 0%)', () => {
    const h = harness({ token_bucket: LIMIT.token_bucket, filter_enforced: ON });
    assert.deepEqual(statuses(h, 5), [200, 200, 200, 200, 200]);
    assert.equal(h.counter('rl.http_local_rate_limit.enabled'), 0);
  });

  it('enabled but not enforced: counts rate_limited, lets the request through with request_headers_to_add_when_not_enforced', () => {
    const h = harness({
      token_bucket: LIMIT.token_bucket,
      filter_enabled: ON,
      request_headers_to_add_when_not_enforced: [{ header: { key: 'x-rate-limited', value: 'would-be' } }],
    });
    assert.deepEqual(statuses(h, 5), [200, 200, 200, 200, 200]);
    assert.equal(h.counter('rl.http_local_rate_limit.rate_limited'), 2);
    assert.equal(h.counter('rl.http_local_rate_limit.enforced'), 0);
    assert.equal(h.routed[2]!.headers.get('x-rate-limited'), undefined);
    assert.equal(h.routed[3]!.headers.get('x-rate-limited'), 'would-be');
  });

  it('filter_enabled as a fraction checks about that share of requests', () => {
    const h = harness({ filter_enabled: { default_value: { numerator: 50 } } });
    h.random = seededRandom(3);
    statuses(h, 1000);
    const n = h.counter('rl.http_local_rate_limit.enabled');
    assert.ok(n >= 430 && n <= 570, `enabled ${n}`);
    assert.equal(h.counter('rl.http_local_rate_limit.ok'), n, 'no token bucket: nothing is limited');
  });

  it('status and response_headers_to_add shape the rate-limited reply', () => {
    const h = harness({ ...LIMIT, status: { code: 'ServiceUnavailable' }, response_headers_to_add: [{ header: { key: 'x-local-rate-limit', value: 'true' } }] });
    const ok = h.send().sink;
    assert.equal(ok.headers!.get('x-local-rate-limit'), undefined);
    statuses(h, 2);
    const limited = h.send().sink;
    assert.equal(limited.status, 503);
    assert.equal(limited.headers!.get('x-local-rate-limit'), 'true');
  });

  it('enable_x_ratelimit_headers: DRAFT_VERSION_03 adds limit, remaining and reset', () => {
    const h = harness({ ...LIMIT, token_bucket: { max_tokens: 2, fill_interval: { seconds: 60 } }, enable_x_ratelimit_headers: 'DRAFT_VERSION_03' });
    const first = h.send().sink.headers!;
    assert.equal(first.get('x-ratelimit-limit'), '2');
    assert.equal(first.get('x-ratelimit-remaining'), '1');
    assert.equal(first.get('x-ratelimit-reset'), '60');
    h.clock.advance(15_000);
    h.send();
    const limited = h.send().sink;
    assert.equal(limited.status, 429);
    assert.equal(limited.headers!.get('x-ratelimit-remaining'), '0');
    assert.equal(limited.headers!.get('x-ratelimit-reset'), '45');
  });

  it('local_rate_limit_per_downstream_connection: one bucket per connection', () => {
    const h = harness({ ...LIMIT, local_rate_limit_per_downstream_connection: true });
    const a = connection();
    const b = connection();
    assert.deepEqual(statuses(h, 4, { conn: a }), [200, 200, 200, 429]);
    assert.deepEqual(statuses(h, 4, { conn: b }), [200, 200, 200, 429]);
  });

  it('gRPC callers get UNAVAILABLE, or RESOURCE_EXHAUSTED with rate_limited_as_resource_exhausted', () => {
    const h = harness({ ...LIMIT, token_bucket: { max_tokens: 1, fill_interval: { seconds: 1 } } });
    h.send({ grpc: true });
    const g = h.send({ grpc: true }).sink;
    assert.equal(g.status, 200);
    assert.equal(g.headers!.get('grpc-status'), '14');
    assert.equal(g.headers!.get('grpc-message'), 'local_rate_limited');
    const x = harness({ ...LIMIT, token_bucket: { max_tokens: 1, fill_interval: { seconds: 1 } }, rate_limited_as_resource_exhausted: true });
    x.send({ grpc: true });
    assert.equal(x.send({ grpc: true }).sink.headers!.get('grpc-status'), '8');
    assert.equal(x.send().sink.status, 429, 'plain HTTP callers still get the HTTP status');
  });

  it('a route\'s LocalRateLimit replaces the listener config, with its own bucket and stats', () => {
    const routeCfg = lrl({ stat_prefix: 'route_rl', token_bucket: { max_tokens: 1, fill_interval: { seconds: 1 } }, filter_enabled: ON, filter_enforced: ON });
    const h = harness(LIMIT, [
      { name: 'limited', match: { prefix: '/limited' }, route: { cluster: 'c' }, typed_per_filter_config: { [NAME]: routeCfg } },
      { name: 'other', match: { prefix: '/' }, route: { cluster: 'c' } },
    ]);
    assert.deepEqual(statuses(h, 2, { path: '/limited' }), [200, 429]);
    const limited = h.send({ path: '/limited' }).sink;
    assert.match(limited.headers!.get('x-weft-error')!, /; http_filter=envoy\.filters\.http\.local_ratelimit; typed_per_filter_config stat_prefix=route_rl$/);
    assert.deepEqual(statuses(h, 4, { path: '/x' }), [200, 200, 200, 429], 'the listener bucket was untouched');
    assert.equal(h.counter('route_rl.http_local_rate_limit.rate_limited'), 2);
    assert.equal(h.counter('rl.http_local_rate_limit.rate_limited'), 1);
  });

  it('Istio\'s shape: a disabled listener filter and the limit on one route', () => {
    const routeCfg = lrl({ token_bucket: { max_tokens: 1, fill_interval: { seconds: 1 } }, filter_enabled: ON, filter_enforced: ON });
    const h = harness({}, [
      { name: 'limited', match: { prefix: '/limited' }, route: { cluster: 'c' }, typed_per_filter_config: { [NAME]: routeCfg } },
      { name: 'other', match: { prefix: '/' }, route: { cluster: 'c' } },
    ]);
    assert.deepEqual(statuses(h, 3, { path: '/x' }), [200, 200, 200]);
    assert.deepEqual(statuses(h, 2, { path: '/limited' }), [200, 429]);
  });

  it('a virtual host\'s config is one bucket for all its routes', () => {
    const h = new FilterHarness();
    h.addFilter(httpLocalRateLimitRegistration, NAME, lrl({}));
    h.setRoutes({ name: 'rc', virtual_hosts: [{
      name: 'vh', domains: ['*'],
      typed_per_filter_config: { [NAME]: lrl({ token_bucket: { max_tokens: 2, fill_interval: { seconds: 1 } }, filter_enabled: ON, filter_enforced: ON }) },
      routes: [{ match: { prefix: '/a' }, route: { cluster: 'c' } }, { match: { prefix: '/b' }, route: { cluster: 'c' } }],
    }] });
    assert.deepEqual([h.send({ path: '/a' }), h.send({ path: '/b' }), h.send({ path: '/a' })].map((r) => r.sink.status), [200, 200, 429]);
  });

  it('an invalid route config (no token bucket) is refused when the route config is decoded', () => {
    const errs = new ConfigErrors();
    decodeRouteConfiguration({ name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { [NAME]: lrl({ filter_enabled: ON }) } }] }] }, 'rc', errs);
    assert.ok(errs.errors.some((e) => /token_bucket: a per-route local rate limit must set token_bucket/.test(`${e.path}: ${e.message}`)), errs.format());
  });
});
