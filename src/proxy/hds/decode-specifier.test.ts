import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_service_health_v3_HealthCheckSpecifier } from '../../xds/gen/types.js';
import { decodeHealthCheckSpecifier } from './decode-specifier.js';

const HC = { timeout: { seconds: 1 }, interval: { seconds: 1 }, unhealthy_threshold: { value: 1 }, healthy_threshold: { value: 1 }, http_health_check: { path: '/healthz' } };
const ep = (address: string, port_value: number) => ({ address: { socket_address: { address, port_value } } });

describe('decodeHealthCheckSpecifier', () => {
  it('turns clusters into check plans: Envoy’s 1 s report interval by default, localities kept, a repeated address checked once', () => {
    const errs = new ConfigErrors();
    const plan = decodeHealthCheckSpecifier({
      cluster_health_checks: [{
        cluster_name: 'svc',
        health_checks: [HC],
        locality_endpoints: [
          { locality: { zone: 'a' }, endpoints: [ep('10.0.0.1', 80), ep('10.0.0.2', 80)] },
          { endpoints: [ep('10.0.0.1', 80), ep('::1', 81)] },
        ],
      }],
    }, errs);
    assert.deepEqual(errs.issues, []);
    assert.equal(plan?.reportIntervalMs, 1000);
    const c = plan!.clusters[0]!;
    assert.equal(c.name, 'svc');
    assert.equal(c.healthCheck.check.type, 'http');
    assert.deepEqual(c.localities.map((l) => [l.locality, l.endpoints.map((e) => e.key)]), [
      [{ zone: 'a' }, ['10.0.0.1:80', '10.0.0.2:80']],
      [undefined, ['[::1]:81']],
    ]);
    assert.equal(decodeHealthCheckSpecifier({ interval: { seconds: 0, nanos: 250_000_000 } }, new ConfigErrors())?.reportIntervalMs, 250);
  });

  it('refuses the whole specifier and names every error by path', () => {
    const errs = new ConfigErrors();
    const spec = {
      interval: { seconds: -1 },
      cluster_health_checks: [
        { cluster_name: 'a', health_checks: [], locality_endpoints: [{ endpoints: [ep('db.local', 80)] }] },
        { cluster_name: 'b', health_checks: [{ ...HC, timeout: undefined }], upstream_bind_config: { source_address: { address: '127.0.0.1', port_value: 0 } } },
        { cluster_name: 'c', health_checks: [HC] },
        { cluster_name: 'c', health_checks: [HC, HC] },
        { health_checks: [HC] },
      ],
    } as unknown as envoy_service_health_v3_HealthCheckSpecifier;
    assert.equal(decodeHealthCheckSpecifier(spec, errs), undefined);
    const paths = errs.errors.map((e) => e.path);
    assert.deepEqual(paths.sort(), [
      'cluster_health_checks[0].health_checks',
      'cluster_health_checks[0].locality_endpoints[0].endpoints[0].address.socket_address.address',
      'cluster_health_checks[1].health_checks[0].timeout',
      'cluster_health_checks[1].upstream_bind_config',
      'cluster_health_checks[3].cluster_name',
      'cluster_health_checks[3].health_checks',
      'cluster_health_checks[4].cluster_name',
      'interval',
    ]);
  });
});
