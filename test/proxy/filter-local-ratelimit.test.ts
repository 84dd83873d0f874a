// envoy.filters.http.local_ratelimit end to end: real sockets and the
// bootstrap's filter chain, configured as in Envoy's documentation example.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { HTTP_LOCAL_RATELIMIT_TYPE_URL } from '../../src/proxy/filters/local-ratelimit/defaults.js';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';


const FILTERS = `          - name: envoy.filters.http.local_ratelimit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              stat_prefix: http_local_rate_limiter
              token_bucket: { max_tokens: 2, tokens_per_fill: 2, fill_interval: 60s }
              filter_enabled: { runtime_key: local_rate_limit_enabled, default_value: { numerator: 100, denominator: HUNDRED } }
              filter_enforced: { runtime_key: local_rate_limit_enforced, default_value: { numerator: 100, denominator: HUNDRED } }
              response_headers_to_add:
              - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                header: { key: x-local-rate-limit, value: "true" }`;

describe('HTTP local rate limit (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  const clock = new ManualClock();
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS }), { clock });
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('admits max_tokens, answers 429 local_rate_limited, refills after fill_interval', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await request({ port: px.port(), path: '/' })).status);
    assert.deepEqual(codes, [200, 200, 429]);
    const limited = await request({ port: px.port(), path: '/' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.toString(), 'local_rate_limited');
    assert.equal(limited.headers['x-local-rate-limit'], 'true');
    assert.match(String(limited.headers['x-weft-error']), /^WEFT_RATE_LIMITED /);
    assert.equal(up.requests.length, 2);
    clock.advance(60_000);
    assert.equal((await request({ port: px.port(), path: '/' })).status, 200);
    const stats = (await px.admin('/stats')).body;
    assert.match(stats, /^http_local_rate_limiter\.http_local_rate_limit\.ok: 3$/m);
    assert.match(stats, /^http_local_rate_limiter\.http_local_rate_limit\.rate_limited: 2$/m);
    assert.match(stats, /^http_local_rate_limiter\.http_local_rate_limit\.enforced: 2$/m);
  });
});
