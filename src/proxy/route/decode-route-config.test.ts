import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CFG } from '../../common/errors.js';
import { errorCodes } from './route-test-support.js';

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config';

test('every error is reported at once, each with its full field path', () => {
  const errors = errorCodes({
    name: 'rc',
    virtual_hosts: [
      { name: 'a', domains: ['a.com'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] },
      {
        name: 'b',
        domains: ['b.com', 'a.com'],
        routes: [
          { match: { safe_regex: { regex: '(?!x)y' } }, route: { cluster: 'c' } },
          { match: { prefix: '/' }, route: { cluster: 'c', timeout: { seconds: -1 }, priority: 'HIGH' } },
          { match: { prefix: '/' } },
          { match: { prefix: '/' }, redirect: { https_redirect: true, scheme_redirect: 'http' } },
        ],
      },
    ],
  }, HCM);
  const vh1 = `${HCM}.virtual_hosts[1]`;
  assert.deepEqual(errors, [
    [CFG.DUPLICATE, `${vh1}.domains[1]`],
    [CFG.INVALID_VALUE, `${vh1}.routes[0].match.safe_regex.regex`],
    [CFG.INVALID_VALUE, `${vh1}.routes[1].route.timeout`],
    [CFG.UNSUPPORTED_VALUE, `${vh1}.routes[1].route.priority`],
    [CFG.REQUIRED, `${vh1}.routes[2]`],
    [CFG.CONFLICT, `${vh1}.routes[3].redirect`],
  ]);
});

test('unsupported fields are refused by path at every level', () => {
  const errors = errorCodes({
    vhds: {},
    virtual_hosts: [{
      name: 'v', domains: ['*'], rate_limits: [{}], cors: {}, virtual_clusters: [{}],
      routes: [{
        match: { prefix: '/', tls_context: {}, dynamic_metadata: [] },
        route: {
          cluster: 'c', rate_limits: [], internal_redirect_policy: {}, cors: {}, metadata_match: {},
          weighted_clusters: undefined,
          hash_policy: [{ cookie: { name: 'n', ttl: { seconds: 1 } } }, { filter_state: { key: 'k' } }],
          upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }],
        },
        tracing: {},
      }, {
        match: { prefix: '/w' },
        route: { weighted_clusters: { runtime_key_prefix: 'rt', clusters: [{ name: 'a', weight: { value: 1 }, metadata_match: {} }] } },
      }, {
        match: { prefix: '/r', safe_regex: undefined },
        redirect: { regex_rewrite: { pattern: { regex: 'a', google_re2: { max_program_size: { value: 10 } } }, substitution: '' } },
      }],
    }],
  });
  assert.ok(errors.every(([code]) => code === CFG.UNSUPPORTED_FIELD), JSON.stringify(errors));
  const paths = errors.map(([, p]) => p);
  assert.deepEqual(paths, [
    'rc.vhds',
    'rc.virtual_hosts[0].rate_limits',
    'rc.virtual_hosts[0].cors',
    'rc.virtual_hosts[0].virtual_clusters',
    'rc.virtual_hosts[0].routes[0].tracing',
    'rc.virtual_hosts[0].routes[0].match.tls_context',
    'rc.virtual_hosts[0].routes[0].match.dynamic_metadata',
    'rc.virtual_hosts[0].routes[0].route.rate_limits',
    'rc.virtual_hosts[0].routes[0].route.internal_redirect_policy',
    'rc.virtual_hosts[0].routes[0].route.cors',
    'rc.virtual_hosts[0].routes[0].route.metadata_match',
    'rc.virtual_hosts[0].routes[0].route.upgrade_configs[0].connect_config',
    'rc.virtual_hosts[0].routes[0].route.hash_policy[0].cookie.ttl',
    'rc.virtual_hosts[0].routes[0].route.hash_policy[1].filter_state',
    'rc.virtual_hosts[0].routes[1].route.weighted_clusters.runtime_key_prefix',
    'rc.virtual_hosts[0].routes[1].route.weighted_clusters.clusters[0].metadata_match',
    'rc.virtual_hosts[0].routes[2].redirect.regex_rewrite.pattern.google_re2.max_program_size',
  ]);
});

