import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnyMessage } from '../../xds/gen/types.js';
import { req, table, tableOf } from './route-test-support.js';

test('routes are tried in order; the first match wins', () => {
  const t = tableOf([
    { name: 'prefix', match: { prefix: '/a' }, route: { cluster: 'p' } },
    { name: 'exact', match: { path: '/a/b' }, route: { cluster: 'e' } },
    { name: 'rest', match: { prefix: '/' }, route: { cluster: 'r' } },
  ]);
  assert.equal(t.route(req('/a/b'), 0)!.route.name, 'prefix'); // the more specific route later never wins
  assert.equal(t.route(req('/b'), 0)!.route.name, 'rest');
});

test('no virtual host or no route gives undefined (NR)', () => {
  const t = table({ virtual_hosts: [{ name: 'v', domains: ['a.com'], routes: [{ match: { path: '/x' }, route: { cluster: 'c' } }] }] });
  assert.equal(t.route(req('/x', { authority: 'b.com' }), 0), undefined);
  assert.equal(t.route(req('/y', { authority: 'a.com' }), 0), undefined);
  assert.equal(t.route(req('/x', { authority: 'A.COM' }), 0)!.vhost.name, 'v');
});

test('virtual host selection through the table', () => {
  const t = table({ virtual_hosts: [
    { name: 'default', domains: ['*'], routes: [] },
    { name: 'wild', domains: ['*.example.com'], routes: [] },
    { name: 'exact', domains: ['api.example.com', 'api.example.com:8080'], routes: [] },
  ] });
  assert.equal(t.selectVirtualHost('api.example.com')!.name, 'exact');
  assert.equal(t.selectVirtualHost('api.example.com:8080')!.name, 'exact');
  assert.equal(t.selectVirtualHost('x.example.com')!.name, 'wild');
  assert.equal(t.selectVirtualHost('api.example.com:9')!.name, 'default');
});

test('the random value is exposed on the result for weighted picks', () => {
  const t = tableOf([{ match: { prefix: '/', runtime_fraction: { default_value: { numerator: 50 } } }, route: { cluster: 'half' } }, { match: { prefix: '/' }, route: { cluster: 'rest' } }]);
  assert.equal(t.route(req('/'), 10)!.rand, 10);
  assert.equal(t.route(req('/'), 10)!.route.pickCluster(req('/'), 0)!.name, 'half');
  assert.equal(t.route(req('/'), 60)!.route.pickCluster(req('/'), 0)!.name, 'rest');
});

test('typed_per_filter_config: route, else virtual host, else route table', () => {
  // Per-route entries are validated at config time, so use a real filter type (fault) told apart by max_active_faults.
  const level = { rc: 1, vh: 2, route: 3 } as const;
  const any = (v: keyof typeof level): AnyMessage => ({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', max_active_faults: { value: level[v] } });
  const lv = (a: AnyMessage | undefined) => (a as { max_active_faults?: { value: number } } | undefined)?.max_active_faults?.value;
  const t = table({
    typed_per_filter_config: { f1: any('rc'), f2: any('rc'), f3: any('rc') },
    virtual_hosts: [{
      name: 'v', domains: ['*'],
      typed_per_filter_config: { f1: any('vh'), f2: any('vh') },
      routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { f1: any('route') } }],
    }],
  });
  const m = t.route(req('/'), 0)!;
  assert.equal(lv(m.route.perFilterConfig('f1')), 3);
  assert.equal(lv(m.route.perFilterConfig('f2')), 2);
  assert.equal(lv(m.route.perFilterConfig('f3')), 1);
  assert.equal(m.route.perFilterConfig('none'), undefined);
  assert.equal(lv(m.vhost.perFilterConfig('f1')), 2);
  assert.equal(lv(m.vhost.perFilterConfig('f3')), 1);
  assert.equal(m.route.typedPerFilterConfig.size, 1);
});

test('retry and mirror policies: the route\'s own, else the virtual host\'s (raw and compiled)', () => {
  const vhRetry = { retry_on: '5xx', num_retries: { value: 3 } };
  const t = tableOf([
    { name: 'own', match: { path: '/own' }, route: { cluster: 'c', retry_policy: { retry_on: 'reset' }, request_mirror_policies: [{ cluster: 'm2' }] } },
    { name: 'inherit', match: { prefix: '/' }, route: { cluster: 'c' } },
  ], { retry_policy: vhRetry, request_mirror_policies: [{ cluster: 'm1' }], include_request_attempt_count: true, include_attempt_count_in_response: true });
  const own = t.route(req('/own'), 0)!;
  const inh = t.route(req('/x'), 0)!;
  assert.ok(own.route.action.kind === 'forward' && inh.route.action.kind === 'forward');
  assert.deepEqual(own.route.action.retryPolicy, { retry_on: 'reset' });
  assert.deepEqual(inh.route.action.retryPolicy, vhRetry);
  assert.equal(own.route.action.retry!.numRetries, 1);
  assert.equal(inh.route.action.retry!.numRetries, 3);
  assert.deepEqual(own.route.action.mirrors.map((m) => m.cluster), ['m2']);
  assert.deepEqual(own.route.action.requestMirrorPolicies.map((p) => p.cluster), ['m2']);
  assert.deepEqual(inh.route.action.requestMirrorPolicies.map((p) => p.cluster), ['m1']);
  assert.equal(inh.vhost.includeRequestAttemptCount, true);
  assert.equal(inh.vhost.includeAttemptCountInResponse, true);
});

