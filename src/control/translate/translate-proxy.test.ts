import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceEntry } from '../../api/networking.js';
import type {
  AnyMessage,
  envoy_config_cluster_v3_Cluster,
  envoy_config_endpoint_v3_ClusterLoadAssignment,
  envoy_config_listener_v3_Listener,
  envoy_config_route_v3_RouteConfiguration,
} from '../../xds/gen/types.js';
import { buildClusters, buildEndpoints, buildListeners, buildRoutes, translateProxy } from './translate-proxy.js';
import { ISTIO_TEXT_LOG_FORMAT } from './telemetry-access-log.js';
import {
  bookinfoPush, bookinfoService, destinationRule, endpoint, exampleScenario, gatewayProxy, grpcProxy, loadSample, REVIEWS_SUBSETS, SAMPLES_SKIP, sidecarProxy, virtualService,
} from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';

type Res = { listeners: envoy_config_listener_v3_Listener[]; routes: envoy_config_route_v3_RouteConfiguration[]; clusters: envoy_config_cluster_v3_Cluster[]; endpoints: envoy_config_endpoint_v3_ClusterLoadAssignment[] };
const res = (r: ReturnType<typeof translateProxy>) => r.resources as unknown as Res;
const hcmOf = (l: envoy_config_listener_v3_Listener) => l.filter_chains![0]!.filters!.at(-1)!.typed_config as AnyMessage & Record<string, any>;
const R = 'reviews.default.svc.cluster.local';

test('sidecar: default and subset clusters (EDS over ADS), BlackHoleCluster and the inbound cluster', () => {
  const r = res(translateProxy(sidecarProxy(), bookinfoPush([REVIEWS_SUBSETS])));
  assert.deepEqual(r.clusters.map((c) => c.name), [
    'BlackHoleCluster', 'inbound|9080||',
    'outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v2|reviews.default.svc.cluster.local', 'outbound|9080|v3|reviews.default.svc.cluster.local',
    'outbound|9080||details.default.svc.cluster.local', 'outbound|9080||productpage.default.svc.cluster.local',
    'outbound|9080||ratings.default.svc.cluster.local', 'outbound|9080||reviews.default.svc.cluster.local',
  ]);
  const v2 = r.clusters.find((c) => c.name === `outbound|9080|v2|${R}`)!;
  assert.equal(v2.type, 'EDS');
  assert.deepEqual(v2.eds_cluster_config, { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `outbound|9080|v2|${R}` });
  assert.deepEqual(v2.connect_timeout, { seconds: 10, nanos: 0 }, 'Istio\'s 10 s connect timeout');
  assert.equal(v2.lb_policy, 'LEAST_REQUEST');
  const inbound = r.clusters.find((c) => c.name === 'inbound|9080||')!;
  assert.deepEqual(inbound.load_assignment?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address, { socket_address: { address: '127.0.0.1', port_value: 9080 } });
});

test('endpoints: one assignment per EDS cluster, subsets filtered by labels, health and locality kept', () => {
  const { resources } = buildEndpoints(sidecarProxy(), bookinfoPush([REVIEWS_SUBSETS]));
  const byName = new Map(resources.map((la) => [la.cluster_name, la]));
  const addrs = (n: string) => (byName.get(n)?.endpoints ?? []).flatMap((l) => (l.lb_endpoints ?? []).map((e) => e.endpoint?.address?.socket_address?.address));
  assert.deepEqual(addrs(`outbound|9080||${R}`), ['10.0.0.3', '10.0.0.4', '10.0.0.5']);
  assert.deepEqual(addrs(`outbound|9080|v2|${R}`), ['10.0.0.4']);
  const all = byName.get(`outbound|9080||${R}`)!;
  assert.deepEqual(all.endpoints!.map((l) => [l.locality, l.load_balancing_weight]), [
    [{ region: 'us-east', zone: 'zone-a' }, { value: 2 }],
    [{ region: 'us-east', zone: 'zone-b' }, { value: 1 }],
  ]);
  const ratings = byName.get('outbound|9080||ratings.default.svc.cluster.local')!;
  assert.deepEqual(ratings.endpoints![0]!.lb_endpoints!.map((e) => e.health_status), ['UNHEALTHY', 'HEALTHY'], '10.0.0.16 (v2, unhealthy) sorts before 10.0.0.6');
  const clusters = buildClusters(sidecarProxy(), bookinfoPush([REVIEWS_SUBSETS])).resources.filter((c) => c.type === 'EDS').map((c) => c.name);
  assert.deepEqual(resources.map((la) => la.cluster_name), clusters, 'every EDS cluster has its assignment');
});

