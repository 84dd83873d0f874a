// The registries: what each position accepts, and that an unsupported
// extension is refused in its position with that position's list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { hasMessageType } from '../../xds/schema.js';
import { typeNameFromUrl } from '../../xds/type-urls.js';
import { loadBootstrapText } from '../config/bootstrap.js';
import { ACCESS_LOGGERS } from './access-loggers.js';
import { HTTP_FILTERS } from './http-filters.js';
import { LISTENER_FILTERS } from './listener-filters.js';
import { NETWORK_FILTERS } from './network-filters.js';
import { UPSTREAM_NETWORK_FILTERS } from './upstream-network-filters.js';
import { ExtensionRegistry, type DeclaredStats } from './registration.js';
import { StatsStore } from '../../stats/stats-store.js';
import { FaultStats } from '../filters/fault/fault-stats.js';
import { faultRegistration } from '../filters/fault/registration.js';
import { HttpLocalRateLimitStats } from '../filters/local-ratelimit/http-stats.js';
import { httpLocalRateLimitRegistration } from '../filters/local-ratelimit/registration.js';
import { hcmRegistration } from '../hcm/registration.js';
import { HcmStats } from '../http/hcm-stats.js';
import { RbacStats } from '../filters/rbac/rbac-stats.js';
import { httpRbacRegistration, networkRbacRegistration } from '../filters/rbac/registration.js';
import { TRANSPORT_SOCKETS } from './transport-sockets.js';
import { TRACERS } from './tracers.js';

const ALL = [HTTP_FILTERS, NETWORK_FILTERS, UPSTREAM_NETWORK_FILTERS, LISTENER_FILTERS, ACCESS_LOGGERS, TRANSPORT_SOCKETS, TRACERS];
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function load(yaml: string): ConfigErrors {
  const errs = new ConfigErrors();
  loadBootstrapText(yaml, errs);
  return errs;
}

/** A bootstrap with one listener; the parts under test are spliced in as JSON. */
function bootstrap(o: { listenerFilters?: unknown[]; transportSocket?: unknown; filters?: unknown[]; httpFilters?: unknown[]; clusterTransportSocket?: unknown }): string {
  const hcm = { '@type': HCM, stat_prefix: 'in', route_config: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] }, http_filters: o.httpFilters ?? [{ name: 'r', typed_config: { '@type': ROUTER } }] };
  return JSON.stringify({
    static_resources: {
      listeners: [{
        name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        ...(o.listenerFilters ? { listener_filters: o.listenerFilters } : {}),
        filter_chains: [{ ...(o.transportSocket ? { transport_socket: o.transportSocket } : {}), filters: o.filters ?? [{ name: 'hcm', typed_config: hcm }] }],
      }],
      clusters: [{ name: 'c', type: 'STATIC', connect_timeout: '1s', ...(o.clusterTransportSocket ? { transport_socket: o.clusterTransportSocket } : {}), load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] } }],
    },
  });
}

test('every registered type URL is one the codec can decode, and names and URLs are unique per position', () => {
  for (const r of ALL) {
    for (const url of r.typeUrls()) {
      if (r.forTypeUrl(url)?.typedStructOnly) continue; // Istio's own types, configured through a TypedStruct
      assert.ok(hasMessageType(typeNameFromUrl(url)), `${r.what}: ${url} is not in the generated descriptor`);
    }
    assert.equal(new Set(r.registrations.map((x) => x.name)).size, r.registrations.length);
  }
  assert.throws(() => new ExtensionRegistry('thing', [HTTP_FILTERS.registrations[0]!, HTTP_FILTERS.registrations[0]!]), /registered twice/);
});

