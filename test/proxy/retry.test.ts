// Retries, per-try timeouts and route timeouts against real upstreams that fail on purpose.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrap, closedPort, request, staticCluster, startProxy, startUpstream } from '../helpers/proxy-harness.js';
import { stat } from '../helpers/http-test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';

const route = (retry: string) => `              - match: { prefix: "/" }
                route:
                  cluster: service1
${retry}`;

describe('retries', () => {
  it('an upstream returning 503 twice then 200 is retried to success', async () => {
    let n = 0;
    const up = await startUpstream('s', (_req, _b, res) => {
      n++;
      res.statusCode = n <= 2 ? 503 : 200;
      res.end(`try ${n}`);
    });
    const px = await startProxy(bootstrap({
      routes: route(`                  retry_policy: { retry_on: 5xx, num_retries: 3, retry_back_off: { base_interval: 0.001s } }`),
      clusters: staticCluster('service1', [up.port]),
    }));
    try {
      const r = await request({ port: px.port(), path: '/', method: 'POST', body: 'payload' });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'try 3');
      assert.deepEqual(up.requests.map((q) => q.body), ['payload', 'payload', 'payload']);
      const s = (await px.admin('/stats')).body;
      assert.match(s, /^cluster\.service1\.upstream_rq_retry: 2$/m);
      assert.match(s, /^cluster\.service1\.upstream_rq_retry_success: 1$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('a connection refused is retried on another host (previous_hosts)', async () => {
    const dead = await closedPort();
    const up = await startUpstream('alive');
    const px = await startProxy(bootstrap({
      routes: route(`                  retry_policy:
                    retry_on: connect-failure
                    num_retries: 2
                    retry_back_off: { base_interval: 0.001s }
                    retry_host_predicate: [{ name: envoy.retry_host_predicates.previous_hosts, typed_config: { "@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate } }]
                    host_selection_retry_max_attempts: 5`),
      clusters: staticCluster('service1', [dead, up.port]),
    }));
    try {
      for (let i = 0; i < 6; i++) {
        const r = await request({ port: px.port(), path: `/${i}` });
        assert.equal(r.status, 200, `request ${i}`);
      }
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('retries exhausted: the last failure is relayed with URX in the access log flags', async () => {
    const up = await startUpstream('s', (_q, _b, res) => {
      res.statusCode = 503;
      res.end('no');
    });
    const px = await startProxy(bootstrap({
      routes: route(`                  retry_policy: { retry_on: gateway-error, num_retries: 2, retry_back_off: { base_interval: 0.001s } }`),
      clusters: staticCluster('service1', [up.port]),
    }));
    try {
      const r = await request({ port: px.port(), path: '/' });
      assert.equal(r.status, 503);
      assert.equal(up.requests.length, 3);
      const s = (await px.admin('/stats')).body;
      assert.match(s, /^cluster\.service1\.upstream_rq_retry_limit_exceeded: 1$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('a hung upstream hits per_try_timeout, is retried, then the route timeout answers 504 UT', async () => {
    const up = await startUpstream('s', () => undefined /* never answers */);
    const px = await startProxy(bootstrap({
      routes: route(`                  timeout: 0.4s
                  retry_policy: { retry_on: 5xx, num_retries: 5, per_try_timeout: 0.1s, retry_back_off: { base_interval: 0.001s } }`),
      clusters: staticCluster('service1', [up.port]),
    }));
    try {
      const r = await request({ port: px.port(), path: '/' });
      assert.equal(r.status, 504);
      assert.equal(r.body.toString(), 'upstream request timeout');
      assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TIMEOUT /);
      const s = (await px.admin('/stats')).body;
      const perTry = Number(/^cluster\.service1\.upstream_rq_per_try_timeout: (\d+)$/m.exec(s)?.[1]);
      assert.ok(perTry >= 2, `per-try timeouts: ${perTry}`);
      assert.match(s, /^cluster\.service1\.upstream_rq_timeout: 1$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('x-envoy-retry-on and x-envoy-max-retries request headers enable retries', async () => {
    let n = 0;
    const up = await startUpstream('s', (_q, _b, res) => {
      n++;
      res.statusCode = n === 1 ? 500 : 200;
      res.end('ok');
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const r = await request({ port: px.port(), path: '/', headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '1' } });
      assert.equal(r.status, 200);
      assert.equal(up.requests.length, 2);
      assert.equal(up.requests[0]!.headers['x-envoy-retry-on'], undefined);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('circuit breakers', () => {
  it('200 concurrent requests against max_requests: 10 get 10 through and the rest 503 UO at once', async () => {
    const held: (() => void)[] = [];
    const up = await startUpstream('s', (_q, _b, res) => {
      held.push(() => res.end('ok'));
    });
    const px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port], `    circuit_breakers: { thresholds: [{ max_requests: 10, max_pending_requests: 1000, max_connections: 1000 }] }`),
    }));
    try {
      const agentless = Array.from({ length: 200 }, (_, i) => request({ port: px.port(), path: `/${i}` }));
      // Release the 10 only once every other request has reached the proxy and
      // been refused: loopback connects take ~1 ms each here (200 take 0.2-1 s
      // under load), and a request arriving after the release is rightly admitted.
      await waitUntil(async () => held.length >= 10 && (await stat(px, 'cluster.service1.upstream_rq_pending_overflow')) >= 190, '10 requests held upstream and 190 refused', 10000);
      const rejected = await Promise.race([Promise.all(agentless.map((p) => p.then((r) => r.status))), new Promise<null>((r) => setTimeout(() => r(null), 300).unref())]);
      assert.equal(rejected, null, 'requests over the limit must not wait for the held ones');
      while (held.length < 10) await new Promise((r) => setTimeout(r, 5));
      for (const h of held) h();
      const statuses = await Promise.all(agentless.map((p) => p.then((r) => r)));
      const ok = statuses.filter((r) => r.status === 200).length;
      const uo = statuses.filter((r) => r.status === 503 && /^WEFT_UPSTREAM_OVERFLOW/.test(String(r.headers['x-weft-error'])));
      assert.equal(ok, 10);
      assert.equal(uo.length, 190);
      const s = (await px.admin('/stats')).body;
      assert.match(s, /^cluster\.service1\.upstream_rq_pending_overflow: 190$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('mirroring', () => {
  it('a mirrored cluster that is down changes nothing for the caller; a live mirror gets a -shadow copy', async () => {
    const up = await startUpstream('primary');
    const mirror = await startUpstream('mirror');
    const dead = await closedPort();
    const px = await startProxy(bootstrap({
      routes: route(`                  request_mirror_policies: [{ cluster: deadmirror }, { cluster: livemirror }]`),
      clusters: staticCluster('service1', [up.port]) + staticCluster('deadmirror', [dead]) + staticCluster('livemirror', [mirror.port]),
    }));
    try {
      const r = await request({ port: px.port(), path: '/m', method: 'POST', body: 'copy me', headers: { host: 'svc:8080' } });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'primary POST /m');
      for (let i = 0; i < 200 && mirror.requests.length === 0; i++) await new Promise((res) => setTimeout(res, 5));
      assert.equal(mirror.requests.length, 1);
      assert.equal(mirror.requests[0]!.headers.host, 'svc-shadow:8080');
      assert.equal(mirror.requests[0]!.body, 'copy me');
    } finally {
      await px.close();
      await up.close();
      await mirror.close();
    }
  });
});

describe('network local rate limit', () => {
  it('admits exactly the bucket\'s tokens of connections, then closes new ones', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port]),
    }).replace(`    - filters:
      - name: envoy.filters.network.http_connection_manager`, `    - filters:
      - name: envoy.filters.network.local_ratelimit
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
          stat_prefix: conn_limit
          token_bucket: { max_tokens: 3, tokens_per_fill: 1, fill_interval: 3600s }
      - name: envoy.filters.network.http_connection_manager`));
    try {
      const results: string[] = [];
      for (let i = 0; i < 5; i++) {
        try {
          const r = await request({ port: px.port(), path: '/' });
          results.push(String(r.status));
        } catch {
          results.push('closed');
        }
      }
      assert.deepEqual(results, ['200', '200', '200', 'closed', 'closed']);
      const s = (await px.admin('/stats')).body;
      assert.match(s, /^local_rate_limit\.conn_limit\.rate_limited: 2$/m);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
