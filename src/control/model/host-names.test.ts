import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveGatewayName } from './gateway-name.js';
import { hostCovers, hostsOverlap, mostSpecificMatch, resolveHostName } from './host-names.js';
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
