import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainClaims, localProxyDomains, serviceNames, sidecarDomains } from './virtual-host-domains.js';
import { bookinfoService } from './test-bookinfo.js';

test('Kubernetes-style names get Istio\'s short forms; the bare name only from the same namespace', () => {
  const svc = bookinfoService('reviews');
  assert.deepEqual(serviceNames(svc, 'default', 'cluster.local'), ['reviews.default.svc.cluster.local', 'reviews.default.svc', 'reviews.default', 'reviews']);
  assert.deepEqual(serviceNames(svc, 'other', 'cluster.local'), ['reviews.default.svc.cluster.local', 'reviews.default.svc', 'reviews.default']);
});

test('other hostnames stay as they are; IP addresses are added', () => {
  const svc = { ...bookinfoService('x'), hostname: 'api.example.com', addresses: ['10.1.2.3', '0.0.0.0', '10.0.0.0/8'] };
  assert.deepEqual(serviceNames(svc, 'default', 'cluster.local'), ['api.example.com', '10.1.2.3']);
});

test('sidecar domains are bare and with :port; local-proxy domains carry the port (bare too on 80)', () => {
  assert.deepEqual(sidecarDomains(['a', 'a.ns'], 9080), ['a', 'a:9080', 'a.ns', 'a.ns:9080']);
  assert.deepEqual(localProxyDomains(['a'], 9080), ['a:9080']);
  assert.deepEqual(localProxyDomains(['a'], 80), ['a', 'a:80']);
});

test('DomainClaims keeps the first owner of a domain', () => {
  const c = new DomainClaims();
  assert.deepEqual(c.claim(['a', 'b']), { kept: ['a', 'b'], dropped: [] });
  assert.deepEqual(c.claim(['B', 'c']), { kept: ['c'], dropped: ['B'] });
});
