// Simulation of local mode (`weft up`): the app's HTTP_PROXY listener routes by
// `Host: <service>:<port>` with the same VirtualService routes, and the
// sidecar's inbound listener reaches the app on 127.0.0.1:<app port>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateProxy } from '../../src/control/translate/index.js';
import { bookinfoPush, bookinfoService, exampleScenario, loadExample, sidecarProxy } from '../../src/control/translate/test-bookinfo.js';
import { distribution, Simulation } from '../../src/control/translate/test-simulation.js';

const proxy = sidecarProxy({
  id: 'sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local',
  ips: ['127.0.0.1'],
  metadata: { WEFT_OUTBOUND_HTTP_PROXY_PORT: '15080', WEFT_INBOUND_PORTS: '{"9080":16001}', WEFT_APP_PORTS: '{"9080":19080}' },
});
// The demo's own config (examples/bookinfo): scenario 03 (jason → v2, else v1), then the 90/10 canary
// under another name, which Istio shadows for sidecars (the older VirtualService for a host wins).
const objects = [...exampleScenario('03-jason-to-v2.yaml'), ...loadExample('scenarios/02a-canary-90-10.yaml').map((o) => ({ ...o, metadata: { ...o.metadata, name: 'reviews-90-10' } }))];
const R = (subset: string, svc = 'reviews', port = 9080) => `outbound|${port}|${subset}|${svc}.default.svc.cluster.local`;

function sim(): Simulation {
  const s = new Simulation(translateProxy(proxy, bookinfoPush(objects, { services: [bookinfoService('web', 80)] })).resources);
  assert.deepEqual(s.decoded.errors, []);
  return s;
}

test('HTTP_PROXY listener on 127.0.0.1: Host <service>:<port> reaches the VirtualService routes', () => {
  const s = sim();
  const l = s.decoded.listeners.get('weft_outbound_http')!;
  assert.deepEqual([l.address.host, l.address.port], ['127.0.0.1', 15080]);
  for (const authority of ['reviews:9080', 'reviews.default:9080', 'reviews.default.svc.cluster.local:9080']) {
    assert.equal(s.route('weft_outbound_http', { authority, headers: { 'end-user': 'jason' } })?.cluster, R('v2'), authority);
    assert.equal(s.route('weft_outbound_http', { authority })?.cluster, R('v1'), authority);
  }
  assert.equal(s.route('weft_outbound_http', { authority: 'ratings:9080' })?.cluster, R('', 'ratings'));
  assert.equal(s.route('weft_outbound_http', { authority: 'web' })?.cluster, 'outbound|80||web.default.svc.cluster.local', 'port 80 also without the port');
  assert.equal(s.route('weft_outbound_http', { authority: 'reviews:1234' })?.directResponseStatus, 502, 'an unknown port is an unknown host');
});

test('the older VirtualService for reviews wins (the 90/10 one is shadowed, as Istio does for sidecars)', () => {
  const out = translateProxy(proxy, bookinfoPush(objects));
  assert.ok(out.messages.some((m) => m.code === 'WEFT_TR_VIRTUAL_SERVICE_SHADOWED' && m.key === 'VirtualService reviews-90-10.default'));
  assert.deepEqual(distribution(sim(), 'weft_outbound_http', { authority: 'reviews:9080' }), { [R('v1')]: 100 });
});

test('inbound_9080 listens where the registry publishes this workload, and forwards to the app port', () => {
  const s = sim();
  const l = s.decoded.listeners.get('inbound_9080')!;
  assert.deepEqual([l.address.host, l.address.port], ['127.0.0.1', 16001], 'loopback by default (weft up --bind moves it)');
  const r = s.route('inbound_9080', { authority: 'productpage:9080', path: '/productpage' })!;
  assert.equal(r.cluster, 'inbound|9080||');
  assert.equal(r.timeoutMs, 0);
  const cc = s.decoded.clusters.get('inbound|9080||')!;
  assert.deepEqual(cc.endpoints.map((e) => [e.host, e.port]), [['127.0.0.1', 19080]]);
  assert.ok(!s.decoded.listeners.has('virtualInbound'), 'no 15006 listener in local mode (every sidecar would want it)');
  assert.ok(!s.decoded.listeners.has('0.0.0.0_9080'), 'no per-port outbound listeners in local mode');
});
