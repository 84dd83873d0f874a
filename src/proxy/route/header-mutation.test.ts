import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { HeaderMap } from '../http/headers.js';
import type { envoy_config_core_v3_HeaderValueOption } from '../../xds/gen/types.js';
import { decodeHeaderMutation, HeaderMutation } from './header-mutation.js';
import type { HeaderFormatContext } from './header-formatter.js';
import { req, tableOf } from './route-test-support.js';

function mutation(add: envoy_config_core_v3_HeaderValueOption[], remove: string[] = []): HeaderMutation {
  const errs = new ConfigErrors();
  const m = decodeHeaderMutation(add, 'add', remove, 'remove', errs);
  assert.equal(errs.hasErrors, false, errs.format());
  return m;
}

function apply(m: HeaderMutation, start: [string, string][], ctx: HeaderFormatContext = {}): [string, string][] {
  const h = new HeaderMap();
  for (const [n, v] of start) h.add(n, v);
  m.apply(h, ctx);
  return h.names.map((n, i) => [n, h.values[i]!]);
}

test('append actions', () => {
  const opt = (append_action: envoy_config_core_v3_HeaderValueOption['append_action']) => mutation([{ header: { key: 'X', value: 'new' }, append_action }]);
  const cases: [HeaderMutation, [string, string][], [string, string][]][] = [
    [opt('APPEND_IF_EXISTS_OR_ADD'), [['x', 'old']], [['x', 'old'], ['x', 'new']]],
    [opt('APPEND_IF_EXISTS_OR_ADD'), [], [['x', 'new']]],
    [opt('ADD_IF_ABSENT'), [['x', 'old']], [['x', 'old']]],
    [opt('ADD_IF_ABSENT'), [], [['x', 'new']]],
    [opt('OVERWRITE_IF_EXISTS_OR_ADD'), [['x', 'a'], ['x', 'b']], [['x', 'new']]],
    [opt('OVERWRITE_IF_EXISTS_OR_ADD'), [], [['x', 'new']]],
    [opt('OVERWRITE_IF_EXISTS'), [['x', 'old']], [['x', 'new']]],
    [opt('OVERWRITE_IF_EXISTS'), [], []],
    [opt(undefined), [['x', 'old']], [['x', 'old'], ['x', 'new']]], // default appends
    [mutation([{ header: { key: 'x', value: 'new' }, append: { value: false } }]), [['x', 'old']], [['x', 'new']]],
    [mutation([{ header: { key: 'x', value: 'new' }, append: { value: true } }]), [['x', 'old']], [['x', 'old'], ['x', 'new']]],
  ];
  for (const [m, start, want] of cases) assert.deepEqual(apply(m, start), want);
});

test('removes happen before adds within one level', () => {
  const m = mutation([{ header: { key: 'x', value: 'added' } }], ['X']);
  assert.deepEqual(apply(m, [['x', 'orig'], ['y', '1']]), [['y', '1'], ['x', 'added']]);
});

test('empty values are skipped unless keep_empty_value', () => {
  assert.deepEqual(apply(mutation([{ header: { key: 'x', value: '' } }]), []), []);
  assert.deepEqual(apply(mutation([{ header: { key: 'x', value: '' }, keep_empty_value: true }]), []), [['x', '']]);
  assert.deepEqual(apply(mutation([{ header: { key: 'x', value: '%UPSTREAM_CLUSTER%' } }]), []), []);
});

test('command operators are evaluated from the context', () => {
  const m = mutation([
    { header: { key: 'a', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } },
    { header: { key: 'b', value: 'ip=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%;' } },
    { header: { key: 'c', value: '%DOWNSTREAM_LOCAL_ADDRESS%' } },
    { header: { key: 'd', value: '%UPSTREAM_CLUSTER%' } },
    { header: { key: 'e', value: '100%%' } },
    { header: { key: 'f', value: '%REQ(X-ID)%/%REQ(:authority)%' } },
    { header: { key: 'g', value: '%REQ(missing?x-id)%' } },
    { header: { key: 'h', value: '%REQ(x-id):2%' } },
    { header: { key: 'i', value: '%PROTOCOL% %HOSTNAME% %DOWNSTREAM_LOCAL_PORT%' } },
  ]);
  const r = req('/', { headers: [['x-id', 'abc']], authority: 'svc' });
  const ctx: HeaderFormatContext = {
    downstreamRemoteAddress: { ip: '10.0.0.1', port: 5000 },
    downstreamLocalAddress: { ip: '::1', port: 80 },
    upstreamCluster: 'backend',
    protocol: 'HTTP/1.1',
    hostname: 'node1',
    request: r,
  };
  assert.deepEqual(apply(m, [], ctx), [
    ['a', '10.0.0.1:5000'], ['b', 'ip=10.0.0.1;'], ['c', '[::1]:80'], ['d', 'backend'], ['e', '100%'],
    ['f', 'abc/svc'], ['g', 'abc'], ['h', 'ab'], ['i', 'HTTP/1.1 node1 80'],
  ]);
});

