// Every error of a bootstrap in one run, each with its code and path; and
// typed_per_filter_config judged as Envoy judges it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { loadBootstrapText } from './bootstrap.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
const FAULT_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const FILTER_CONFIG_URL = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
const LUA_PER_ROUTE_URL = 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute';
const CLUSTER = { name: 'c', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] } };
const L = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';

function load(hcm: Record<string, unknown>, clusters: unknown[] = [CLUSTER]): ConfigErrors {
  const errs = new ConfigErrors();
  const b = {
    static_resources: {
      listeners: [{ name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, stat_prefix: 'in', ...hcm } }] }] }],
      clusters,
    },
  };
  const cfg = loadBootstrapText(JSON.stringify(b), errs);
  assert.equal(cfg === undefined, errs.hasErrors);
  return errs;
}

/** A route config with one route whose typed_per_filter_config is `tpfc`. */
function routes(tpfc: Record<string, unknown>, cluster = 'c'): Record<string, unknown> {
  return { route_config: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster }, typed_per_filter_config: tpfc }] }] } };
}

test('an unsupported extension does not hide the other errors of its listener: all of them, each with its code', () => {
  const errs = load({
    max_request_headers_kb: 99_999,
    ...routes({}, 'missing'),
    http_filters: [
      { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', default_source_code: { inline_string: 'x' } } },
      { name: 'gzip', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip' } },
      { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT_URL, abort: { http_status: 99, percentage: { numerator: 100 } } } },
      ROUTER,
    ],
    access_log: [{ name: 'grpc', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig' } }],
  }, [CLUSTER, { ...CLUSTER, name: 'c2', connect_timeout: '-1s' }]);
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_EXTENSION, `${L}.http_filters[0].typed_config`],
    [CFG.UNSUPPORTED_EXTENSION, `${L}.http_filters[1].typed_config`],
    [CFG.INVALID_VALUE, `${L}.http_filters[2].typed_config.abort.http_status`],
    [CFG.INVALID_VALUE, `${L}.max_request_headers_kb`],
    [CFG.UNSUPPORTED_EXTENSION, `${L}.access_log[0].typed_config`],
    [CFG.INVALID_VALUE, 'static_resources.clusters[1].connect_timeout'],
    [CFG.UNKNOWN_REFERENCE, `${L}.route_config`],
  ], errs.format());
});

test('a typo is WEFT_CFG_UNKNOWN_FIELD, a missing field WEFT_CFG_REQUIRED, a wrong JSON type WEFT_CFG_WRONG_TYPE', () => {
  const errs = load({ ...routes({}), http_filters: [ROUTER], stat_prefix: '', use_remote_adress: true, normalize_path: 'yes' });
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNKNOWN_FIELD, `${L}.use_remote_adress`],
    [CFG.WRONG_TYPE, `${L}.normalize_path`],
  ], errs.format());
  const required = load({ ...routes({}), http_filters: [ROUTER], stat_prefix: '' });
  assert.deepEqual(required.errors.map((e) => [e.code, e.path]), [[CFG.REQUIRED, `${L}.stat_prefix`]]);
});

test('typed_per_filter_config for a filter that is not in the chain is accepted and unused (Envoy validates it, nothing reads it)', () => {
  const errs = load({ ...routes({ 'envoy.filters.http.fault': { '@type': FAULT_URL, abort: { http_status: 503, percentage: { numerator: 100 } } } }), http_filters: [ROUTER] });
  assert.deepEqual(errs.errors, []);
  // Its content is still validated, as Envoy does when it loads the route.
  const bad = load({ ...routes({ 'envoy.filters.http.fault': { '@type': FAULT_URL, abort: { http_status: 99, percentage: { numerator: 100 } } } }), http_filters: [ROUTER] });
  assert.deepEqual(bad.errors.map((e) => e.code), [CFG.INVALID_VALUE]);
});

test('typed_per_filter_config of a type weft does not read per route is refused, unless wrapped in FilterConfig with is_optional', () => {
  const vr = `${L}.route_config.virtual_hosts[0].routes[0].typed_per_filter_config`;
  const errs = load({
    ...routes({
      'envoy.filters.http.lua': { '@type': LUA_PER_ROUTE_URL, disabled: true },
      'gzip': { '@type': 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip' },
      'wrapped.required': { '@type': FILTER_CONFIG_URL, config: { '@type': LUA_PER_ROUTE_URL } },
      'wrapped.optional': { '@type': FILTER_CONFIG_URL, is_optional: true, config: { '@type': LUA_PER_ROUTE_URL } },
      'wrapped.disabled': { '@type': FILTER_CONFIG_URL, disabled: true },
    }),
    http_filters: [ROUTER],
  });
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_EXTENSION, `${vr}["envoy.filters.http.lua"]`],
    [CFG.UNSUPPORTED_EXTENSION, `${vr}["gzip"]`],
    [CFG.UNSUPPORTED_EXTENSION, `${vr}["wrapped.required"].config`],
    [CFG.UNSUPPORTED_FIELD, `${vr}["wrapped.disabled"].disabled`],
    [CFG.REQUIRED, `${vr}["wrapped.disabled"].config`],
  ], errs.format());
  assert.match(errs.errors[0]!.message, /supported here: envoy\.filters\.http\.fault, envoy\.filters\.http\.local_ratelimit, envoy\.filters\.http\.compressor, envoy\.filters\.http\.cors/);
});

test('a FilterConfig-wrapped per-route config of a known filter is validated and used', () => {
  const ok = load({
    ...routes({ 'envoy.filters.http.fault': { '@type': FILTER_CONFIG_URL, is_optional: true, config: { '@type': FAULT_URL, abort: { http_status: 503, percentage: { numerator: 100 } } } } }),
    http_filters: [{ name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT_URL } }, ROUTER],
  });
  assert.deepEqual(ok.errors, []);
  const bad = load({
    ...routes({ f: { '@type': FILTER_CONFIG_URL, config: { '@type': FAULT_URL, abort: { http_status: 99, percentage: { numerator: 100 } } } } }),
    http_filters: [ROUTER],
  });
  assert.deepEqual(bad.errors.map((e) => [e.code, e.path]), [[CFG.INVALID_VALUE, `${L}.route_config.virtual_hosts[0].routes[0].typed_per_filter_config["f"].config.abort.http_status`]]);
});