test('semantic errors in actions', () => {
  const errors = errorCodes({
    max_direct_response_body_size_bytes: { value: 4 },
    virtual_hosts: [{
      name: 'v', domains: ['*'],
      routes: [
        { match: { prefix: '/' }, route: { weighted_clusters: { total_weight: { value: 5 }, clusters: [{ name: 'a', weight: { value: 1 } }, { weight: { value: 1 } }] } } },
        { match: { prefix: '/' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: { value: 0 } }] } } },
        { match: { prefix: '/' }, route: { cluster: 'c', cluster_header: 'x' } },
        { match: { prefix: '/' }, route: { cluster: 'c', prefix_rewrite: '/', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } } },
        { match: { prefix: '/' }, route: { cluster: 'c', host_rewrite_literal: 'a', auto_host_rewrite: { value: true } } },
        { match: { prefix: '/' }, route: { cluster: 'c', upgrade_configs: [{ upgrade_type: 'websocket' }, { upgrade_type: 'WebSocket' }] } },
        { match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'too long' } } },
        { match: { prefix: '/' }, direct_response: { status: 99 } },
        { match: { prefix: '/' }, direct_response: { status: 200, body: { filename: '/nonexistent/weft/body' } } },
        { match: { prefix: '/' }, redirect: { path_redirect: '/a', prefix_rewrite: '/b' } },
        { match: { prefix: '/' }, redirect: { port_redirect: 70000 } },
        { match: { prefix: '/' }, route: { cluster: '' } },
        { match: { prefix: '/' }, route: { cluster: 'c' }, decorator: {} },
      ],
    }],
  });
  const r = (i: number, rest: string) => `rc.virtual_hosts[0].routes[${i}]${rest}`;
  const { REQUIRED, INVALID_VALUE, CONFLICT, DUPLICATE } = CFG;
  assert.deepEqual(errors, [
    [REQUIRED, r(0, '.route.weighted_clusters.clusters[1]')],
    [INVALID_VALUE, r(0, '.route.weighted_clusters.total_weight')],
    [INVALID_VALUE, r(1, '.route.weighted_clusters.clusters')],
    [CONFLICT, r(2, '.route')],
    [CONFLICT, r(3, '.route')],
    [CONFLICT, r(4, '.route')],
    [DUPLICATE, r(5, '.route.upgrade_configs[1].upgrade_type')],
    [INVALID_VALUE, r(6, '.direct_response.body')],
    [INVALID_VALUE, r(7, '.direct_response.status')],
    [INVALID_VALUE, r(8, '.direct_response.body.filename')],
    [CONFLICT, r(9, '.redirect')],
    [INVALID_VALUE, r(10, '.redirect.port_redirect')],
    [INVALID_VALUE, r(11, '.route.cluster')],
    [REQUIRED, r(12, '.decorator.operation')],
  ]);
});

test('virtual host errors', () => {
  const { REQUIRED, INVALID_VALUE, DUPLICATE } = CFG;
  assert.deepEqual(errorCodes({
    virtual_hosts: [
      { domains: ['a'], routes: [] },
      { name: 'x', domains: [], routes: [] },
      { name: 'y', domains: ['*', 'b*c', '*'], routes: [], request_headers_to_remove: [':path'], response_headers_to_add: [{ header: { key: 'host', value: 'h' } }] },
    ],
    internal_only_headers: [':authority'],
  }), [
    [REQUIRED, 'rc.virtual_hosts[0].name'],
    [REQUIRED, 'rc.virtual_hosts[1].domains'],
    [INVALID_VALUE, 'rc.virtual_hosts[2].request_headers_to_remove[0]'],
    [INVALID_VALUE, 'rc.virtual_hosts[2].response_headers_to_add[0].header.key'],
    [INVALID_VALUE, 'rc.virtual_hosts[2].domains[1]'],
    [DUPLICATE, 'rc.virtual_hosts[2].domains[2]'],
    [INVALID_VALUE, 'rc.internal_only_headers[0]'],
  ]);
});

test('a valid configuration reports nothing', () => {
  assert.deepEqual(errorCodes({
    name: 'ok', validate_clusters: { value: true }, most_specific_header_mutations_wins: true, ignore_port_in_host_matching: true,
    virtual_hosts: [{ name: 'v', domains: ['*'], require_tls: 'NONE', routes: [
      { name: 'r', match: { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'y' } }], query_parameters: [{ name: 'q', present_match: true }], grpc: {} }, route: { cluster: 'c', hash_policy: [{ header: { header_name: 'x' }, terminal: true }] } },
    ] }],
  }), []);
});