test('invalid header options are reported with their paths', () => {
  const errs = new ConfigErrors();
  decodeHeaderMutation([
    { header: { key: ':path', value: 'x' } },
    { header: { key: 'host', value: 'x' } },
    { header: { key: 'x', value: '%NOPE%' } },
    { header: { key: 'x', value: '50%' } },
    { header: { key: 'x', value: 'a' }, append: { value: true }, append_action: 'ADD_IF_ABSENT' },
    { header: { key: 'x', value: 'a\r\nb' } },
    {},
  ], 'add', [':authority', 'Host', 'ok'], 'rm', errs);
  assert.deepEqual(errs.errors.map((e) => e.path), [
    'rm[0]', 'rm[1]',
    'add[0].header.key', 'add[1].header.key', 'add[2].header.value', 'add[3].header.value', 'add[4]', 'add[5].header.value', 'add[6].header',
  ]);
  assert.equal(errs.errors[4]!.code, CFG.INVALID_VALUE);
});

test('order across levels: route, then virtual host, then route table (later overwrite wins)', () => {
  const ow = (v: string) => [{ header: { key: 'x-level', value: v }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' as const }, { header: { key: 'x-trail', value: v } }];
  const routes = [{ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: ow('route'), response_headers_to_add: ow('route') }];
  const build = (most: boolean) => tableOf(routes, { request_headers_to_add: ow('vhost'), response_headers_to_add: ow('vhost') }, {
    request_headers_to_add: ow('global'), response_headers_to_add: ow('global'), most_specific_header_mutations_wins: most,
  });
  for (const [most, winner, trail] of [[false, 'global', ['route', 'vhost', 'global']], [true, 'route', ['global', 'vhost', 'route']]] as const) {
    const t = build(most);
    const m = t.route(req('/'), 0)!;
    const h = new HeaderMap();
    m.route.finalizeRequestHeaders(h, {});
    assert.equal(h.get('x-level'), winner);
    assert.deepEqual(h.getAll('x-trail'), trail);
    const rh = new HeaderMap();
    m.route.finalizeResponseHeaders(rh, {});
    assert.equal(rh.get('x-level'), winner);
  }
});

test('weighted cluster headers apply first (most specific) and only for the picked cluster', () => {
  const t = tableOf([{
    match: { prefix: '/' },
    route: { weighted_clusters: { clusters: [
      { name: 'a', weight: { value: 1 }, request_headers_to_add: [{ header: { key: 'x-c', value: 'a' } }], response_headers_to_remove: ['x-r'] },
      { name: 'b', weight: { value: 1 } },
    ] } },
    request_headers_to_add: [{ header: { key: 'x-c', value: 'route' } }],
  }]);
  const m = t.route(req('/'), 0)!;
  const pa = m.route.pickCluster(m.view, 0)!;
  const pb = m.route.pickCluster(m.view, 1)!;
  assert.deepEqual([pa.name, pb.name], ['a', 'b']);
  const ha = new HeaderMap();
  m.route.finalizeRequestHeaders(ha, {}, pa);
  assert.deepEqual(ha.getAll('x-c'), ['a', 'route']);
  const hb = new HeaderMap();
  m.route.finalizeRequestHeaders(hb, {}, pb);
  assert.deepEqual(hb.getAll('x-c'), ['route']);
  const ra = new HeaderMap([ 'x-r' ], [ '1' ]);
  m.route.finalizeResponseHeaders(ra, {}, pa);
  assert.equal(ra.has('x-r'), false);
});
