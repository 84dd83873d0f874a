import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveGatewayName } from './gateway-name.js';
import { hostCovers, hostIntersection, hostsOverlap, isWildcard, mostSpecificMatch, namespaceOfServiceHost, resolveHostName } from './host-names.js';
import { egressSelects, parseEgressHost } from './sidecar-egress.js';
import { portProtocol } from './protocol.js';
import { isVisibleFrom } from './export-to.js';

test('resolveHostName: Istio short names, namespace forms, wildcards, IPs', () => {
  const known = (ns: string) => ns === 'other' || ns === 'default';
  const cases: [string, string, string][] = [
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews', 'prod', 'reviews.prod.svc.cluster.local'],
    ['reviews.other', 'default', 'reviews.other.svc.cluster.local'],
    ['httpbin.org', 'default', 'httpbin.org'], // "org" is no namespace: an external name stays
    ['reviews.other.svc', 'default', 'reviews.other.svc.cluster.local'],
    ['reviews.default.svc.cluster.local', 'prod', 'reviews.default.svc.cluster.local'],
    ['api.example.com', 'default', 'api.example.com'],
    ['*', 'default', '*'],
    ['*.example.com', 'default', '*.example.com'],
    ['*.other', 'default', '*.other'],
    ['10.1.2.3', 'default', '10.1.2.3'],
    ['::1', 'default', '::1'],
  ];
  for (const [host, ns, want] of cases) assert.equal(resolveHostName(host, ns, 'cluster.local', known), want, `${host} in ${ns}`);
  assert.equal(resolveHostName('reviews', 'default', 'corp.internal'), 'reviews.default.svc.corp.internal');
});

test('host wildcards: covers, overlap, most specific match', () => {
  assert.ok(hostCovers('*.example.com', 'a.example.com'));
  assert.ok(hostCovers('*.example.com', 'a.b.example.com'));
  assert.ok(!hostCovers('*.example.com', 'example.com'));
  assert.ok(hostCovers('*', 'anything'));
  assert.ok(hostCovers('*.com', '*.example.com'));
  assert.ok(!hostCovers('*.example.com', '*.com'));
  assert.ok(hostsOverlap('*.com', 'a.com') && hostsOverlap('a.com', '*.com'));
  assert.ok(!hostsOverlap('a.com', 'b.com'));
  const exact = new Map([['a.example.com', 1], ['*.example.com', 2], ['*.a.example.com', 3], ['*', 4]]);
  const wild = ['*.example.com', '*.a.example.com', '*'];
  assert.equal(mostSpecificMatch('a.example.com', exact, wild), 'a.example.com');
  assert.equal(mostSpecificMatch('x.a.example.com', exact, wild), '*.a.example.com');
  assert.equal(mostSpecificMatch('b.example.com', exact, wild), '*.example.com');
  assert.equal(mostSpecificMatch('other.org', exact, wild), '*');
  assert.equal(mostSpecificMatch('other.org', new Map(), []), undefined);
});

// Istio's documented host rules (networking API reference, VirtualService.hosts,
// Sidecar.egress.hosts, Gateway.servers.hosts), one table for validation,
// analysis and translation alike.
test('hostCovers (Istio SubsetOf): [pattern, name, covered]', () => {
  const cases: [string, string, boolean][] = [
    ['reviews.default.svc.cluster.local', 'reviews.default.svc.cluster.local', true],
    ['*', 'reviews.default.svc.cluster.local', true], // "*" alone matches every host
    ['*', '*.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', true], // a wildcard covers every deeper name
    ['*.example.com', 'example.com', false], // the suffix includes the dot
    ['*.example.com', '.example.com', true], // as Istio: a plain suffix test
    ['*.example.com', '*.example.com', true],
    ['*.example.com', '*.a.example.com', true],
    ['*.a.example.com', '*.example.com', false],
    ['*.com', '*.example.com', true],
    ['a.example.com', '*.example.com', false], // an exact name never covers a wildcard
    ['a.example.com', 'b.example.com', false],
    ['*example.com', 'badexample.com', true], // Istio compares suffixes, not labels
  ];
  for (const [pattern, name, want] of cases) assert.equal(hostCovers(pattern, name), want, `${pattern} covers ${name}`);
});

test('hostIntersection: the more specific of two overlapping hosts', () => {
  const cases: [string, string, string | undefined][] = [
    ['*', 'a.example.com', 'a.example.com'],
    ['*.example.com', 'a.example.com', 'a.example.com'],
    ['a.example.com', '*.example.com', 'a.example.com'],
    ['*.example.com', '*.a.example.com', '*.a.example.com'],
    ['*.a.example.com', '*.example.com', '*.a.example.com'],
    ['*.example.com', '*.example.org', undefined],
    ['a.example.com', 'b.example.com', undefined],
  ];
  for (const [a, b, want] of cases) assert.equal(hostIntersection(a, b), want, `${a} ∩ ${b}`);
  assert.ok(isWildcard('*') && isWildcard('*.a') && !isWildcard('a.*'));
});

