import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { BODY_BYTES, fixedBody, haproxyConf, proxyNginxConf, upstreamNginxConf, weftBootstrapYaml, benchJwt } from './peer-configs.js';
import { ConfigErrors } from '../../src/common/errors.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';

test('the fixed body has the advertised size and nothing nginx would interpret', () => {
  assert.equal(Buffer.byteLength(fixedBody()), BODY_BYTES);
  assert.doesNotMatch(fixedBody(), /[$"'\\{};]/);
  assert.ok(upstreamNginxConf('/tmp/x', 1, 2).includes(`return 200 "${fixedBody()}"`));
});

test('nginx proxy keeps upstream connections alive and logs nothing', () => {
  const c = proxyNginxConf('/tmp/x', 8000, 8001, 9000);
  for (const line of ['worker_processes 1;', 'keepalive 64;', 'proxy_http_version 1.1;', 'proxy_set_header Connection "";', 'access_log off;', 'server 127.0.0.1:9000;', 'listen 127.0.0.1:8001 http2']) {
    assert.ok(c.includes(line), line);
  }
});

test('HAProxy runs one thread with connection reuse', () => {
  const c = haproxyConf(8000, 8001, 9000);
  for (const line of ['nbthread 1', 'http-reuse always', 'mode http', 'bind 127.0.0.1:8001 proto h2', 'server s1 127.0.0.1:9000']) {
    assert.ok(c.includes(line), line);
  }
  assert.doesNotMatch(c, /^\s*log\s/m);
});

test('weft bootstrap is an Envoy v3 static config routing / to a STATIC cluster', () => {
  const b = parse(weftBootstrapYaml(8000, 8002, 9000, { resilience: false }));
  assert.equal(b.admin.address.socket_address.port_value, 8002);
  const l = b.static_resources.listeners[0];
  assert.equal(l.address.socket_address.port_value, 8000);
  const hcm = l.filter_chains[0].filters[0];
  assert.equal(hcm.name, 'envoy.filters.network.http_connection_manager');
  assert.equal(hcm.typed_config['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  const route = hcm.typed_config.route_config.virtual_hosts[0].routes[0];
  assert.deepEqual(route, { match: { prefix: '/' }, route: { cluster: 'upstream' } });
  assert.equal(hcm.typed_config.access_log, undefined);
  const c = b.static_resources.clusters[0];
  assert.equal(c.type, 'STATIC');
  assert.equal(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 9000);
  assert.equal(c.circuit_breakers, undefined);
});

test('the resilience variant adds retries, a circuit breaker and outlier detection', () => {
  const b = parse(weftBootstrapYaml(8000, 8002, 9000, { resilience: true }));
  const route = b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0];
  assert.deepEqual(route.route.retry_policy, { retry_on: '5xx,connect-failure', num_retries: 2 });
  const c = b.static_resources.clusters[0];
  assert.deepEqual(c.circuit_breakers, { thresholds: [{ priority: 'DEFAULT', max_requests: 1024 }] });
  assert.deepEqual(c.outlier_detection, { consecutive_5xx: 5 });
});

test('the istio-stats variant runs the telemetry filters around the router, with a sidecar node and the cluster\'s service metadata, and weft accepts it', () => {
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, istioStats: true });
  const b = parse(text);
  const hcm = b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ['istio.metadata_exchange', 'istio.stats', 'envoy.filters.http.router']);
  assert.equal(b.node.metadata.WORKLOAD_NAME, 'bench-client');
  assert.equal(b.static_resources.clusters[0].metadata.filter_metadata.istio.services[0].name, 'upstream');
  const errs = new ConfigErrors();
  assert.ok(loadBootstrapText(text, errs), errs.format());
});

test('the rbac variant puts envoy.filters.http.rbac with 10 ALLOW policies before the router, and weft accepts it', () => {
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, rbac: true });
  const hcm = parse(text).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ['envoy.filters.http.rbac', 'envoy.filters.http.router']);
  assert.equal(Object.keys(hcm.http_filters[0].typed_config.rules.policies).length, 10);
  const errs = new ConfigErrors();
  assert.ok(loadBootstrapText(text, errs), errs.format());
});

test('the tracing variant traces at 1% with Zipkin to its own cluster on an OUTBOUND listener, and weft accepts it', () => {
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, tracing: true });
  const b = parse(text);
  const l = b.static_resources.listeners[0];
  const hcm = l.filter_chains[0].filters[0].typed_config;
  assert.equal(l.traffic_direction, 'OUTBOUND');
  assert.deepEqual(hcm.tracing.random_sampling, { value: 1 });
  assert.equal(hcm.tracing.provider.name, 'envoy.tracers.zipkin');
  assert.deepEqual(b.static_resources.clusters.map((c: { name: string }) => c.name), ['upstream', 'zipkin']);
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(text, errs);
  assert.ok(cfg, errs.format());
  const t = cfg.listeners[0]!.filterChains[0]!.terminal;
  assert.equal(t.kind === 'http' && t.hcm.tracing?.randomSampling, 100);
});

test('the ext_authz variant checks every request with a gRPC authorizer on an h2 cluster of its own, and weft accepts it', () => {
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, extAuthzPort: 9100 });
  const b = parse(text);
  const hcm = b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ['envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
  assert.equal(hcm.http_filters[0].typed_config.grpc_service.envoy_grpc.cluster_name, 'ext_authz');
  const c = b.static_resources.clusters[1];
  assert.equal(c.name, 'ext_authz');
  assert.equal(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 9100);
  const errs = new ConfigErrors();
  assert.ok(loadBootstrapText(text, errs), errs.format());
});

test('the jwt variant requires a token of its one provider before the router, and weft accepts it with the generated JWKS', () => {
  const jwt = benchJwt(1_700_000_000);
  assert.equal(jwt.token.split('.').length, 3);
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, jwt });
  const hcm = parse(text).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ['envoy.filters.http.jwt_authn', 'envoy.filters.http.router']);
  assert.equal(hcm.http_filters[0].typed_config.providers.bench.local_jwks.inline_string, jwt.jwks);
  const errs = new ConfigErrors();
  assert.ok(loadBootstrapText(text, errs), errs.format());
});

test("the telemetry variant's access log is Istio's file logger with its default text format, and weft accepts it", () => {
  const text = weftBootstrapYaml(8000, 8002, 9000, { resilience: false, istioStats: true, tracing: true, accessLog: '/tmp/bench-access.log' });
  const hcm = parse(text).static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  assert.equal(hcm.access_log.length, 1);
  const log = hcm.access_log[0];
  assert.equal(log.name, 'envoy.access_loggers.file');
  assert.equal(log.typed_config.path, '/tmp/bench-access.log');
  assert.match(log.typed_config.log_format.text_format_source.inline_string, /^\[%START_TIME%\] "%REQ\(:METHOD\)% /);
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(text, errs);
  assert.ok(cfg, errs.format());
  const t = cfg.listeners[0]!.filterChains[0]!.terminal;
  assert.equal(t.kind === 'http' && t.hcm.accessLogs.length, 1);
});