test('the canonical names each position supports', () => {
  assert.deepEqual(HTTP_FILTERS.registrations.map((r) => r.name), ['envoy.filters.http.router', 'envoy.filters.http.fault', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.compressor', 'envoy.filters.http.cors', 'envoy.filters.http.csrf', 'envoy.filters.http.health_check', 'envoy.filters.http.buffer', 'envoy.filters.http.header_to_metadata', 'istio.metadata_exchange', 'envoy.filters.http.istio_stats', 'envoy.filters.http.rbac', 'envoy.filters.http.ext_authz']);
  assert.deepEqual(NETWORK_FILTERS.registrations.map((r) => r.name), ['envoy.filters.network.http_connection_manager', 'envoy.filters.network.tcp_proxy', 'envoy.filters.network.local_ratelimit', 'envoy.filters.network.direct_response', 'envoy.filters.network.istio_stats', 'envoy.filters.network.rbac', 'envoy.filters.network.metadata_exchange']);
  assert.deepEqual(UPSTREAM_NETWORK_FILTERS.registrations.map((r) => r.name), ['envoy.filters.network.upstream.metadata_exchange']);
  assert.deepEqual(LISTENER_FILTERS.registrations.map((r) => r.name), ['envoy.filters.listener.tls_inspector', 'envoy.filters.listener.http_inspector', 'envoy.filters.listener.original_dst']);
  assert.deepEqual(ACCESS_LOGGERS.registrations.map((r) => r.name), ['envoy.access_loggers.file', 'envoy.access_loggers.stdout', 'envoy.access_loggers.stderr']);
  assert.deepEqual(TRANSPORT_SOCKETS.registrations.map((r) => r.name), ['envoy.transport_sockets.raw_buffer', 'envoy.transport_sockets.tls']);
  assert.deepEqual(TRACERS.registrations.map((r) => r.name), ['envoy.tracers.zipkin', 'envoy.tracers.opentelemetry']);
});

test('a type the codec knows but that is no HTTP filter (gzip) is refused with the HTTP filters weft runs, not the codec\'s types', () => {
  const errs = load(bootstrap({ httpFilters: [
    { name: 'gzip', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip' } },
    { name: 'r', typed_config: { '@type': ROUTER } },
  ] }));
  const p = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config';
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_EXTENSION, p]]);
  assert.ok(errs.errors[0]!.message.endsWith(`(supported here: ${HTTP_FILTERS.supportedList()})`), errs.errors[0]!.message);
});

test('an HTTP filter the codec does not know (lua) is refused the same way, in its position', () => {
  const errs = load(bootstrap({ httpFilters: [
    { name: 'envoy.filters.http.lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', default_source_code: { inline_string: 'x' } } },
    { name: 'r', typed_config: { '@type': ROUTER } },
  ] }));
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_EXTENSION, 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config']]);
  assert.ok(errs.errors[0]!.message.includes(`supported here: ${HTTP_FILTERS.supportedList()}`));
});

test('is_optional: an HTTP filter weft does not know is skipped, as Envoy does', () => {
  const errs = load(bootstrap({ httpFilters: [
    { name: 'envoy.filters.http.lua', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } },
    { name: 'gzip', is_optional: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip' } },
    { name: 'r', typed_config: { '@type': ROUTER } },
  ] }));
  assert.deepEqual(errs.errors, []);
});

test('network filters, listener filters and transport sockets each list their own position', () => {
  const errs = load(bootstrap({
    // proxy_protocol: a listener filter weft does not run (the codec does not know its type either)
    listenerFilters: [{ name: 'pp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol' } }],
    transportSocket: { name: 'alts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.alts.v3.Alts' } },
    filters: [{ name: 'redis', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy', stat_prefix: 'r' } }],
  }));
  const l = 'static_resources.listeners[0]';
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_EXTENSION, `${l}.listener_filters[0].typed_config`],
    [CFG.UNSUPPORTED_EXTENSION, `${l}.filter_chains[0].transport_socket.typed_config`],
    [CFG.UNSUPPORTED_EXTENSION, `${l}.filter_chains[0].filters[0].typed_config`],
  ]);
  assert.ok(errs.errors[0]!.message.includes(`supported here: ${LISTENER_FILTERS.supportedList()}`));
  assert.ok(errs.errors[1]!.message.includes(`supported here: ${TRANSPORT_SOCKETS.supportedList()}`));
  assert.ok(errs.errors[2]!.message.includes(`supported here: ${NETWORK_FILTERS.supportedList()}`));
  // and only their own: no position's message lists another position's extensions
  assert.ok(LISTENER_FILTERS.supportedList().includes('envoy.filters.listener.original_dst'));
  assert.ok(!errs.errors[0]!.message.includes('envoy.filters.network.') && !errs.errors[0]!.message.includes('envoy.transport_sockets.'));
  assert.ok(!errs.errors[1]!.message.includes('envoy.filters.'));
  assert.ok(!errs.errors[2]!.message.includes('envoy.filters.listener.') && !errs.errors[2]!.message.includes('envoy.transport_sockets.'));
});

