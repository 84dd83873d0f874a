// Gateway servers[].tls, translated: Istio's "Secure Gateways" and "Ingress
// Gateway without TLS termination" examples (written here, so they run on
// every clone) as a golden file, and each mode's DownstreamTlsContext, SNI
// filter chains, RDS names and refusals asserted field by field. Everything
// must be canonical proto (binary round trip) and, once the proxy has its
// TLS transport socket, accepted by weft's proxy decoders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Gateway, NetworkingObject } from '../../api/networking.js';
import { ConfigErrors } from '../../common/errors.js';
import { TRANSPORT_SOCKETS } from '../../proxy/extensions/transport-sockets.js';
import { decodeRouteConfiguration } from '../../proxy/route/decode-route-config.js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import type { envoy_config_listener_v3_Listener, envoy_config_route_v3_RouteConfiguration } from '../../xds/gen/types.js';
import { bookinfoPush, bookinfoService, gatewayProxy, golden, virtualService } from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';
import { routeThrough } from './test-simulation.js';
import { translateProxy } from './translate-proxy.js';

const PROXY_TLS_SKIP: string | false = TRANSPORT_SOCKETS.forName('envoy.transport_sockets.tls')
  ? false
  : 'weft\'s proxy has no envoy.transport_sockets.tls on this branch yet (the TLS core is another part of issue 10); the proxy-decode check runs once it is merged';

const SERVICES = { services: [bookinfoService('httpbin', 8000), bookinfoService('helloworld', 5000), bookinfoService('my-nginx', 443, 'HTTPS')] };

function gateway(name: string, servers: Gateway['spec']['servers'], namespace = 'istio-system'): Gateway {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name, namespace }, spec: { selector: { istio: 'ingressgateway' }, servers } };
}

