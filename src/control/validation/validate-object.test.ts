// Per-rule tests of validateObject: each case is a small object and the
// exact (code, path) pairs it must produce. Cases marked `ok` must produce no
// error at all (warnings are checked explicitly where they matter).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODES } from './codes.js';
import { validateObject } from './validate-object.js';

const V = 'networking.istio.io/v1';
const obj = (kind: string, spec: unknown, name = 'x', extra: Record<string, unknown> = {}) => ({ apiVersion: V, kind, metadata: { name, ...extra }, spec });
const route = (extra: Record<string, unknown> = {}) => ({ route: [{ destination: { host: 'reviews' } }], ...extra });
const vs = (http: unknown[], more: Record<string, unknown> = {}) => obj('VirtualService', { hosts: ['reviews'], http, ...more });
const dr = (spec: Record<string, unknown>) => obj('DestinationRule', { host: 'reviews', ...spec });
const se = (spec: Record<string, unknown>) => obj('ServiceEntry', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], ...spec });
const gw = (servers: unknown[], name = 'gw') => obj('Gateway', { selector: { istio: 'ingressgateway' }, servers }, name);
const sc = (spec: Record<string, unknown>) => obj('Sidecar', spec, 'default');

interface Case {
  name: string;
  doc: unknown;
  /** [code, path] pairs that must all be reported. Empty: the object must have no errors. */
  expect: [string, string][];
}

