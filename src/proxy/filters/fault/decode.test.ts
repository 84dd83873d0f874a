import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../../common/errors.js';
import type { envoy_extensions_filters_http_fault_v3_HTTPFault } from '../../../xds/gen/types.js';
import { decodeHttpFault } from './decode.js';

function decode(cfg: envoy_extensions_filters_http_fault_v3_HTTPFault) {
  const errs = new ConfigErrors();
  const s = decodeHttpFault(cfg, 'f', errs);
  return { s, errors: errs.errors.map((e) => `${e.path}: ${e.message}`), warnings: errs.warnings.map((e) => e.path) };
}

describe('decodeHttpFault', () => {
  it('decodes delay, abort and the request conditions', () => {
    const { s, errors, warnings } = decode({
      delay: { fixed_delay: { seconds: 1, nanos: 500_000_000 }, percentage: { numerator: 25, denominator: 'TEN_THOUSAND' } },
      abort: { http_status: 503, percentage: { numerator: 50 } },
      upstream_cluster: 'reviews',
      headers: [{ name: 'x-user', exact_match: 'jason' }],
      downstream_nodes: ['n1', 'n2'],
      max_active_faults: { value: 3 },
      disable_downstream_cluster_stats: true,
      abort_percent_runtime: 'fault.http.abort.abort_percent',
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
    assert.deepEqual(s!.delay, { kind: 'fixed', ms: 1500, percentage: { numerator: 25, denominator: 10_000 } });
    assert.deepEqual(s!.abort, { kind: 'http', status: 503, percentage: { numerator: 50, denominator: 100 } });
    assert.equal(s!.upstreamCluster, 'reviews');
    assert.equal(s!.headers.length, 1);
    assert.deepEqual([...s!.downstreamNodes!], ['n1', 'n2']);
    assert.equal(s!.maxActiveFaults, 3);
    assert.equal(s!.disableDownstreamClusterStats, true);
  });

  it('defaults: no limit on active faults, any cluster, any caller', () => {
    const { s } = decode({});
    assert.equal(s!.delay, undefined);
    assert.equal(s!.abort, undefined);
    assert.equal(s!.maxActiveFaults, Number.POSITIVE_INFINITY);
    assert.equal(s!.upstreamCluster, undefined);
    assert.equal(s!.downstreamNodes, undefined);
  });

  it('decodes header-controlled and gRPC faults', () => {
    assert.deepEqual(decode({ delay: { header_delay: {}, percentage: { numerator: 100 } } }).s!.delay, { kind: 'header', percentage: { numerator: 100, denominator: 100 } });
    assert.deepEqual(decode({ abort: { header_abort: {}, percentage: { numerator: 100 } } }).s!.abort, { kind: 'header', percentage: { numerator: 100, denominator: 100 } });
    assert.deepEqual(decode({ abort: { grpc_status: 14, percentage: { numerator: 1, denominator: 'MILLION' } } }).s!.abort, { kind: 'grpc', grpcStatus: 14, percentage: { numerator: 1, denominator: 1_000_000 } });
  });

  it('warns that an unset percentage means 0%', () => {
    const { s, warnings } = decode({ abort: { http_status: 500 } });
    assert.deepEqual(warnings, ['f.abort.percentage']);
    assert.deepEqual(s!.abort!.percentage, { numerator: 0, denominator: 100 });
  });

  it('reports every error with its field path at once', () => {
    const { s, errors } = decode({
      delay: { fixed_delay: { seconds: 0 }, percentage: { numerator: 1 } },
      abort: { http_status: 600, percentage: { numerator: 1 } },
      headers: [{ name: 'bad name', exact_match: 'x' }],
      max_active_faults: { value: -1 },
      response_rate_limit: { fixed_limit: { limit_kbps: 1 } },
      filter_metadata: {},
    });
    assert.equal(s, undefined);
    assert.deepEqual(errors.map((e) => e.split(':')[0]), [
      'f.response_rate_limit',
      'f.filter_metadata',
      'f.delay.fixed_delay',
      'f.abort.http_status',
      'f.headers[0].name',
      'f.max_active_faults',
    ]);
    assert.match(errors[3]!, /must be in \[200, 600\) \(got 600\)/);
  });

  it('needs exactly one abort type and one delay type', () => {
    assert.deepEqual(decode({ abort: { percentage: { numerator: 1 } } }).errors, ['f.abort: one of http_status, grpc_status, header_abort is required']);
    assert.match(decode({ abort: { http_status: 500, grpc_status: 2 } }).errors[0]!, /^f\.abort: only one of .*found http_status, grpc_status/);
    assert.deepEqual(decode({ delay: { percentage: { numerator: 1 } } }).errors, ['f.delay: one of fixed_delay, header_delay is required']);
    assert.deepEqual(decode({ delay: { fixed_delay: { seconds: 1 }, header_delay: {} } }).errors, ['f.delay: only one of fixed_delay, header_delay may be set']);
    assert.deepEqual(decode({ abort: { http_status: 199 } }).errors.map((e) => e.split(':')[0]), ['f.abort.http_status']);
  });

  it('refuses an unknown percentage denominator', () => {
    assert.deepEqual(decode({ abort: { http_status: 500, percentage: { numerator: 1, denominator: 'BILLION' as 'HUNDRED' } } }).errors.map((e) => e.split(':')[0]), ['f.abort.percentage.denominator']);
  });
});
