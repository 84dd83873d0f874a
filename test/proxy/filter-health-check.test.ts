// envoy.filters.http.health_check end to end: answered locally (200, 503 after
// /healthcheck/fail, 503 for an unhealthy cluster) and pass-through with a
// cached upstream answer on an injected clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { bootstrap, bootstrapErrors, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const hc = (extra: string) => `          - name: envoy.filters.http.health_check
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
              headers: [{ name: ":path", string_match: { exact: "/healthz" } }]
${extra}`;

describe('health check filter, answered locally (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(`node: { id: n1, cluster: front }\n` + bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: hc(`              pass_through_mode: false
              cluster_min_healthy_percentages: { service1: { value: 100 } }`) }));
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('answers 200 itself while live and the cluster is healthy', async () => {
    const r = await request({ port: px.port(), path: '/healthz' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-weft-error'], undefined);
    assert.equal(r.headers['x-envoy-upstream-healthchecked-cluster'], 'front');
    assert.equal(up.requests.length, 0);
    assert.equal((await request({ port: px.port(), path: '/other' })).status, 200);
    assert.equal(up.requests.length, 1);
  });

  it('answers 503 after /healthcheck/fail (and marks other responses), 200 again after /healthcheck/ok', async () => {
    assert.equal((await px.admin('/healthcheck/fail', 'POST')).status, 200);
    const r = await request({ port: px.port(), path: '/healthz' });
    assert.equal(r.status, 503);
    // Envoy marks the other responses, not the health check answer itself.
    assert.equal(r.headers['x-envoy-immediate-health-check-fail'], undefined);
    const other = await request({ port: px.port(), path: '/other' });
    assert.equal(other.status, 200);
    assert.equal(other.headers['x-envoy-immediate-health-check-fail'], 'true');
    assert.equal((await px.admin('/healthcheck/ok', 'POST')).status, 200);
    assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 200);
  });
});

describe('health check filter, cluster_min_healthy_percentages naming an unknown cluster', () => {
  it('answers 503', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: hc(`              pass_through_mode: false
              cluster_min_healthy_percentages: { nosuch: { value: 10 } }`) }));
    try {
      assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 503);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('health check filter, pass-through with cache_time (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  let status = 200;
  const clock = new ManualClock();
  before(async () => {
    up = await startUpstream('service1', (_req, _b, res) => {
      res.statusCode = status;
      res.end('upstream');
    });
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: hc(`              pass_through_mode: true
              cache_time: 10s`) }), { clock });
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('forwards the first check, reuses its status for cache_time, then asks again', async () => {
    assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 200);
    assert.equal(up.requests.length, 1);
    status = 503;
    assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 200);
    assert.equal(up.requests.length, 1, 'answered from the cache');
    clock.advance(10_000);
    assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 503);
    assert.equal(up.requests.length, 2);
  });

  it('a failing server answers 503 without asking the upstream', async () => {
    status = 200;
    clock.advance(10_000);
    await px.admin('/healthcheck/fail', 'POST');
    const seen = up.requests.length;
    assert.equal((await request({ port: px.port(), path: '/healthz' })).status, 503);
    assert.equal(up.requests.length, seen);
    await px.admin('/healthcheck/ok', 'POST');
  });
});

describe('health check filter config', () => {
  it('pass_through_mode is required; cache_time without pass-through is refused', () => {
    const paths = bootstrapErrors(bootstrap({ clusters: staticCluster('service1', [1]), httpFilters: hc('              cache_time: 5s') })).map((e) => e.path);
    assert.ok(paths.some((p) => p.endsWith('typed_config.pass_through_mode')), JSON.stringify(paths));
    assert.ok(paths.some((p) => p.endsWith('typed_config.cache_time')), JSON.stringify(paths));
  });
});
