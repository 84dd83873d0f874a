// Simulation of an ingress gateway: under Istio's bookinfo-gateway.yaml
// (interop: skipped with the reason when ../shared is absent) and under
// Gateways written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateProxy } from '../../src/control/translate/index.js';
import { bookinfoPush, gatewayProxy, loadSample, SAMPLES_SKIP, virtualService } from '../../src/control/translate/test-bookinfo.js';
import { Simulation } from '../../src/control/translate/test-simulation.js';

const PRODUCTPAGE = 'outbound|9080||productpage.default.svc.cluster.local';

test('bookinfo-gateway: the five productpage paths route to productpage; others get no route', { skip: SAMPLES_SKIP }, () => {
  const s = new Simulation(translateProxy(gatewayProxy(), bookinfoPush(loadSample('bookinfo-gateway.yaml'))).resources);
  assert.deepEqual(s.decoded.errors, []);
  const l = s.decoded.listeners.get('0.0.0.0_8080')!;
  assert.equal(l.address.port, 8080);
  for (const path of ['/productpage', '/static/css/app.css', '/login', '/logout', '/api/v1/products/1']) {
    assert.equal(s.route('0.0.0.0_8080', { authority: 'bookinfo.example.com', path })?.cluster, PRODUCTPAGE, path);
  }
  assert.equal(s.route('0.0.0.0_8080', { authority: 'x', path: '/admin' }), undefined);
  assert.equal(s.route('0.0.0.0_8080', { authority: 'x', path: '/productpage/extra' }), undefined, 'exact is exact');
});

test('gateway: VirtualServices for one host are merged, catch-all last; hosts narrow by the server\'s hosts', () => {
  const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' as const, metadata: { name: 'gw', namespace: 'default' }, spec: {
    selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'], tls: { httpsRedirect: false } }],
  } };
  const a = virtualService('a', { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'details' } }] }] });
  const b = virtualService('b', { hosts: ['*'], gateways: ['gw'], http: [{ match: [{ uri: { prefix: '/reviews' } }], route: [{ destination: { host: 'reviews' } }] }] });
  const s = new Simulation(translateProxy(gatewayProxy(), bookinfoPush([gw, a, b])).resources);
  assert.deepEqual(s.decoded.errors, []);
  assert.equal(s.route('0.0.0.0_80', { authority: 'shop.example.com', path: '/reviews/1' })?.cluster, 'outbound|9080||reviews.default.svc.cluster.local');
  assert.equal(s.route('0.0.0.0_80', { authority: 'shop.example.com:80', path: '/' })?.cluster, 'outbound|9080||details.default.svc.cluster.local');
  assert.equal(s.route('0.0.0.0_80', { authority: 'other.org', path: '/' }), undefined, 'the server only serves *.example.com');
});