test('sidecar outbound listener per port, over RDS "<port>", with metadata exchange, fault, cors, stats then router; OUTBOUND_BIND_ADDRESS moves it', () => {
  const r = res(translateProxy(sidecarProxy({ metadata: { OUTBOUND_BIND_ADDRESS: '127.0.0.2' } }), bookinfoPush()));
  const l = r.listeners.find((x) => x.name === '127.0.0.2_9080')!;
  assert.deepEqual(l.address, { socket_address: { address: '127.0.0.2', port_value: 9080 } });
  const hcm = hcmOf(l);
  assert.equal(hcm.rds.route_config_name, '9080');
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ['istio.metadata_exchange', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'istio.stats', 'envoy.filters.http.router']);
  assert.deepEqual(r.routes.map((x) => x.name), ['9080']);
  const vi = r.listeners.find((x) => x.name === 'virtualInbound')!;
  assert.deepEqual(vi.address, { socket_address: { address: '0.0.0.0', port_value: 15006 } });
  assert.deepEqual(vi.filter_chains!.map((c) => c.filter_chain_match), [{ destination_port: { value: 9080 } }]);
});

test('local mode: one outbound HTTP proxy listener and inbound_<port> listeners from node metadata', () => {
  const proxy = sidecarProxy({ metadata: { WEFT_OUTBOUND_HTTP_PROXY_PORT: '15080', WEFT_INBOUND_PORTS: '{"9080":16001}', WEFT_APP_PORTS: { 9080: 19080 } } });
  const r = res(translateProxy(proxy, bookinfoPush([REVIEWS_SUBSETS])));
  assert.deepEqual(r.listeners.map((l) => [l.name, l.address?.socket_address]), [
    ['inbound_9080', { address: '127.0.0.1', port_value: 16001 }],
    ['weft_outbound_http', { address: '127.0.0.1', port_value: 15080 }],
  ], 'inbound listeners bind loopback unless WEFT_INBOUND_BIND_ADDRESS says otherwise');
  assert.equal(hcmOf(r.listeners[1]!).rds.route_config_name, 'weft_outbound_http');
  assert.deepEqual(r.routes.map((x) => x.name), ['weft_outbound_http']);
  const reviews = r.routes[0]!.virtual_hosts!.find((v) => v.name === `${R}:9080`)!;
  assert.deepEqual(reviews.domains, [`${R}:9080`, 'reviews.default.svc:9080', 'reviews.default:9080', 'reviews:9080']);
  const inbound = r.clusters.find((c) => c.name === 'inbound|9080||')!;
  assert.deepEqual(inbound.load_assignment?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address, { address: '127.0.0.1', port_value: 19080 });
  assert.equal(decodeWithProxy(r as never).errors.length, 0);
});

test('local mode: WEFT_INBOUND_BIND_ADDRESS moves the inbound listeners; a value that is not an IP is reported and loopback kept', () => {
  const meta = { WEFT_OUTBOUND_HTTP_PROXY_PORT: '15080', WEFT_INBOUND_PORTS: '{"9080":16001}' };
  const inboundAddr = (extra: Record<string, string>) => {
    const out = translateProxy(sidecarProxy({ metadata: { ...meta, ...extra } }), bookinfoPush());
    return { addr: res(out).listeners.find((l) => l.name === 'inbound_9080')?.address?.socket_address?.address, codes: out.messages.filter((m) => m.code === 'WEFT_TR_BAD_METADATA').map((m) => [m.code, m.path]) };
  };
  assert.deepEqual(inboundAddr({ WEFT_INBOUND_BIND_ADDRESS: '0.0.0.0' }), { addr: '0.0.0.0', codes: [] });
  assert.deepEqual(inboundAddr({ WEFT_INBOUND_BIND_ADDRESS: '::1' }), { addr: '::1', codes: [] });
  assert.deepEqual(inboundAddr({ WEFT_INBOUND_BIND_ADDRESS: 'everywhere' }), {
    addr: '127.0.0.1', codes: [['WEFT_TR_BAD_METADATA', 'metadata.WEFT_INBOUND_BIND_ADDRESS']],
  });
});