test('namespaceOfServiceHost: only Kubernetes service names have one', () => {
  assert.equal(namespaceOfServiceHost('reviews.prod.svc.cluster.local', 'cluster.local'), 'prod');
  assert.equal(namespaceOfServiceHost('reviews.prod.svc.corp.internal', 'corp.internal'), 'prod');
  assert.equal(namespaceOfServiceHost('api.example.com', 'cluster.local'), undefined);
  assert.equal(namespaceOfServiceHost('a.b.prod.svc.cluster.local', 'cluster.local'), undefined);
});

test('namespace/host forms (Sidecar egress, Gateway servers): [entry, proxy ns, service ns, host, selected]', () => {
  const cases: [string, string, string, string, boolean][] = [
    ['*/*', 'shop', 'prod', 'reviews.prod.svc.cluster.local', true],
    ['./*', 'shop', 'shop', 'reviews.shop.svc.cluster.local', true],
    ['./*', 'shop', 'prod', 'reviews.prod.svc.cluster.local', false], // "." is the proxy's own namespace
    ['prod/*', 'shop', 'prod', 'reviews.prod.svc.cluster.local', true],
    ['prod/reviews.prod.svc.cluster.local', 'shop', 'prod', 'reviews.prod.svc.cluster.local', true],
    ['prod/ratings.prod.svc.cluster.local', 'shop', 'prod', 'reviews.prod.svc.cluster.local', false],
    ['*/*.example.com', 'shop', 'ext', 'api.example.com', true],
    ['~/*', 'shop', 'prod', 'reviews.prod.svc.cluster.local', false], // "~" imports nothing
    ['api.example.com', 'shop', 'ext', 'api.example.com', true], // a bare host is "*/host"
  ];
  for (const [entry, proxyNs, svcNs, host, want] of cases) {
    assert.equal(egressSelects([parseEgressHost(entry)], proxyNs, svcNs, host), want, `${entry} from ${proxyNs} selects ${host} in ${svcNs}`);
  }
});

test('resolveGatewayName: mesh, ns/name, ./name, short, legacy FQDN', () => {
  const cases: [string, string][] = [
    ['mesh', 'mesh'],
    ['istio-system/ingress', 'istio-system/ingress'],
    ['./ingress', 'shop/ingress'],
    ['ingress', 'shop/ingress'],
    ['ingress.istio-system.svc.cluster.local', 'istio-system/ingress'],
    ['ingress.istio-system', 'istio-system/ingress'],
  ];
  for (const [ref, want] of cases) assert.equal(resolveGatewayName(ref, 'shop'), want, ref);
});

test('portProtocol: explicit (case-insensitive), name prefix, default TCP', () => {
  const cases: [string | undefined, string, string][] = [
    ['http', 'web', 'HTTP'],
    ['HTTP2', 'x', 'HTTP2'],
    ['gRPC', 'x', 'GRPC'],
    ['grpc-web', 'x', 'GRPC-WEB'],
    ['tls', 'x', 'TLS'],
    ['Mongo', 'x', 'MONGO'],
    ['bogus', 'http', 'UNSUPPORTED'],
    [undefined, 'http-foo', 'HTTP'],
    [undefined, 'http', 'HTTP'],
    [undefined, 'grpc-web-api', 'GRPC-WEB'],
    [undefined, 'grpc-api', 'GRPC'],
    [undefined, 'HTTPS-admin', 'HTTPS'],
    ['', 'tcp-db', 'TCP'],
    [undefined, 'web', 'TCP'],
    [undefined, 'httpx', 'TCP'],
  ];
  for (const [proto, name, want] of cases) assert.equal(portProtocol(proto, name), want, `${proto}/${name}`);
});

test('exportTo visibility', () => {
  const cases: [string[], string, string, boolean][] = [
    [['*'], 'a', 'b', true],
    [['.'], 'a', 'a', true],
    [['.'], 'a', 'b', false],
    [['b'], 'a', 'b', true],
    [['b'], 'a', 'a', false],
    [['~'], 'a', 'a', false],
    [['.', 'c'], 'a', 'c', true],
  ];
  for (const [exp, owner, from, want] of cases) assert.equal(isVisibleFrom(exp, owner, from), want, `${exp} ${owner}→${from}`);
});
