import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import type { envoy_config_core_v3_HealthCheck } from '../../xds/gen/types.js';
import { applyHcHeaders, decodeHealthChecks, inRanges, payloadsMatch, type HttpCheck, type TcpCheck } from './health-check-config.js';

const base: envoy_config_core_v3_HealthCheck = {
  timeout: { seconds: 1 },
  interval: { seconds: 5 },
  unhealthy_threshold: { value: 3 },
  healthy_threshold: { value: 2 },
};

function decode(h: envoy_config_core_v3_HealthCheck) {
  const errs = new ConfigErrors();
  const out = decodeHealthChecks([h], 'hc', errs);
  return { hc: out[0], errs };
}

describe('decodeHealthChecks', () => {
  it('resolves the optional intervals with Envoy\'s defaults', () => {
    const { hc, errs } = decode({ ...base, http_health_check: { path: '/healthz' } });
    assert.equal(errs.issues.length, 0, errs.format());
    assert.equal(hc!.timeoutMs, 1000);
    assert.equal(hc!.intervalMs, 5000);
    assert.equal(hc!.noTrafficIntervalMs, 60_000);
    assert.equal(hc!.noTrafficHealthyIntervalMs, 60_000);
    assert.equal(hc!.unhealthyIntervalMs, 5000);
    assert.equal(hc!.unhealthyEdgeIntervalMs, 5000);
    assert.equal(hc!.healthyEdgeIntervalMs, 5000);
    assert.equal(hc!.reuseConnection, true);
    assert.equal(hc!.unhealthyThreshold, 3);
    assert.equal(hc!.healthyThreshold, 2);
    const http = hc!.check as HttpCheck;
    assert.equal(http.method, 'GET');
    assert.equal(http.codec, 'http1');
    assert.equal(http.host, undefined);
    assert.deepEqual(http.expectedStatuses, [[200, 201]]);
  });

  it('unhealthy_edge_interval defaults to unhealthy_interval', () => {
    const { hc } = decode({ ...base, unhealthy_interval: { seconds: 2 }, no_traffic_interval: { seconds: 3 }, tcp_health_check: {} });
    assert.equal(hc!.unhealthyEdgeIntervalMs, 2000);
    assert.equal(hc!.noTrafficHealthyIntervalMs, 3000);
  });

  it('requires timeout, interval, both thresholds and one checker', () => {
    const { errs } = decode({});
    assert.deepEqual(errs.errors.map((e) => e.path).sort(), ['hc[0]', 'hc[0].healthy_threshold', 'hc[0].interval', 'hc[0].timeout', 'hc[0].unhealthy_threshold']);
  });

  it('refuses more than one health check per cluster, and unsupported checkers and fields', () => {
    const errs = new ConfigErrors();
    decodeHealthChecks([{ ...base, tcp_health_check: {} }, { ...base, custom_health_check: { name: 'envoy.health_checkers.redis' }, event_log_path: '/tmp/x', tls_options: {} }], 'hc', errs);
    const paths = errs.errors.map((e) => e.path).sort();
    assert.deepEqual(paths, ['hc', 'hc[1].custom_health_check', 'hc[1].event_log_path', 'hc[1].tls_options']);
  });

  it('decodes TCP payloads from hex text or binary', () => {
    const { hc, errs } = decode({ ...base, tcp_health_check: { send: { text: '50494e47' }, receive: [{ text: '504f' }, { binary: new Uint8Array([0x4e, 0x47]) }] } });
    assert.equal(errs.issues.length, 0, errs.format());
    const tcp = hc!.check as TcpCheck;
    assert.equal(tcp.send.toString(), 'PING');
    assert.deepEqual(tcp.receive.map((b) => b.toString()), ['PO', 'NG']);
    const bad = decode({ ...base, tcp_health_check: { send: { text: 'xyz' } } });
    assert.deepEqual(bad.errs.errors.map((e) => e.path), ['hc[0].tcp_health_check.send.text']);
  });

  it('validates HTTP statuses, method and headers', () => {
    const { errs } = decode({
      ...base,
      http_health_check: {
        path: '/h',
        method: 'CONNECT',
        expected_statuses: [{ start: 200, end: 200 }],
        retriable_statuses: [{ start: 99, end: 300 }],
        request_headers_to_add: [{ header: { key: ':path', value: 'x' } }, { header: { key: 'x-a', value: '%UPSTREAM_METADATA(["a"])%' } }],
        codec_client_type: 'HTTP3',
      },
    });
    assert.deepEqual(errs.errors.map((e) => e.path).sort(), [
      'hc[0].http_health_check.codec_client_type',
      'hc[0].http_health_check.expected_statuses[0]',
      'hc[0].http_health_check.method',
      'hc[0].http_health_check.request_headers_to_add[0].header.key',
      'hc[0].http_health_check.request_headers_to_add[1].header.value',
      'hc[0].http_health_check.retriable_statuses[0]',
    ]);
  });

  it('requires an HTTP path', () => {
    const { errs } = decode({ ...base, http_health_check: {} });
    assert.deepEqual(errs.errors.map((e) => e.path), ['hc[0].http_health_check.path']);
  });
});

describe('health check helpers', () => {
  it('inRanges is half-open', () => {
    assert.equal(inRanges([[200, 201]], 200), true);
    assert.equal(inRanges([[200, 201]], 201), false);
    assert.equal(inRanges([[200, 300], [404, 405]], 404), true);
  });

  it('payloadsMatch finds blocks in order, not necessarily adjacent', () => {
    const b = (s: string) => Buffer.from(s);
    assert.equal(payloadsMatch([b('PO'), b('NG')], b('xxPOyyNG')), true);
    assert.equal(payloadsMatch([b('NG'), b('PO')], b('xxPOyyNG')), false);
    assert.equal(payloadsMatch([b('PONG')], b('PON')), false);
    assert.equal(payloadsMatch([], b('')), true);
  });

  it('applyHcHeaders honours append actions', () => {
    const h: [string, string][] = [['user-agent', 'Envoy/HC']];
    applyHcHeaders(h, [
      { name: 'x-a', value: '1', action: 'APPEND_IF_EXISTS_OR_ADD' },
      { name: 'x-a', value: '2', action: 'APPEND_IF_EXISTS_OR_ADD' },
      { name: 'user-agent', value: 'probe', action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { name: 'x-b', value: '3', action: 'OVERWRITE_IF_EXISTS' },
      { name: 'x-a', value: '4', action: 'ADD_IF_ABSENT' },
    ]);
    assert.deepEqual(h, [['x-a', '1'], ['x-a', '2'], ['user-agent', 'probe']]);
  });
});