test('raw_buffer is accepted as a filter chain and a cluster transport socket; its fields are refused by name', () => {
  const raw = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };
  assert.deepEqual(load(bootstrap({ transportSocket: raw, clusterTransportSocket: raw })).errors, []);
  const inspectors = load(bootstrap({ listenerFilters: [{ name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector', enable_ja3_fingerprinting: true } }] }));
  assert.deepEqual(inspectors.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_FIELD, 'static_resources.listeners[0].listener_filters[0].typed_config.enable_ja3_fingerprinting']]);
});

test('declared stats are the ones the extension\'s stats class creates', () => {
  const names = (list: { name: string }[]) => list.map((s) => s.name).sort();
  const declared = (d: DeclaredStats | undefined, kind: 'counters' | 'gauges' | 'histograms') =>
    (d?.[kind] ?? []).filter((n) => !n.includes('<')).map((n) => d!.prefix.replace('<stat_prefix>', 'p') + n).sort();
  const cases: [string, DeclaredStats | undefined, (store: StatsStore) => void][] = [
    ['fault', faultRegistration.stats, (s) => new FaultStats(s, 'p')],
    ['http local_ratelimit', httpLocalRateLimitRegistration.stats, (s) => new HttpLocalRateLimitStats(s, 'p')],
    ['http_connection_manager', hcmRegistration.stats, (s) => new HcmStats(s, 'p')],
    ['http rbac', httpRbacRegistration.stats, (s) => new RbacStats(s, 'http.p.', '', '')],
    ['network rbac', networkRbacRegistration.stats, (s) => new RbacStats(s, 'p.', '', '')],
  ];
  for (const [what, d, create] of cases) {
    const store = new StatsStore();
    create(store);
    assert.deepEqual(names(store.counters()), declared(d, 'counters'), `${what} counters`);
    assert.deepEqual(names(store.gauges()), declared(d, 'gauges'), `${what} gauges`);
    assert.deepEqual(names(store.histograms()), declared(d, 'histograms'), `${what} histograms`);
  }
});

test('a v2 type whose v3 successor the position runs is refused with the v3 type suggested', () => {
  const errs = load(bootstrap({ httpFilters: [{ name: 'envoy.router', typed_config: { '@type': 'type.googleapis.com/envoy.config.filter.http.router.v2.Router' } }] }));
  // The last filter is not the router either (CONFLICT), then the type itself.
  assert.deepEqual(errs.errors.map((e) => e.code), [CFG.CONFLICT, CFG.UNSUPPORTED_EXTENSION]);
  assert.match(errs.errors[1]!.message, /; did you mean "type\.googleapis\.com\/envoy\.extensions\.filters\.http\.router\.v3\.Router"\?$/);
});

test('a disabled HTTP filter is validated like any other (Envoy creates its config too), then left out', () => {
  const errs = load(bootstrap({ httpFilters: [
    { name: 'envoy.filters.http.lua', disabled: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua' } },
    { name: 'f', disabled: true, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', abort: { http_status: 99, percentage: { numerator: 100 } } } },
    { name: 'r', typed_config: { '@type': ROUTER } },
  ] }));
  const h = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters';
  assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [
    [CFG.UNSUPPORTED_EXTENSION, `${h}[0].typed_config`],
    [CFG.INVALID_VALUE, `${h}[1].typed_config.abort.http_status`],
  ]);
  assert.ok(errs.errors[0]!.message.includes(`supported here: ${HTTP_FILTERS.supportedList()}`));
});