const CASES: Case[] = [
  // ---- kinds, apiVersion, metadata ----
  { name: 'not an object', doc: ['a'], expect: [['WEFT0002', '']] },
  { name: 'missing kind and apiVersion', doc: { metadata: { name: 'x' } }, expect: [['WEFT0002', 'apiVersion'], ['WEFT0002', 'kind']] },
  { name: 'an unknown security.istio.io kind is refused, not ignored', doc: { apiVersion: 'security.istio.io/v1', kind: 'SecurityPolicy', metadata: { name: 'x' }, spec: {} }, expect: [['WEFT0003', 'kind']] },
  { name: 'EnvoyFilter is refused', doc: { apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name: 'x' }, spec: {} }, expect: [['WEFT0003', 'kind']] },
  { name: 'Kubernetes Service is skipped', doc: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: {} }, expect: [['WEFT0004', 'kind']] },
  { name: 'unknown networking version', doc: { apiVersion: 'networking.istio.io/v2', kind: 'VirtualService', metadata: { name: 'x' }, spec: {} }, expect: [['WEFT0005', 'apiVersion']] },
  { name: 'v1alpha3 accepted', doc: { ...vs([route()]), apiVersion: 'networking.istio.io/v1alpha3' }, expect: [] },
  { name: 'v1beta1 accepted', doc: { ...vs([route()]), apiVersion: 'networking.istio.io/v1beta1' }, expect: [] },
  { name: 'name missing', doc: { apiVersion: V, kind: 'VirtualService', metadata: {}, spec: { hosts: ['a'], http: [route()] } }, expect: [['WEFT0006', 'metadata.name']] },
  { name: 'name upper case', doc: obj('VirtualService', { hosts: ['a'], http: [route()] }, 'Reviews'), expect: [['WEFT0006', 'metadata.name']] },
  { name: 'bad namespace', doc: obj('VirtualService', { hosts: ['a'], http: [route()] }, 'x', { namespace: 'a.b' }), expect: [['WEFT0006', 'metadata.namespace']] },
  { name: 'unknown top-level field', doc: { ...vs([route()]), extra: 1 }, expect: [['WEFT0010', 'extra']] },
  { name: 'spec missing', doc: { apiVersion: V, kind: 'VirtualService', metadata: { name: 'x' } }, expect: [['WEFT0012', 'spec']] },
  { name: 'bad metadata label', doc: obj('Gateway', { servers: [] }, 'gw', { labels: { 'a b': 'c' } }), expect: [['WEFT0105', 'metadata.labels["a b"]']] },

  // ---- schema ----
  { name: 'unknown field', doc: vs([{ ...route(), retrys: {} }]), expect: [['WEFT0010', 'spec.http[0].retrys']] },
  { name: 'wrong type: string for list', doc: obj('VirtualService', { hosts: 'reviews', http: [route()] }), expect: [['WEFT0011', 'spec.hosts']] },
  { name: 'wrong type: number for string label value', doc: dr({ subsets: [{ name: 'v1', labels: { version: 1 } }] }), expect: [['WEFT0011', 'spec.subsets[0].labels.version']] },
  { name: 'integer expected', doc: vs([{ route: [{ destination: { host: 'reviews' }, weight: 1.5 }] }]), expect: [['WEFT0011', 'spec.http[0].route[0].weight']] },
  { name: 'negative uint32', doc: vs([{ route: [{ destination: { host: 'reviews', port: { number: -1 } } }] }]), expect: [['WEFT0011', 'spec.http[0].route[0].destination.port.number']] },
  { name: 'required destination.host', doc: vs([{ route: [{ destination: { subset: 'v1' } }] }]), expect: [['WEFT0012', 'spec.http[0].route[0].destination.host']] },
  { name: 'required DestinationRule host', doc: obj('DestinationRule', { subsets: [] }), expect: [['WEFT0012', 'spec.host']] },
  { name: 'enum value', doc: dr({ trafficPolicy: { loadBalancer: { simple: 'ROUNDROBIN' } } }), expect: [['WEFT0013', 'spec.trafficPolicy.loadBalancer.simple']] },
  { name: 'duration without unit', doc: vs([route({ timeout: 10 })]), expect: [['WEFT0014', 'spec.http[0].timeout']] },
  { name: 'duration garbage', doc: vs([route({ timeout: '10 seconds' })]), expect: [['WEFT0014', 'spec.http[0].timeout']] },
  { name: 'durations in Go form', doc: dr({ trafficPolicy: { outlierDetection: { interval: '1m30s', baseEjectionTime: '1.5s' }, connectionPool: { tcp: { connectTimeout: '100ms' } } } }), expect: [] },
  { name: 'one-of string match', doc: vs([route({ match: [{ uri: { exact: '/a', prefix: '/b' } }] })]), expect: [['WEFT0015', 'spec.http[0].match[0].uri.prefix']] },
  { name: 'simple and consistentHash are exclusive', doc: dr({ trafficPolicy: { loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } } }), expect: [['WEFT0015', 'spec.trafficPolicy.loadBalancer.consistentHash']] },
  { name: 'unsupported Istio field', doc: dr({ trafficPolicy: { tunnel: { protocol: 'CONNECT' } } }), expect: [['WEFT0016', 'spec.trafficPolicy.tunnel']] },
  { name: 'null subsets is empty', doc: dr({ subsets: null, trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }), expect: [] },

  // ---- VirtualService ----
  { name: 'bookinfo-style route', doc: vs([route({ match: [{ headers: { 'end-user': { exact: 'jason' } } }] }), route()]), expect: [] },
  { name: 'no routes at all', doc: obj('VirtualService', { hosts: ['a'] }), expect: [['WEFT0107', 'spec']] },
  { name: 'host invalid', doc: obj('VirtualService', { hosts: ['bad_host!'], http: [route()] }), expect: [['WEFT0101', 'spec.hosts[0]']] },
  { name: '"*" host on mesh', doc: obj('VirtualService', { hosts: ['*'], http: [route()] }), expect: [['WEFT0101', 'spec.hosts[0]']] },
  { name: '"*" host on a gateway is fine', doc: obj('VirtualService', { hosts: ['*'], gateways: ['gw'], http: [route()] }), expect: [] },
  { name: 'duplicate hosts (wildcard)', doc: obj('VirtualService', { hosts: ['*.example.com', 'a.example.com'], http: [route()] }), expect: [['WEFT0108', 'spec.hosts[1]']] },
  { name: 'gateway reference invalid', doc: obj('VirtualService', { hosts: ['a'], gateways: ['ns/Bad_Name'], http: [route()] }), expect: [['WEFT0109', 'spec.gateways[0]']] },
  { name: 'legacy gateway reference warns', doc: obj('VirtualService', { hosts: ['a'], gateways: ['gw.prod'], http: [route()] }), expect: [['WEFT0206', 'spec.gateways[0]']] },
  { name: 'route and redirect', doc: vs([route({ redirect: { uri: '/x' } })]), expect: [['WEFT0106', 'spec.http[0].redirect']] },
  { name: 'route and directResponse', doc: vs([route({ directResponse: { status: 503 } })]), expect: [['WEFT0106', 'spec.http[0].directResponse']] },
  { name: 'redirect and rewrite', doc: vs([{ redirect: { uri: '/x' }, rewrite: { uri: '/y' } }]), expect: [['WEFT0106', 'spec.http[0].rewrite']] },
  { name: 'no action', doc: vs([{ match: [{ uri: { prefix: '/' } }] }]), expect: [['WEFT0107', 'spec.http[0]']] },
  { name: 'delegate root with route', doc: vs([{ delegate: { name: 'd' }, route: [{ destination: { host: 'a' } }] }]), expect: [['WEFT0106', 'spec.http[0].route']] },
  { name: 'delegate VS with gateways', doc: obj('VirtualService', { gateways: ['gw'], http: [route()] }), expect: [['WEFT0106', 'spec.gateways'], ['WEFT0153', 'spec.hosts']] },
  { name: 'redirect needs a target', doc: vs([{ redirect: { redirectCode: 301 } }]), expect: [['WEFT0107', 'spec.http[0].redirect']] },
  { name: 'redirect code', doc: vs([{ redirect: { uri: '/a', redirectCode: 200 } }]), expect: [['WEFT0102', 'spec.http[0].redirect.redirectCode']] },
  { name: 'redirect scheme', doc: vs([{ redirect: { scheme: 'ftp' } }]), expect: [['WEFT0106', 'spec.http[0].redirect.scheme']] },
  { name: 'directResponse status', doc: vs([{ directResponse: { status: 99 } }]), expect: [['WEFT0102', 'spec.http[0].directResponse.status']] },
  { name: 'negative weight', doc: vs([{ route: [{ destination: { host: 'a' }, weight: -1 }, { destination: { host: 'b' }, weight: 101 }] }]), expect: [['WEFT0102', 'spec.http[0].route[0].weight']] },
  { name: 'all weights zero', doc: vs([{ route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }] }]), expect: [['WEFT0102', 'spec.http[0].route']] },
  { name: 'weights 80/30 are valid per object (analysis warns)', doc: vs([{ route: [{ destination: { host: 'a' }, weight: 80 }, { destination: { host: 'b' }, weight: 30 }] }]), expect: [] },
  { name: 'destination host "*"', doc: vs([{ route: [{ destination: { host: '*' } }] }]), expect: [['WEFT0101', 'spec.http[0].route[0].destination.host']] },
  { name: 'subset name invalid', doc: vs([{ route: [{ destination: { host: 'a', subset: 'v_1' } }] }]), expect: [['WEFT0109', 'spec.http[0].route[0].destination.subset']] },
  { name: 'destination port 0', doc: vs([{ route: [{ destination: { host: 'a', port: { number: 0 } } }] }]), expect: [['WEFT0102', 'spec.http[0].route[0].destination.port.number']] },
  { name: 'fault needs abort or delay', doc: vs([route({ fault: {} })]), expect: [['WEFT0107', 'spec.http[0].fault']] },
  { name: 'fault abort percentage', doc: vs([route({ fault: { abort: { httpStatus: 500, percentage: { value: 101 } } } })]), expect: [['WEFT0102', 'spec.http[0].fault.abort.percentage.value']] },
  { name: 'fault abort status', doc: vs([route({ fault: { abort: { httpStatus: 600 } } })]), expect: [['WEFT0102', 'spec.http[0].fault.abort.httpStatus']] },
  { name: 'fault abort grpc status', doc: vs([route({ fault: { abort: { grpcStatus: 'NOPE' } } })]), expect: [['WEFT0102', 'spec.http[0].fault.abort.grpcStatus']] },
  { name: 'fault http2Error refused', doc: vs([route({ fault: { abort: { http2Error: 'x' } } })]), expect: [['WEFT0116', 'spec.http[0].fault.abort.http2Error']] },
  { name: 'fault delay percent out of range', doc: vs([route({ fault: { delay: { percent: 150, fixedDelay: '1s' } } })]), expect: [['WEFT0102', 'spec.http[0].fault.delay.percent'], ['WEFT0201', 'spec.http[0].fault.delay.percent']] },
  { name: 'fault delay below 1ms', doc: vs([route({ fault: { delay: { fixedDelay: '500us', percentage: { value: 10 } } } })]), expect: [['WEFT0111', 'spec.http[0].fault.delay.fixedDelay']] },
  { name: 'fault exponential delay refused', doc: vs([route({ fault: { delay: { exponentialDelay: '1s' } } })]), expect: [['WEFT0116', 'spec.http[0].fault.delay.exponentialDelay']] },
  { name: 'retries negative attempts', doc: vs([route({ retries: { attempts: -2 } })]), expect: [['WEFT0110', 'spec.http[0].retries.attempts']] },
  { name: 'retries 0 attempts with settings', doc: vs([route({ retries: { attempts: 0, retryOn: '5xx' } })]), expect: [['WEFT0110', 'spec.http[0].retries.attempts']] },
  { name: 'retries perTryTimeout 0', doc: vs([route({ retries: { attempts: 2, perTryTimeout: '0s' } })]), expect: [['WEFT0111', 'spec.http[0].retries.perTryTimeout']] },
  { name: 'retryOn unknown policy', doc: vs([route({ retries: { attempts: 2, retryOn: '5xx,connect-failure,nope' } })]), expect: [['WEFT0110', 'spec.http[0].retries.retryOn']] },
  { name: 'retryOn status codes and grpc names', doc: vs([route({ retries: { attempts: 2, retryOn: '503,gateway-error,unavailable,retriable-status-codes' } })]), expect: [] },
  { name: 'timeout 0s disables', doc: vs([route({ timeout: '0s' })]), expect: [] },
  { name: 'timeout negative', doc: vs([route({ timeout: '-1s' })]), expect: [['WEFT0111', 'spec.http[0].timeout']] },
  { name: 'mirror percentage', doc: vs([route({ mirror: { host: 'b' }, mirrorPercentage: { value: 120 } })]), expect: [['WEFT0102', 'spec.http[0].mirrorPercentage.value']] },
  { name: 'mirrorPercent over 100', doc: vs([route({ mirror: { host: 'b' }, mirrorPercent: 101 })]), expect: [['WEFT0102', 'spec.http[0].mirrorPercent'], ['WEFT0203', 'spec.http[0].mirrorPercent']] },
  { name: 'mirror and mirrors', doc: vs([route({ mirror: { host: 'b' }, mirrors: [{ destination: { host: 'c' } }] })]), expect: [['WEFT0106', 'spec.http[0].mirrors']] },
  { name: 'regex does not compile', doc: vs([route({ match: [{ uri: { regex: '(a' } }] })]), expect: [['WEFT0103', 'spec.http[0].match[0].uri.regex']] },
  { name: 'regex that is not RE2 (lookahead)', doc: vs([route({ match: [{ headers: { x: { regex: 'a(?=b)' } } }] })]), expect: [['WEFT0103', 'spec.http[0].match[0].headers.x.regex']] },
  { name: 'empty prefix on a header', doc: vs([route({ match: [{ headers: { x: { prefix: '' } } }] })]), expect: [['WEFT0107', 'spec.http[0].match[0].headers.x.prefix']] },
  { name: 'header name invalid', doc: vs([route({ match: [{ headers: { 'x y': { exact: 'a' } } }] })]), expect: [['WEFT0104', 'spec.http[0].match[0].headers["x y"]']] },
  { name: 'header operation on pseudo-header', doc: vs([route({ headers: { request: { set: { ':path': '/x' } }, response: { remove: ['host'] } } })]), expect: [['WEFT0104', 'spec.http[0].headers.request.set[":path"]'], ['WEFT0104', 'spec.http[0].headers.response.remove[0]']] },
  { name: 'header value unterminated %', doc: vs([route({ headers: { request: { set: { 'x-a': '50%' } } } })]), expect: [['WEFT0104', 'spec.http[0].headers.request.set.x-a']] },
  { name: 'authority set twice', doc: vs([route({ rewrite: { authority: 'a' }, headers: { request: { set: { host: 'b' } } } })]), expect: [['WEFT0106', 'spec.http[0].headers.request.set.host']] },
  { name: 'rewrite uri and regex', doc: vs([route({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } })]), expect: [['WEFT0106', 'spec.http[0].rewrite.uriRegexRewrite']] },
  { name: 'cors method and maxAge', doc: vs([route({ corsPolicy: { allowOrigins: [{ exact: 'https://a' }], allowMethods: ['FETCH'], maxAge: '1500ms' } })]), expect: [['WEFT0106', 'spec.http[0].corsPolicy.allowMethods[0]'], ['WEFT0111', 'spec.http[0].corsPolicy.maxAge']] },
  { name: 'match port', doc: vs([route({ match: [{ port: 70000 }] })]), expect: [['WEFT0102', 'spec.http[0].match[0].port']] },
  { name: 'sourceLabels invalid', doc: vs([route({ match: [{ sourceLabels: { app: 'a b' } }] })]), expect: [['WEFT0105', 'spec.http[0].match[0].sourceLabels.app']] },
  { name: 'unreachable after catch-all', doc: vs([route(), route({ match: [{ uri: { prefix: '/a' } }] })]), expect: [['WEFT0150', 'spec.http[1]']] },
  { name: 'identical match', doc: vs([route({ match: [{ uri: { prefix: '/a' } }] }), route({ match: [{ uri: { prefix: '/a' } }, { uri: { prefix: '/b' } }] })]), expect: [['WEFT0151', 'spec.http[1].match[0]']] },
  { name: 'tls route needs sni within hosts', doc: obj('VirtualService', { hosts: ['a.example.com'], tls: [{ match: [{ sniHosts: ['b.example.com'] }], route: [{ destination: { host: 'a.example.com' } }] }] }), expect: [['WEFT0101', 'spec.tls[0].match[0].sniHosts[0]']] },
  { name: 'tcp route needs a route', doc: obj('VirtualService', { hosts: ['a'], tcp: [{ match: [{ port: 3306, destinationSubnets: ['10.0.0.0/33'] }] }] }), expect: [['WEFT0107', 'spec.tcp[0].route'], ['WEFT0114', 'spec.tcp[0].match[0].destinationSubnets[0]']] },
  { name: 'exportTo duplicates', doc: vs([route()], { exportTo: ['.', 'default'] }), expect: [['WEFT0108', 'spec.exportTo[1]']] },

  // ---- DestinationRule ----
  { name: 'dr host invalid', doc: obj('DestinationRule', { host: 'a..b' }), expect: [['WEFT0101', 'spec.host']] },
  { name: 'subset names unique', doc: dr({ subsets: [{ name: 'v1' }, { name: 'v1' }] }), expect: [['WEFT0108', 'spec.subsets[1].name']] },
  { name: 'subset name valid', doc: dr({ subsets: [{ name: 'v1.0' }] }), expect: [['WEFT0109', 'spec.subsets[0].name']] },
  { name: 'empty traffic policy', doc: dr({ trafficPolicy: {} }), expect: [['WEFT0107', 'spec.trafficPolicy']] },
  { name: 'negative connection pool', doc: dr({ trafficPolicy: { connectionPool: { tcp: { maxConnections: -1 }, http: { http1MaxPendingRequests: -5 } } } }), expect: [['WEFT0102', 'spec.trafficPolicy.connectionPool.tcp.maxConnections'], ['WEFT0102', 'spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests']] },
  { name: 'empty connection pool', doc: dr({ trafficPolicy: { connectionPool: {} } }), expect: [['WEFT0107', 'spec.trafficPolicy.connectionPool']] },
  { name: 'outlier percentages', doc: dr({ trafficPolicy: { outlierDetection: { maxEjectionPercent: 101, minHealthPercent: -1 } } }), expect: [['WEFT0102', 'spec.trafficPolicy.outlierDetection.maxEjectionPercent'], ['WEFT0102', 'spec.trafficPolicy.outlierDetection.minHealthPercent']] },
  { name: 'outlier local origin without split', doc: dr({ trafficPolicy: { outlierDetection: { consecutiveLocalOriginFailures: 3 } } }), expect: [['WEFT0106', 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures']] },
  { name: 'cookie needs a name', doc: dr({ trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { ttl: '0s' } } } } }), expect: [['WEFT0107', 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name']] },
  { name: 'maglev table prime', doc: dr({ trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 1000 } } } } }), expect: [['WEFT0102', 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize']] },
  { name: 'minimumRingSize with ringHash', doc: dr({ trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 10, ringHash: { minimumRingSize: 10 } } } } }), expect: [['WEFT0106', 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize'], ['WEFT0205', 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize']] },
  { name: 'locality distribute and failover', doc: dr({ trafficPolicy: { loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/*', to: { 'b/*': 100 } }], failover: [{ from: 'a', to: 'b' }] } } } }), expect: [['WEFT0106', 'spec.trafficPolicy.loadBalancer.localityLbSetting']] },
  { name: 'locality weights sum', doc: dr({ trafficPolicy: { loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/*', to: { 'b/*': 60 } }] } } } }), expect: [['WEFT0102', 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to']] },
  { name: 'TLS MUTUAL needs certs', doc: dr({ trafficPolicy: { tls: { mode: 'MUTUAL' } } }), expect: [['WEFT0113', 'spec.trafficPolicy.tls.clientCertificate'], ['WEFT0113', 'spec.trafficPolicy.tls.privateKey']] },
  { name: 'TLS credentialName with files', doc: dr({ trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'c', caCertificates: '/ca.pem' } } }), expect: [['WEFT0113', 'spec.trafficPolicy.tls']] },
  { name: 'port level settings need a port', doc: dr({ trafficPolicy: { portLevelSettings: [{ tls: { mode: 'SIMPLE' } }] } }), expect: [['WEFT0107', 'spec.trafficPolicy.portLevelSettings[0].port']] },
  { name: 'workloadSelector exported away', doc: dr({ workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['other'] }), expect: [['WEFT0106', 'spec.exportTo']] },

  // ---- ServiceEntry / WorkloadEntry ----
  { name: 'se host "*"', doc: se({ hosts: ['*'] }), expect: [['WEFT0101', 'spec.hosts[0]']] },
  { name: 'se duplicate ports', doc: se({ ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 80, name: 'http', protocol: 'HTTP' }] }), expect: [['WEFT0108', 'spec.ports[1].name'], ['WEFT0108', 'spec.ports[1].number']] },
  { name: 'se protocol', doc: se({ ports: [{ number: 80, name: 'http', protocol: 'SPDY' }] }), expect: [['WEFT0115', 'spec.ports[0].protocol']] },
  { name: 'se NONE with endpoints', doc: se({ resolution: 'NONE', endpoints: [{ address: '1.2.3.4' }] }), expect: [['WEFT0112', 'spec.endpoints']] },
  { name: 'se STATIC without endpoints or selector', doc: se({ resolution: 'STATIC' }), expect: [['WEFT0112', 'spec.resolution']] },
  { name: 'se STATIC with a host name endpoint', doc: se({ resolution: 'STATIC', endpoints: [{ address: 'db.example.com' }] }), expect: [['WEFT0114', 'spec.endpoints[0].address']] },
  { name: 'se STATIC endpoint port name', doc: se({ resolution: 'STATIC', endpoints: [{ address: '10.0.0.1', ports: { http: 8080 } }] }), expect: [['WEFT0109', 'spec.endpoints[0].ports.http']] },
  { name: 'se DNS wildcard without endpoints', doc: se({ hosts: ['*.example.com'], resolution: 'DNS', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] }), expect: [['WEFT0112', 'spec.hosts[0]']] },
  { name: 'se DNS_ROUND_ROBIN endpoints', doc: se({ resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.example.com' }, { address: 'b.example.com' }] }), expect: [['WEFT0112', 'spec.endpoints']] },
  { name: 'se CIDR with DNS', doc: se({ resolution: 'DNS', addresses: ['10.0.0.0/24'] }), expect: [['WEFT0112', 'spec.addresses']] },
  { name: 'se selector and endpoints', doc: se({ resolution: 'STATIC', workloadSelector: { labels: { app: 'a' } }, endpoints: [{ address: '10.0.0.1' }] }), expect: [['WEFT0106', 'spec.workloadSelector']] },
  { name: 'se several hosts with TCP port', doc: se({ hosts: ['a.example.com', 'b.example.com'], resolution: 'DNS', ports: [{ number: 3306, name: 'mysql', protocol: 'TCP' }] }), expect: [['WEFT0112', 'spec.hosts']] },
  { name: 'googleapis-style DNS entry', doc: se({ hosts: ['www.googleapis.com'], resolution: 'DNS', ports: [{ number: 80, name: 'http', protocol: 'HTTP' }, { number: 443, name: 'https', protocol: 'HTTPS' }] }), expect: [] },
  { name: 'workload entry address required', doc: obj('WorkloadEntry', { labels: { app: 'a' } }), expect: [['WEFT0107', 'spec.address']] },
  { name: 'workload entry ok', doc: obj('WorkloadEntry', { address: '10.0.0.7', labels: { app: 'ratings', version: 'v2-mysql-vm' }, ports: { mysql: 3306 } }), expect: [] },

  // ---- Sidecar ----
  { name: 'sidecar empty', doc: sc({}), expect: [['WEFT0107', 'spec']] },
  { name: 'sidecar egress host needs namespace/', doc: sc({ egress: [{ hosts: ['reviews.default.svc.cluster.local'] }] }), expect: [['WEFT0101', 'spec.egress[0].hosts[0]']] },
  { name: 'sidecar egress short name', doc: sc({ egress: [{ hosts: ['./reviews'] }] }), expect: [['WEFT0101', 'spec.egress[0].hosts[0]']] },
  { name: 'sidecar egress ok', doc: sc({ egress: [{ hosts: ['./*', 'istio-system/*', '*/api.example.com', '~/*'] }] }), expect: [] },
  { name: 'sidecar catch-all not last', doc: sc({ egress: [{ hosts: ['./*'] }, { port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] }] }), expect: [['WEFT0117', 'spec.egress[0]']] },
  { name: 'sidecar ingress defaultEndpoint', doc: sc({ ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '10.0.0.1:9080' }] }), expect: [['WEFT0114', 'spec.ingress[0].defaultEndpoint']] },
  { name: 'sidecar selector wildcard', doc: sc({ workloadSelector: { labels: { app: '*' } }, egress: [{ hosts: ['./*'] }] }), expect: [['WEFT0105', 'spec.workloadSelector.labels.app']] },

  // ---- Gateway ----
  { name: 'gateway needs servers', doc: gw([]), expect: [['WEFT0107', 'spec.servers']] },
  { name: 'gateway name with dots', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }], 'a.b'), expect: [['WEFT0109', 'metadata.name']] },
  { name: 'gateway port protocol', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTPX' }, hosts: ['*'] }]), expect: [['WEFT0115', 'spec.servers[0].port.protocol']] },
  { name: 'gateway https needs tls', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] }]), expect: [['WEFT0113', 'spec.servers[0].tls']] },
  { name: 'gateway SIMPLE needs certs', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE' } }]), expect: [['WEFT0113', 'spec.servers[0].tls.serverCertificate'], ['WEFT0113', 'spec.servers[0].tls.privateKey']] },
  { name: 'gateway credentialName suffices', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['bookinfo.example.com'], tls: { mode: 'SIMPLE', credentialName: 'bookinfo-cert' } }]), expect: [] },
  { name: 'gateway httpsRedirect on HTTP', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } }]), expect: [] },
  { name: 'gateway duplicate port names', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }, { port: { number: 81, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]), expect: [['WEFT0108', 'spec.servers[1].port.name']] },
  { name: 'gateway host short name', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['ns/reviews'] }]), expect: [['WEFT0101', 'spec.servers[0].hosts[0]']] },
  { name: 'gateway required port', doc: gw([{ hosts: ['*'] }]), expect: [['WEFT0012', 'spec.servers[0].port']] },
  // ---- Gateway servers[].tls (Istio's validateTLSOptions and validateServer) ----
  { name: 'gateway MUTUAL with files needs caCertificates', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'MUTUAL', serverCertificate: '/c.pem', privateKey: '/k.pem' } }]), expect: [['WEFT0113', 'spec.servers[0].tls.caCertificates']] },
  { name: 'gateway MUTUAL with credentialName', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls: { mode: 'MUTUAL', credentialName: 'a', subjectAltNames: ['client.example.com'], verifyCertificateSpki: ['abc='] } }]), expect: [] },
  { name: 'gateway ISTIO_MUTUAL takes no credentials', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'ISTIO_MUTUAL', credentialName: 'a' } }]), expect: [['WEFT0113', 'spec.servers[0].tls']] },
  { name: 'gateway TLS min above max', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a', minProtocolVersion: 'TLSV1_3', maxProtocolVersion: 'TLSV1_2' } }]), expect: [['WEFT0113', 'spec.servers[0].tls.maxProtocolVersion']] },
  { name: 'gateway invalid and duplicate ciphers warn', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a', cipherSuites: ['NOT-A-CIPHER', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'] } }]), expect: [['WEFT0152', 'spec.servers[0].tls.cipherSuites']] },
  { name: 'gateway TLS settings on a plain HTTP server', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a' } }]), expect: [['WEFT0113', 'spec.servers[0].tls']] },
  { name: 'gateway PASSTHROUGH written on a plain HTTP server warns (Istio accepts it: it is the default)', doc: gw([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH', httpsRedirect: true } }]), expect: [['WEFT0152', 'spec.servers[0].tls.mode']] },
  { name: 'gateway tls on a TCP server', doc: gw([{ port: { number: 3306, name: 'tcp', protocol: 'TCP' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a' } }]), expect: [['WEFT0113', 'spec.servers[0].tls']] },
  { name: 'gateway AUTO_PASSTHROUGH is named as not served', doc: gw([{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } }]), expect: [['WEFT0163', 'spec.servers[0].tls.mode']] },
  { name: 'gateway PASSTHROUGH with certificates warns they are ignored', doc: gw([{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH', credentialName: 'a' } }]), expect: [['WEFT0152', 'spec.servers[0].tls']] },
  { name: 'gateway caCrl is refused by name', doc: gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a', caCrl: '/crl.pem' } }]), expect: [['WEFT0016', 'spec.servers[0].tls.caCrl']] },
];

describe('validateObject rules', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const res = validateObject(c.doc);
      const got = res.messages.map((m) => `${m.code} ${m.path}`);
      for (const [code, path] of c.expect) assert.ok(got.includes(`${code} ${path}`), `expected ${code} at "${path}"; got:\n  ${got.join('\n  ')}`);
      for (const m of res.messages) assert.equal(m.severity, CODES[m.code as keyof typeof CODES].severity, `severity of ${m.code}`);
      const errors = res.messages.filter((m) => m.severity === 'error');
      if (c.expect.length === 0) assert.deepEqual(errors, [], 'expected no errors');
      // The object is returned exactly when there are no errors (skipped kinds return none).
      const skipped = res.messages.some((m) => m.code === 'WEFT0004');
      assert.equal(res.object === undefined, errors.length > 0 || skipped, 'object returned iff no errors');
    });
  }

  it('gateway cipherSuites: the warning names the unknown and the repeated ciphers, and an equal-preference group is valid', () => {
    const res = validateObject(gw([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'a', cipherSuites: ['NOT-A-CIPHER', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'] } }]));
    const msgs = res.messages.filter((m) => m.path === 'spec.servers[0].tls.cipherSuites').map((m) => m.message).sort();
    assert.equal(msgs.length, 2);
    assert.match(msgs[0]!, /duplicate cipher suites: ECDHE-RSA-AES128-GCM-SHA256$/);
    assert.match(msgs[1]!, /invalid cipher suites: NOT-A-CIPHER$/);
  });

  it('reports every problem at once', () => {
    const res = validateObject(vs([{ route: [{ destination: { host: '*' }, weight: -1 }], timeout: 'x', retries: { attempts: -1 } }]));
    const codes = res.messages.map((m) => m.code).sort();
    assert.deepEqual(codes, ['WEFT0014', 'WEFT0101', 'WEFT0102', 'WEFT0110']);
  });

  it('keys messages by "Kind name.namespace" with namespace default', () => {
    const res = validateObject(vs([{ route: [{ destination: { host: '*' } }] }]), 'f.yaml', { lineOf: () => 7 });
    assert.equal(res.messages[0]!.key, 'VirtualService x.default');
    assert.equal(res.messages[0]!.file, 'f.yaml');
    assert.equal(res.messages[0]!.line, 7);
  });

  it('returns the object with the namespace defaulted', () => {
    const res = validateObject(vs([route()]));
    assert.equal(res.object?.metadata.namespace, 'default');
    assert.equal(res.object?.kind, 'VirtualService');
  });

  it('suggests the right spelling of a field', () => {
    const res = validateObject(dr({ trafficPolicy: { connectionPool: { tcp: { max_connections: 1 } } } }));
    assert.match(res.messages[0]!.message, /did you mean "maxConnections"/);
  });
});

describe('deprecated fields are rewritten to their replacements', () => {
  it('delay.percent → percentage.value', () => {
    const res = validateObject(vs([route({ fault: { delay: { percent: 50, fixedDelay: '5s' } } })]));
    const h = (res.object!.spec as { http: { fault: unknown }[] }).http[0]!;
    assert.deepEqual(h.fault, { delay: { fixedDelay: '5s', percentage: { value: 50 } } });
  });
  it('mirrorPercent → mirrorPercentage', () => {
    const res = validateObject(vs([route({ mirror: { host: 'b' }, mirrorPercent: 20 })]));
    const h = (res.object!.spec as { http: Record<string, unknown>[] }).http[0]!;
    assert.deepEqual(h.mirrorPercentage, { value: 20 });
    assert.equal(h.mirrorPercent, undefined);
  });
  it('corsPolicy.allowOrigin → allowOrigins exact', () => {
    const res = validateObject(vs([route({ corsPolicy: { allowOrigin: ['https://a.example.com'] } })]));
    assert.deepEqual(res.messages.map((m) => m.code), ['WEFT0204']);
    const h = (res.object!.spec as { http: { corsPolicy: unknown }[] }).http[0]!;
    assert.deepEqual(h.corsPolicy, { allowOrigins: [{ exact: 'https://a.example.com' }] });
  });
  it('consecutiveErrors → consecutiveGatewayErrors with 5xx ejection off (Istio 1.1+ semantics)', () => {
    const res = validateObject(dr({ trafficPolicy: { outlierDetection: { consecutiveErrors: 7 } } }));
    const od = (res.object!.spec as { trafficPolicy: { outlierDetection: unknown } }).trafficPolicy.outlierDetection;
    assert.deepEqual(od, { consecutiveGatewayErrors: 7, consecutive5xxErrors: 0 });
  });
  it('minimumRingSize → ringHash.minimumRingSize', () => {
    const res = validateObject(dr({ trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 1024 } } } }));
    assert.deepEqual(res.messages.map((m) => m.code), ['WEFT0205']);
    const ch = (res.object!.spec as { trafficPolicy: { loadBalancer: { consistentHash: unknown } } }).trafficPolicy.loadBalancer.consistentHash;
    assert.deepEqual(ch, { useSourceIp: true, ringHash: { minimumRingSize: 1024 } });
  });
});

describe('DestinationRule loadBalancer.warmup (Istio\'s current API)', () => {
  const lbOf = (loadBalancer: unknown) => validateObject(dr({ trafficPolicy: { loadBalancer } })).messages.map((m) => `${m.code} ${m.path}`);
  it('accepts warmup with duration, minimumPercent and aggression', () => {
    assert.deepEqual(lbOf({ simple: 'ROUND_ROBIN', warmup: { duration: '60s', minimumPercent: 10, aggression: 1.5 } }), []);
  });
  it('checks its values', () => {
    assert.deepEqual(lbOf({ warmup: { minimumPercent: 101, aggression: 0 } }).sort(), [
      'WEFT0012 spec.trafficPolicy.loadBalancer.warmup.duration',
      'WEFT0102 spec.trafficPolicy.loadBalancer.warmup.aggression',
      'WEFT0102 spec.trafficPolicy.loadBalancer.warmup.minimumPercent',
    ]);
    assert.deepEqual(lbOf({ warmup: { duration: '60s' }, warmupDurationSecs: '60s' }), ['WEFT0106 spec.trafficPolicy.loadBalancer.warmup']);
  });
  it('warns where slow start has no effect (consistent hashing, RANDOM)', () => {
    assert.deepEqual(lbOf({ simple: 'RANDOM', warmup: { duration: '60s' } }), ['WEFT0152 spec.trafficPolicy.loadBalancer.warmup']);
  });
});

describe('accepted but not honoured yet: a warning (WEFT0163), never silence', () => {
  const codes = (o: unknown) => validateObject(o).messages.map((m) => `${m.code} ${m.severity} ${m.path}`);
  it('DestinationRule workloadSelector', () => {
    assert.deepEqual(codes(dr({ workloadSelector: { matchLabels: { app: 'reviews' } } })), ['WEFT0163 warning spec.workloadSelector']);
  });
  it('HTTP match statPrefix', () => {
    assert.deepEqual(codes(vs([route({ match: [{ uri: { prefix: '/' }, statPrefix: 'x' }] })])), ['WEFT0163 warning spec.http[0].match[0].statPrefix']);
  });
  it('Sidecar ingress and egress port/bind/captureMode', () => {
    const sc = obj('Sidecar', {
      ingress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080' }],
      egress: [{ port: { number: 9080, protocol: 'HTTP', name: 'http' }, captureMode: 'NONE', hosts: ['./*'] }, { hosts: ['istio-system/*'] }],
    });
    assert.deepEqual(codes(sc).sort(), ['WEFT0163 warning spec.egress[0].captureMode', 'WEFT0163 warning spec.egress[0].port', 'WEFT0163 warning spec.ingress']);
  });
});