test('timeouts, upgrades, stream duration, decorator and metadata', () => {
  const t = tableOf([
    { name: 'a', match: { path: '/a' }, route: { cluster: 'c' } },
    { name: 'b', match: { path: '/b' }, route: {
      cluster: 'c', timeout: { seconds: 0 }, idle_timeout: { seconds: 2, nanos: 500_000_000 },
      upgrade_configs: [{ upgrade_type: 'WebSocket' }, { upgrade_type: 'CONNECT', enabled: { value: false } }],
      max_stream_duration: { grpc_timeout_header_max: { seconds: 5 } }, max_grpc_timeout: { seconds: 1 }, priority: 'DEFAULT',
    }, decorator: { operation: 'op-b' }, metadata: { filter_metadata: { 'envoy.lb': { k: 'v' } } } },
  ]);
  const a = t.route(req('/a'), 0)!.route;
  const b = t.route(req('/b'), 0)!.route;
  assert.ok(a.action.kind === 'forward' && b.action.kind === 'forward');
  assert.equal(a.action.timeoutMs, 15_000);
  assert.equal(a.action.idleTimeoutMs, undefined);
  assert.equal(b.action.timeoutMs, 0);
  assert.equal(b.action.idleTimeoutMs, 2500);
  assert.deepEqual([...b.action.upgrades], [['websocket', true], ['connect', false]]);
  assert.deepEqual(b.action.maxStreamDuration, { grpc_timeout_header_max: { seconds: 5 } });
  assert.deepEqual(b.action.maxGrpcTimeout, { seconds: 1 });
  assert.equal(b.decorator!.operation, 'op-b');
  assert.deepEqual(b.metadata, { filter_metadata: { 'envoy.lb': { k: 'v' } } });
});

test('direct responses: inline string, inline bytes, file read at config time', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-route-'));
  const file = path.join(dir, 'body.txt');
  fs.writeFileSync(file, 'from file');
  try {
    const t = tableOf([
      { match: { path: '/s' }, direct_response: { status: 200, body: { inline_string: 'héllo' } } },
      { match: { path: '/b' }, direct_response: { status: 403, body: { inline_bytes: new Uint8Array([1, 2]) } } },
      { match: { path: '/f' }, direct_response: { status: 503, body: { filename: file } } },
      { match: { path: '/n' }, direct_response: { status: 204 } },
    ]);
    const body = (p: string) => {
      const a = t.route(req(p), 0)!.route.action;
      assert.equal(a.kind, 'direct_response');
      return a.kind === 'direct_response' ? [a.status, a.body ? Buffer.from(a.body).toString('utf8') : undefined] : [];
    };
    assert.deepEqual(body('/s'), [200, 'héllo']);
    assert.deepEqual(body('/b'), [403, '\u0001\u0002']);
    fs.writeFileSync(file, 'changed later'); // already read
    assert.deepEqual(body('/f'), [503, 'from file']);
    assert.deepEqual(body('/n'), [204, undefined]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('table-level fields', () => {
  const t = table({
    name: 'main', internal_only_headers: ['X-Internal'], validate_clusters: { value: false }, max_direct_response_body_size_bytes: { value: 10 },
    virtual_hosts: [{ name: 'v', domains: ['*'], routes: [
      { match: { prefix: '/w' }, route: { weighted_clusters: { clusters: [{ name: 'w1', weight: { value: 1 } }, { cluster_header: 'x', weight: { value: 1 } }] } } },
      { match: { prefix: '/c' }, route: { cluster: 'c1' } },
      { match: { prefix: '/h' }, route: { cluster_header: 'x-c' } },
    ] }],
  });
  assert.equal(t.name, 'main');
  assert.deepEqual(t.internalOnlyHeaders, ['x-internal']);
  assert.equal(t.validateClusters, false);
  assert.equal(t.maxDirectResponseBodyBytes, 10);
  assert.deepEqual([...t.clusterNames()].sort(), ['c1', 'w1']);
});