test('WEFT_ACCESS_LOG_FILE: a file access log (Istio\'s default text format, as Istio\'s accessLogFile) on every HCM and tcp_proxy; none when unset', () => {
  const tcp = { services: [{ ...bookinfoService('mongo', 27017), ports: [{ port: 27017, name: 'tcp', protocol: 'TCP' as const }] }] };
  const meta = { WEFT_OUTBOUND_HTTP_PROXY_PORT: '15080', WEFT_INBOUND_PORTS: '{"9080":16001}' };
  const logsOf = (extra: Record<string, string>, proxy = sidecarProxy({ metadata: { ...meta, ...extra } })) => {
    const r = res(translateProxy(proxy, bookinfoPush([], tcp)));
    return r.listeners.flatMap((l) => (l.filter_chains ?? []).flatMap((c) => (c.filters ?? []).filter((f) => f.name !== 'istio.stats').map((f) => [l.name, (f.typed_config as { access_log?: unknown }).access_log] as const)));
  };
  const want = [{ name: 'envoy.access_loggers.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } } } }];
  const on = logsOf({ WEFT_ACCESS_LOG_FILE: '/dev/stdout' });
  assert.deepEqual(on.map(([n]) => n), ['inbound_9080', 'weft_outbound_http']);
  for (const [name, log] of on) assert.deepEqual(log, want, name);
  const kube = logsOf({ WEFT_ACCESS_LOG_FILE: '/dev/stdout' }, sidecarProxy({ metadata: { WEFT_ACCESS_LOG_FILE: '/dev/stdout' } }));
  assert.ok(kube.some(([n]) => n === '0.0.0.0_27017'), 'the tcp_proxy listener is there');
  for (const [name, log] of kube) assert.deepEqual(log, want, name);
  for (const [name, log] of [...logsOf({}), ...logsOf({ WEFT_ACCESS_LOG_FILE: '' })]) assert.equal(log, undefined, name);
});

test('WEFT_ACCESS_LOG_FORMAT: the access logs carry it as log_format.text_format_source (Istio\'s accessLogFormat), and the proxy takes it', () => {
  const format = '[%START_TIME%] %RESPONSE_CODE% %DOWNSTREAM_PEER_URI_SAN% %UPSTREAM_PEER_URI_SAN%\n';
  const meta = { WEFT_OUTBOUND_HTTP_PROXY_PORT: '15080', WEFT_INBOUND_PORTS: '{"9080":16001}', WEFT_ACCESS_LOG_FILE: '/dev/stdout' };
  const r = res(translateProxy(sidecarProxy({ metadata: { ...meta, WEFT_ACCESS_LOG_FORMAT: format } }), bookinfoPush()));
  const logs = r.listeners.flatMap((l) => (l.filter_chains ?? []).flatMap((c) => (c.filters ?? []).map((f) => (f.typed_config as { access_log?: { typed_config: unknown }[] }).access_log)));
  assert.equal(logs.length, 2);
  for (const log of logs) {
    assert.deepEqual(log, [{ name: 'envoy.access_loggers.file', typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/stdout', log_format: { text_format_source: { inline_string: format } },
    } }]);
  }
  assert.equal(decodeWithProxy(r as never).errors.length, 0);
  const plain = res(translateProxy(sidecarProxy({ metadata: { ...meta, WEFT_ACCESS_LOG_FORMAT: '' } }), bookinfoPush()));
  const first = plain.listeners.flatMap((l) => (l.filter_chains ?? []).flatMap((c) => (c.filters ?? []).map((f) => (f.typed_config as { access_log?: { typed_config: Record<string, unknown> }[] }).access_log)))[0];
  assert.deepEqual(first?.[0]?.typed_config.log_format, { text_format_source: { inline_string: ISTIO_TEXT_LOG_FORMAT } }, 'empty: Istio\'s default text format');
});

test('malformed metadata is reported, not guessed', () => {
  const { messages } = translateProxy(sidecarProxy({ metadata: { WEFT_OUTBOUND_HTTP_PROXY_PORT: 'abc', WEFT_INBOUND_PORTS: '{nope' } }), bookinfoPush());
  assert.deepEqual(messages.filter((m) => m.code === 'WEFT_TR_BAD_METADATA').map((m) => m.path), ['metadata.WEFT_INBOUND_PORTS', 'metadata.WEFT_OUTBOUND_HTTP_PROXY_PORT']);
});

test('outbound traffic policy: REGISTRY_ONLY → block_all 502; ALLOW_ANY → allow_any 502 with the reason (no ORIGINAL_DST)', () => {
  const ro = res(translateProxy(sidecarProxy(), bookinfoPush([], { mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' } })));
  assert.deepEqual(ro.routes[0]!.virtual_hosts!.find((v) => v.name === 'block_all'), { name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] });
  const aa = translateProxy(sidecarProxy(), bookinfoPush());
  assert.ok(res(aa).routes[0]!.virtual_hosts!.some((v) => v.name === 'allow_any'));
  assert.ok(aa.messages.some((m) => m.code === 'WEFT_TR_PASSTHROUGH_UNSUPPORTED'));
});

test('the seed\'s circuit breaker DestinationRule → thresholds, max requests per connection and outlier detection', () => {
  const dr = destinationRule('circuit-breaker', {
    host: 'reviews',
    trafficPolicy: {
      connectionPool: { tcp: { maxConnections: 100 }, http: { http2MaxRequests: 1024, maxRequestsPerConnection: 10 } },
      outlierDetection: { consecutiveErrors: 7, interval: '5m', baseEjectionTime: '3m', maxEjectionPercent: 100 },
    },
  });
  const c = buildClusters(sidecarProxy(), bookinfoPush([dr])).resources.find((x) => x.name === `outbound|9080||${R}`)!;
  assert.deepEqual(c.circuit_breakers, { thresholds: [{ max_connections: { value: 100 }, max_pending_requests: { value: 4294967295 }, max_requests: { value: 1024 }, max_retries: { value: 4294967295 }, track_remaining: true }] });
  const opts = c.typed_extension_protocol_options!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Record<string, any>;
  assert.deepEqual(opts.common_http_protocol_options, { max_requests_per_connection: { value: 10 } });
  assert.deepEqual(c.outlier_detection?.interval, { seconds: 300, nanos: 0 });
  assert.deepEqual(c.outlier_detection?.base_ejection_time, { seconds: 180, nanos: 0 });
  assert.deepEqual(c.outlier_detection?.consecutive_gateway_failure, { value: 7 });
});

test('gRPC and HTTP2 ports get HTTP/2 upstreams; TCP ports a tcp_proxy listener, routed by VirtualService tcp routes', () => {
  const grpcSvc = { ...bookinfoService('grpc-echo', 7070, 'GRPC') };
  const db = { ...bookinfoService('mongo', 27017, 'MONGO') };
  const db2 = { ...bookinfoService('mongo2', 27017, 'MONGO') };
  const vs = virtualService('mongo', { hosts: ['mongo'], tcp: [{ route: [{ destination: { host: 'mongo' }, weight: 80 }, { destination: { host: 'mongo2' }, weight: 20 }] }] });
  const r = translateProxy(sidecarProxy(), bookinfoPush([vs], { services: [grpcSvc, db, db2] }));
  const c = res(r).clusters.find((x) => x.name === 'outbound|7070||grpc-echo.default.svc.cluster.local')!;
  assert.deepEqual((c.typed_extension_protocol_options!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as Record<string, unknown>).explicit_http_config, { http2_protocol_options: {} });
  const l = res(r).listeners.find((x) => x.name === '0.0.0.0_27017')!;
  assert.deepEqual(hcmOf(l), {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    stat_prefix: 'tcp_weighted',
    weighted_clusters: { clusters: [{ name: 'outbound|27017||mongo.default.svc.cluster.local', weight: 80 }, { name: 'outbound|27017||mongo2.default.svc.cluster.local', weight: 20 }] },
  });
  assert.ok(r.messages.some((m) => m.code === 'WEFT_TR_PORT_CONFLICT' && m.key === 'Service mongo2.default.svc.cluster.local'), 'the second TCP service on the port is reported');
  assert.deepEqual(decodeWithProxy(r.resources).errors, []);
});

test('DNS ServiceEntry (egress-rule-google-apis.yaml): STRICT_DNS, SNI chain for HTTPS, port-80 route to 443, TLS origination on 443', { skip: SAMPLES_SKIP }, () => {
  const objs = loadSample('egress-rule-google-apis.yaml');
  const r = translateProxy(sidecarProxy(), bookinfoPush(objs, { services: [] }));
  const c443 = res(r).clusters.find((x) => x.name === 'outbound|443||www.googleapis.com')!;
  // tls SIMPLE without caCertificates or sni: the system's roots verify the server; SNI and SAN check follow the request's host.
  assert.equal(c443.type, 'STRICT_DNS');
  const tls = c443.transport_socket!.typed_config as unknown as { common_tls_context: { validation_context: unknown }; sni?: string };
  assert.equal(c443.transport_socket!.name, 'envoy.transport_sockets.tls');
  assert.deepEqual(tls.common_tls_context.validation_context, { trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' } });
  assert.equal(tls.sni, undefined);
  const hpo = c443.typed_extension_protocol_options!['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'] as unknown as { upstream_http_protocol_options: unknown };
  assert.deepEqual(hpo.upstream_http_protocol_options, { auto_sni: true, auto_san_validation: true });
  assert.equal(res(r).clusters.find((x) => x.name === 'outbound|80||www.googleapis.com')!.transport_socket, undefined, 'port 80 stays plaintext (MESH_EXTERNAL: no auto mTLS)');
  assert.equal(res(r).clusters.find((x) => x.name === 'outbound|80||www.googleapis.com')!.lb_policy, undefined, 'ROUND_ROBIN from the DestinationRule');
  assert.equal(c443.lb_policy, 'LEAST_REQUEST', 'port-level settings replace the policy for 443 without inheriting (as Istio)');
  const https = res(r).listeners.find((x) => x.name === '0.0.0.0_443')!;
  assert.deepEqual(https.filter_chains!.map((fc) => fc.filter_chain_match), [{ server_names: ['www.googleapis.com'] }]);
  const rc80 = res(r).routes.find((x) => x.name === '80')!;
  const vh = rc80.virtual_hosts!.find((v) => v.name === 'www.googleapis.com:80')!;
  assert.equal(vh.routes![0]!.route?.cluster, 'outbound|443||www.googleapis.com');
  assert.deepEqual(r.messages.filter((m) => m.severity === 'warning'), [], 'TLS origination is honoured: nothing to warn about');
  assert.deepEqual(decodeWithProxy(r.resources).errors, []);
});

test('sidecars use the oldest VirtualService for a host; the later one is reported', () => {
  const a = virtualService('reviews-a', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] });
  const b = virtualService('reviews-b', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' } }] }] });
  const r = buildRoutes(sidecarProxy(), bookinfoPush([a, b, REVIEWS_SUBSETS]));
  const vh = r.resources[0]!.virtual_hosts!.find((v) => v.name === `${R}:9080`)!;
  assert.equal(vh.routes![0]!.route?.cluster, `outbound|9080|v1|${R}`);
  assert.deepEqual(r.messages.filter((m) => m.code !== 'WEFT_TR_PASSTHROUGH_UNSUPPORTED').map((m) => [m.code, m.key]), [['WEFT_TR_VIRTUAL_SERVICE_SHADOWED', 'VirtualService reviews-b.default']]);
});

test('gateway: listener per HTTP server port, RDS http.<port>, virtual hosts from bound VirtualServices', { skip: SAMPLES_SKIP }, () => {
  const r = translateProxy(gatewayProxy(), bookinfoPush(loadSample('bookinfo-gateway.yaml').map((o) => o.kind === 'Gateway' ? { ...o, metadata: { ...o.metadata, namespace: 'default' } } : o)));
  const rr = res(r);
  assert.deepEqual(rr.listeners.map((l) => l.name), ['0.0.0.0_8080']);
  const hcm = hcmOf(rr.listeners[0]!);
  assert.equal(hcm.rds.route_config_name, 'http.8080');
  assert.deepEqual(hcm.use_remote_address, { value: true });
  assert.deepEqual(rr.routes.map((x) => x.name), ['http.8080']);
  const vh = rr.routes[0]!.virtual_hosts!;
  assert.deepEqual(vh.map((v) => [v.name, v.domains]), [['*:8080', ['*']]]);
  assert.deepEqual(vh[0]!.routes!.map((x) => x.match), [
    { path: '/productpage', case_sensitive: { value: true } },
    { prefix: '/static', case_sensitive: { value: true } },
    { path: '/login', case_sensitive: { value: true } },
    { path: '/logout', case_sensitive: { value: true } },
    { prefix: '/api/v1/products', case_sensitive: { value: true } },
  ]);
  assert.ok(vh[0]!.routes!.every((x) => x.route?.cluster === 'outbound|9080||productpage.default.svc.cluster.local'));
  assert.ok(!rr.clusters.some((c) => c.name?.startsWith('inbound|')), 'gateways have no inbound clusters');
});

test('gateway: protocols weft does not serve are reported; no VirtualService → Istio\'s 404 blackhole host on HTTP and HTTPS', () => {
  const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' as const, metadata: { name: 'gw', namespace: 'istio-system' }, spec: {
    selector: { istio: 'ingressgateway' },
    servers: [
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE' as const, credentialName: 'cred' } },
      { port: { number: 27017, name: 'mongo', protocol: 'MONGO' }, hosts: ['*'] },
    ],
  } };
  const r = translateProxy(gatewayProxy(), bookinfoPush([gw]));
  const blackhole = (port: number) => [{ name: `blackhole:${port}`, domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }] }];
  assert.deepEqual(res(r).routes.map((x) => [x.name, x.virtual_hosts]), [['http.80', blackhole(80)], ['https.443.https.gw.istio-system', blackhole(443)]]);
  assert.deepEqual(res(r).listeners.map((l) => l.name), ['0.0.0.0_443', '0.0.0.0_80']);
  assert.deepEqual(r.messages.map((m) => [m.code, m.path]), [['WEFT_TR_GATEWAY_UNSUPPORTED', 'spec.servers[2].port.protocol']]);
});

test('proxyless gRPC: API listeners <host>:<port> with an RDS HCM; no STATIC clusters', () => {
  const r = res(translateProxy(grpcProxy(), bookinfoPush([REVIEWS_SUBSETS])));
  const l = r.listeners.find((x) => x.name === `${R}:9080`)!;
  const hcm = l.api_listener!.api_listener as Record<string, any>;
  assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  assert.equal(hcm.rds.route_config_name, `${R}:9080`);
  assert.equal(hcm.http_filters.at(-1).name, 'envoy.filters.http.router');
  assert.ok(r.routes.some((x) => x.name === `${R}:9080`));
  assert.ok(r.clusters.every((c) => c.type === 'EDS'));
  assert.ok(r.clusters.every((c) => c.lb_policy === undefined), 'ROUND_ROBIN for gRPC');
  const route = r.routes.find((x) => x.name === `${R}:9080`)!.virtual_hosts![0]!.routes![0]!;
  assert.deepEqual(route.route?.max_stream_duration, { max_stream_duration: { seconds: 0, nanos: 0 } });
});

test('translation is deterministic and per-type builders agree with translateProxy', () => {
  const objs = exampleScenario('02a-canary-90-10.yaml');
  const a = translateProxy(sidecarProxy(), bookinfoPush(objs));
  const b = translateProxy(sidecarProxy(), bookinfoPush(objs));
  assert.deepEqual(a, b);
  assert.deepEqual(buildListeners(sidecarProxy(), bookinfoPush(objs)).resources, a.resources.listeners);
  assert.deepEqual(buildRoutes(sidecarProxy(), bookinfoPush(objs)).resources, a.resources.routes);
  assert.deepEqual(buildClusters(sidecarProxy(), bookinfoPush(objs)).resources, a.resources.clusters);
  assert.deepEqual(buildEndpoints(sidecarProxy(), bookinfoPush(objs)).resources, a.resources.endpoints);
});

test('resolution NONE without endpoints and hostname endpoints under EDS are reported', () => {
  const se: ServiceEntry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'ext', namespace: 'default' }, spec: { hosts: ['ext.example.com'], ports: [{ number: 8000, name: 'http', protocol: 'HTTP' }], resolution: 'NONE' } };
  const st: ServiceEntry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'st', namespace: 'default' }, spec: { hosts: ['st.example.com'], ports: [{ number: 8001, name: 'http', protocol: 'HTTP' }], resolution: 'STATIC' } };
  const ep = endpoint('x', 'v1', 'db.example.com', { hostname: 'st.example.com', servicePort: 8001 });
  const r = translateProxy(sidecarProxy(), bookinfoPush([se, st], { endpoints: [ep] }));
  assert.ok(r.messages.some((m) => m.code === 'WEFT_TR_RESOLUTION_NONE' && m.key === 'Service ext.example.com'));
  assert.ok(r.messages.some((m) => m.code === 'WEFT_TR_ENDPOINT_SKIPPED' && m.key === 'Service st.example.com'));
});