// istio.io "Secure Gateways": SIMPLE for two hosts with their own credentials, MUTUAL, files, plus an HTTP
// server redirecting to HTTPS; "Ingress Gateway without TLS termination": PASSTHROUGH to nginx by SNI.
const secureGateways = (): NetworkingObject[] => [
  gateway('mygateway', [
    { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'], tls: { httpsRedirect: true } },
    { port: { number: 443, name: 'https-httpbin', protocol: 'HTTPS' }, hosts: ['httpbin.example.com'], tls: { mode: 'SIMPLE', credentialName: 'httpbin-credential' } },
    { port: { number: 443, name: 'https-helloworld', protocol: 'HTTPS' }, hosts: ['helloworld.example.com'], tls: { mode: 'MUTUAL', credentialName: 'helloworld-credential', subjectAltNames: ['client.example.com'] } },
    { port: { number: 8443, name: 'https-files', protocol: 'HTTPS' }, hosts: ['files.example.com'], tls: {
      mode: 'SIMPLE', serverCertificate: '/etc/istio/ingressgateway-certs/tls.crt', privateKey: '/etc/istio/ingressgateway-certs/tls.key',
      minProtocolVersion: 'TLSV1_2', maxProtocolVersion: 'TLSV1_3', cipherSuites: ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    } },
    { port: { number: 9443, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['nginx.example.com'], tls: { mode: 'PASSTHROUGH' } },
    { port: { number: 15443, name: 'https-mesh', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'ISTIO_MUTUAL' } },
  ]),
  virtualService('httpbin', { hosts: ['httpbin.example.com'], gateways: ['istio-system/mygateway'], http: [{ match: [{ uri: { prefix: '/status' } }, { uri: { prefix: '/delay' } }], route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }] }),
  virtualService('helloworld', { hosts: ['helloworld.example.com'], gateways: ['istio-system/mygateway'], http: [{ match: [{ uri: { exact: '/hello' } }], route: [{ destination: { host: 'helloworld', port: { number: 5000 } } }] }] }),
  virtualService('files', { hosts: ['files.example.com'], gateways: ['istio-system/mygateway'], http: [{ route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }] }),
  virtualService('nginx', { hosts: ['nginx.example.com'], gateways: ['istio-system/mygateway'], tls: [{ match: [{ port: 9443, sniHosts: ['nginx.example.com'] }], route: [{ destination: { host: 'my-nginx', port: { number: 443 } } }] }] }),
  virtualService('mesh-in', { hosts: ['*'], gateways: ['istio-system/mygateway'], http: [{ match: [{ port: 15443 }], route: [{ destination: { host: 'productpage', port: { number: 9080 } } }] }] }),
];

const translate = (objs: NetworkingObject[]) => translateProxy(gatewayProxy(), bookinfoPush(objs, SERVICES));
const listeners = (r: ReturnType<typeof translate>) => r.resources.listeners as envoy_config_listener_v3_Listener[];
const routes = (r: ReturnType<typeof translate>) => r.resources.routes as envoy_config_route_v3_RouteConfiguration[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const tlsOf = (chain: { transport_socket?: { typed_config?: unknown } }): any => chain.transport_socket?.typed_config;

test('golden: Istio\'s Secure Gateways examples (SIMPLE, MUTUAL, files with TLS params, PASSTHROUGH, ISTIO_MUTUAL, httpsRedirect)', () => {
  const out = translate(secureGateways());
  const g = golden('gateway-secure-gateways.json', { listeners: out.resources.listeners, routes: out.resources.routes, messages: out.messages });
  assert.ok(g.expected !== undefined, 'missing golden file testdata/gateway-secure-gateways.json (run with WEFT_UPDATE_GOLDEN=1)');
  assert.equal(g.actual, g.expected, 'testdata/gateway-secure-gateways.json differs (run with WEFT_UPDATE_GOLDEN=1 if the change is intended)');
});

test('every gateway TLS resource is canonical proto (binary round trip is exact)', () => {
  const out = translate(secureGateways());
  for (const l of listeners(out)) assert.deepEqual(decodeBinary('envoy.config.listener.v3.Listener', encodeBinary('envoy.config.listener.v3.Listener', l)), l, l.name);
  for (const r of routes(out)) assert.deepEqual(decodeBinary('envoy.config.route.v3.RouteConfiguration', encodeBinary('envoy.config.route.v3.RouteConfiguration', r)), r, r.name);
});

test('weft\'s proxy accepts every gateway TLS listener and route', { skip: PROXY_TLS_SKIP }, () => {
  const d = decodeWithProxy(translate(secureGateways()).resources);
  // The files-based server names Istio's mount paths (/etc/istio/ingressgateway-certs/…), absent on
  // this machine; the proxy reads certificate files at decode, so only those two reads may fail.
  const missingMounts = d.errors.filter((e) => /cannot read "\/etc\/istio\/ingressgateway-certs\/tls\.(crt|key)": ENOENT/.test(e));
  assert.equal(missingMounts.length, 2);
  assert.deepEqual(d.errors.filter((e) => !missingMounts.includes(e)), []);
  const l = d.listeners.get('0.0.0.0_443')!;
  assert.equal(l.filterChains.length, 2);
});

test('SIMPLE with credentialName: one SNI filter chain per server, the certificate from SDS over ADS, no client certificate; the tls_inspector reads SNI', () => {
  const out = translate(secureGateways());
  const l = listeners(out).find((x) => x.name === '0.0.0.0_443')!;
  assert.deepEqual(l.listener_filters?.map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
  assert.deepEqual(l.filter_chains!.map((c) => c.filter_chain_match?.server_names), [['httpbin.example.com'], ['helloworld.example.com']]);
  const simple = l.filter_chains![0]!;
  assert.equal(simple.transport_socket?.name, 'envoy.transport_sockets.tls');
  const ctx = tlsOf(simple);
  assert.equal(ctx['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
  assert.deepEqual(ctx.require_client_certificate, { value: false });
  assert.deepEqual(ctx.common_tls_context.alpn_protocols, ['h2', 'http/1.1']);
  assert.deepEqual(ctx.common_tls_context.tls_certificate_sds_secret_configs, [{ name: 'kubernetes://httpbin-credential', sds_config: { ads: {}, resource_api_version: 'V3' } }]);
  assert.equal(ctx.common_tls_context.validation_context, undefined);
  const hcm = simple.filters![0]!.typed_config as unknown as { rds: { route_config_name: string } };
  assert.equal(hcm.rds.route_config_name, 'https.443.https-httpbin.mygateway.istio-system');
});

test('MUTUAL with credentialName: client certificate required, CA from `<name>-cacert` over ADS merged with the subjectAltNames', () => {
  const ctx = tlsOf(listeners(translate(secureGateways())).find((x) => x.name === '0.0.0.0_443')!.filter_chains![1]!);
  assert.deepEqual(ctx.require_client_certificate, { value: true });
  assert.deepEqual(ctx.common_tls_context.tls_certificate_sds_secret_configs[0].name, 'kubernetes://helloworld-credential');
  assert.deepEqual(ctx.common_tls_context.combined_validation_context, {
    default_validation_context: { match_subject_alt_names: [{ exact: 'client.example.com' }] },
    validation_context_sds_secret_config: { name: 'kubernetes://helloworld-credential-cacert', sds_config: { ads: {}, resource_api_version: 'V3' } },
  });
});

test('SIMPLE with files: filename DataSources; min/max version and ciphers in tls_params, unknown and repeated ciphers left out', () => {
  const ctx = tlsOf(listeners(translate(secureGateways())).find((x) => x.name === '0.0.0.0_8443')!.filter_chains![0]!);
  assert.deepEqual(ctx.common_tls_context.tls_certificates, [{
    certificate_chain: { filename: '/etc/istio/ingressgateway-certs/tls.crt' }, private_key: { filename: '/etc/istio/ingressgateway-certs/tls.key' },
  }]);
  assert.deepEqual(ctx.common_tls_context.tls_params, { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3', cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384'] });
});

test('ISTIO_MUTUAL: the gateway\'s own workload certificate and the mesh roots from the node agent; `*` hosts match any SNI', () => {
  const chain = listeners(translate(secureGateways())).find((x) => x.name === '0.0.0.0_15443')!.filter_chains![0]!;
  assert.equal(chain.filter_chain_match, undefined, 'hosts ["*"]: no server_names');
  const ctx = tlsOf(chain);
  assert.deepEqual(ctx.require_client_certificate, { value: true });
  assert.deepEqual(ctx.common_tls_context.tls_certificate_sds_secret_configs.map((s: { name: string }) => s.name), ['default']);
  assert.equal(ctx.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.api_config_source.grpc_services[0].envoy_grpc.cluster_name, 'sds-grpc');
  assert.equal(ctx.common_tls_context.combined_validation_context.validation_context_sds_secret_config.name, 'ROOTCA');
  assert.equal(ctx.common_tls_context.tls_params, undefined, 'Istio applies server TLS params to SIMPLE/MUTUAL only');
});

test('PASSTHROUGH: a chain per tls route match with its sniHosts, tcp_proxy to the destination, TLS not terminated', () => {
  const l = listeners(translate(secureGateways())).find((x) => x.name === '0.0.0.0_9443')!;
  assert.deepEqual(l.listener_filters?.map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
  assert.equal(l.filter_chains!.length, 1);
  const c = l.filter_chains![0]!;
  assert.deepEqual(c.filter_chain_match, { server_names: ['nginx.example.com'] });
  assert.equal(c.transport_socket, undefined);
  const tcp = c.filters![0]!;
  assert.equal(tcp.name, 'envoy.filters.network.tcp_proxy');
  assert.equal((tcp.typed_config as unknown as { cluster: string }).cluster, 'outbound|443||my-nginx.default.svc.cluster.local');
});

test('HTTPS routes: each terminating server has its own route table, with only its own hosts', () => {
  const out = translate(secureGateways());
  const byName = new Map(routes(out).map((r) => [r.name!, decodeRouteConfiguration(r, r.name!, new ConfigErrors())]));
  assert.deepEqual([...byName.keys()].sort(), ['http.80', 'https.15443.https-mesh.mygateway.istio-system', 'https.443.https-helloworld.mygateway.istio-system', 'https.443.https-httpbin.mygateway.istio-system', 'https.8443.https-files.mygateway.istio-system']);
  const httpbin = byName.get('https.443.https-httpbin.mygateway.istio-system')!;
  assert.equal(routeThrough(httpbin, { authority: 'httpbin.example.com', path: '/status/200' })?.cluster, 'outbound|8000||httpbin.default.svc.cluster.local');
  assert.equal(routeThrough(httpbin, { authority: 'helloworld.example.com', path: '/hello' }), undefined, 'the other server\'s host is not in this table');
  const hello = byName.get('https.443.https-helloworld.mygateway.istio-system')!;
  assert.equal(routeThrough(hello, { authority: 'helloworld.example.com', path: '/hello' })?.cluster, 'outbound|5000||helloworld.default.svc.cluster.local');
  const mesh = byName.get('https.15443.https-mesh.mygateway.istio-system')!;
  assert.equal(routeThrough(mesh, { authority: 'anything', path: '/productpage' })?.cluster, 'outbound|9080||productpage.default.svc.cluster.local');
});

test('httpsRedirect: the HTTP server\'s virtual hosts require TLS (Envoy answers 301 to https)', () => {
  const http80 = routes(translate(secureGateways())).find((r) => r.name === 'http.80')!;
  assert.deepEqual(http80.virtual_hosts!.map((v) => [v.domains, v.require_tls]), [[['httpbin.example.com'], 'ALL']]);
  const r = routeThrough(decodeRouteConfiguration(http80, 'http.80', new ConfigErrors()), { authority: 'httpbin.example.com', path: '/status/200' });
  assert.equal(r?.redirect, true);
});

test('TLS server terminating SIMPLE forwards by VirtualService tcp routes; a plain TCP server too, without TLS', () => {
  const out = translate([
    gateway('tcpgw', [
      { port: { number: 31400, name: 'tls-term', protocol: 'TLS' }, hosts: ['db.example.com'], tls: { mode: 'SIMPLE', credentialName: 'db-credential' } },
      { port: { number: 31401, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] },
    ]),
    virtualService('db', { hosts: ['*'], gateways: ['istio-system/tcpgw'], tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'ratings', port: { number: 9080 } } }] }, { match: [{ port: 31401 }], route: [{ destination: { host: 'details', port: { number: 9080 } } }] }] }),
  ]);
  assert.deepEqual(out.messages, []);
  const term = listeners(out).find((l) => l.name === '0.0.0.0_31400')!.filter_chains![0]!;
  assert.deepEqual(term.filter_chain_match, { server_names: ['db.example.com'] });
  assert.equal((term.filters![0]!.typed_config as unknown as { cluster: string }).cluster, 'outbound|9080||ratings.default.svc.cluster.local');
  assert.deepEqual(tlsOf(term).common_tls_context.tls_certificate_sds_secret_configs[0].name, 'kubernetes://db-credential');
  const tcp = listeners(out).find((l) => l.name === '0.0.0.0_31401')!;
  assert.equal(tcp.listener_filters, undefined);
  assert.equal(tcp.filter_chains![0]!.transport_socket, undefined);
  assert.equal((tcp.filter_chains![0]!.filters![0]!.typed_config as unknown as { cluster: string }).cluster, 'outbound|9080||details.default.svc.cluster.local');
});

test('refused by name: AUTO_PASSTHROUGH, HTTP and HTTPS on one port, one SNI host twice on a port (the first server wins, as Istio)', () => {
  const out = translate([
    gateway('a', [
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop' } },
      { port: { number: 15443, name: 'tls-auto', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } },
    ]),
    gateway('b', [
      { port: { number: 443, name: 'https-dup', protocol: 'HTTPS' }, hosts: ['shop.example.com', 'other.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop2' } },
      { port: { number: 443, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
    ]),
  ]);
  assert.deepEqual(out.messages.map((m) => [m.code, m.key, m.path]), [
    ['WEFT_TR_GATEWAY_UNSUPPORTED', 'Gateway a.istio-system', 'spec.servers[1].tls.mode'],
    ['WEFT_TR_GATEWAY_CONFLICT', 'Gateway b.istio-system', 'spec.servers[0]'],
    ['WEFT_TR_GATEWAY_CONFLICT', 'Gateway b.istio-system', 'spec.servers[1].port'],
  ]);
  assert.deepEqual(listeners(out).map((l) => [l.name, l.filter_chains!.length]), [['0.0.0.0_443', 1]]);
  assert.deepEqual(routes(out).map((r) => r.name), ['https.443.https.a.istio-system']);
});

test('PASSTHROUGH: tls routes of another gateway, another port or without sniHosts overlap are not bound', () => {
  const out = translate([
    gateway('pt', [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } }]),
    virtualService('a', { hosts: ['a.example.com'], gateways: ['istio-system/pt'], tls: [{ match: [{ port: 443, sniHosts: ['a.example.com'] }, { port: 8443, sniHosts: ['a2.example.com'] }], route: [{ destination: { host: 'details', port: { number: 9080 } } }] }] }),
    virtualService('b', { hosts: ['b.example.com'], gateways: ['istio-system/pt', 'mesh'], tls: [{ match: [{ sniHosts: ['b.example.com'], gateways: ['mesh'] }], route: [{ destination: { host: 'ratings', port: { number: 9080 } } }] }] }),
    virtualService('c', { hosts: ['c.example.org'], gateways: ['istio-system/pt'], tls: [{ match: [{ sniHosts: ['c.example.org'] }], route: [{ destination: { host: 'reviews', port: { number: 9080 } } }] }] }),
  ]);
  const chains = listeners(out)[0]!.filter_chains!;
  assert.deepEqual(chains.map((c) => c.filter_chain_match?.server_names), [['a.example.com']]);
});
