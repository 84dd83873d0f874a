import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StaticRegistry } from '../ingest/static-registry.js';
import { makeEndpoint, makeService } from '../ingest/service-builders.js';
import { dr, gateway, proxy, sidecar, vs } from './model-test-fixtures.js';
import { buildPushContext } from './push-context.js';
import type { Accepted } from './types.js';
import type { ConfigObject } from '../../api/networking.js';

const svc = (host: string, ns: string, exportTo?: string[]) => makeService({ hostname: host, namespace: ns, ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], ...(exportTo ? { exportTo } : {}) });
const fq = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;

function ctxOf(configs: Accepted<ConfigObject<string, unknown>>[], services = [svc(fq('reviews', 'default'), 'default'), svc(fq('ratings', 'prod'), 'prod')]) {
  return buildPushContext({ configs: configs as Accepted<ConfigObject>[], registry: new StaticRegistry(services) });
}

test('destinationRule: proxy namespace, then service namespace, then root; exportTo respected', () => {
  const host = fq('ratings', 'prod');
  const configs = [
    dr('root', 'istio-system', { host }),
    dr('svc-ns', 'prod', { host: 'ratings' }),
    dr('client', 'shop', { host, exportTo: ['.'] }),
    dr('hidden', 'prod', { host: 'other', exportTo: ['.'] }),
  ];
  const ctx = ctxOf(configs, [svc(host, 'prod'), svc(fq('other', 'prod'), 'prod')]);
  const cases: [string, string, string | undefined][] = [
    ['shop', host, 'DestinationRule client.shop'],
    ['prod', host, 'DestinationRule svc-ns.prod'],
    ['elsewhere', host, 'DestinationRule svc-ns.prod'],
    ['istio-system', host, 'DestinationRule root.istio-system'],
    ['elsewhere', fq('other', 'prod'), undefined], // exported to prod only
    ['prod', fq('other', 'prod'), 'DestinationRule hidden.prod'],
  ];
  for (const [ns, h, want] of cases) assert.equal(ctx.destinationRule(ns, h)?.key, want, `${ns} → ${h}`);
  // The returned host is resolved, the input untouched.
  assert.equal(ctx.destinationRule('prod', host)!.obj.spec.host, host);
  assert.equal(configs[1]!.obj.spec.host, 'ratings');
});

test('destinationRule: root namespace used when nothing closer exists, and only when exported', () => {
  const ctx = ctxOf([dr('mesh-wide', 'istio-system', { host: '*.svc.cluster.local' }), dr('private-root', 'istio-system', { host: '*.prod.svc.cluster.local', exportTo: ['.'] })]);
  assert.equal(ctx.destinationRule('default', fq('reviews', 'default'))?.key, 'DestinationRule mesh-wide.istio-system');
  // Most specific root rule is private: as Istio, no fallback to the less specific exported one.
  assert.equal(ctx.destinationRule('default', fq('ratings', 'prod')), undefined);
});

test('destinationRule: exact host beats wildcard, longest wildcard wins', () => {
  const ctx = ctxOf(
    [dr('star', 'default', { host: '*' }), dr('wide', 'default', { host: '*.example.com' }), dr('narrow', 'default', { host: '*.api.example.com' }), dr('exact', 'default', { host: 'v1.api.example.com' })],
    [],
  );
  const cases: [string, string][] = [
    ['v1.api.example.com', 'exact'],
    ['v2.api.example.com', 'narrow'],
    ['www.example.com', 'wide'],
    ['other.org', 'star'],
  ];
  for (const [h, want] of cases) assert.equal(ctx.destinationRule('default', h)?.key, `DestinationRule ${want}.default`, h);
});

test('destinationRule: workloadSelector rules need the proxy labels; same-host rules merge, oldest first', () => {
  const host = fq('reviews', 'default');
  const ctx = ctxOf([
    dr('a', 'default', { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }], trafficPolicy: { loadBalancer: { simple: 'RANDOM' } } }),
    dr('b', 'default', { host, subsets: [{ name: 'v1', labels: { version: 'x' } }, { name: 'v2', labels: { version: 'v2' } }], trafficPolicy: { loadBalancer: { simple: 'LEAST_REQUEST' } } }),
    dr('sel', 'default', { host, workloadSelector: { matchLabels: { app: 'productpage' } } }),
  ]);
  const merged = ctx.destinationRule('default', host)!;
  assert.equal(merged.key, 'DestinationRule a.default');
  assert.deepEqual(merged.obj.spec.subsets!.map((s) => `${s.name}=${s.labels!.version}`), ['v1=v1', 'v2=v2']);
  assert.equal(merged.obj.spec.trafficPolicy!.loadBalancer!.simple, 'RANDOM');
  assert.ok(ctx.notes.some((n) => n.key === 'DestinationRule b.default' && n.message.includes('merged')));
  assert.equal(ctx.destinationRule('default', host, { app: 'productpage' })?.key, 'DestinationRule sel.default');
  assert.equal(ctx.destinationRule('default', host, { app: 'other' })?.key, 'DestinationRule a.default');
  assert.throws(() => {
    (merged.obj.spec as { host: string }).host = 'x';
  }, TypeError);
});

test('virtualServices: gateway binding, name resolution, exportTo order, resolved copies', () => {
  const configs = [
    vs('public-old', 'other', { hosts: ['reviews.default.svc.cluster.local'], http: [{ route: [{ destination: { host: 'reviews.default.svc.cluster.local' } }] }] }),
    vs('mine', 'default', { hosts: ['reviews'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], mirror: { host: 'ratings.prod' } }] }),
    vs('to-default', 'prod', { hosts: ['ratings'], exportTo: ['default'] }),
    vs('gw-short', 'default', { hosts: ['bookinfo.example.com'], gateways: ['bookinfo-gateway'] }),
    vs('gw-both', 'prod', { hosts: ['api.example.com'], gateways: ['istio-system/ingress', 'mesh'], http: [{ match: [{ gateways: ['istio-system/ingress'] }] }] }),
    vs('gw-dot', 'prod', { hosts: ['x.example.com'], gateways: ['./edge'] }),
    vs('delegate', 'default', { http: [] }),
  ];
  const ctx = ctxOf(configs);
  const keys = (ns: string, gw: string) => ctx.virtualServices(ns, gw).map((a) => a.obj.metadata.name);
  assert.deepEqual(keys('default', 'mesh'), ['mine', 'to-default', 'public-old', 'gw-both']);
  assert.deepEqual(keys('prod', 'mesh'), ['public-old', 'gw-both']);
  assert.deepEqual(keys('other', 'mesh'), ['public-old', 'gw-both']);
  assert.deepEqual(keys('default', 'default/bookinfo-gateway'), ['gw-short']);
  assert.deepEqual(keys('shop', 'default/bookinfo-gateway'), ['gw-short']);
  assert.deepEqual(keys('istio-system', 'istio-system/ingress'), ['gw-both']);
  assert.deepEqual(keys('default', 'prod/edge'), ['gw-dot']);
  assert.deepEqual(keys('default', 'istio-system/other'), []);
  assert.deepEqual(ctx.delegateVirtualServices.map((d) => d.obj.metadata.name), ['delegate']);

  const mine = ctx.virtualServices('default', 'mesh')[0]!;
  assert.deepEqual(mine.obj.spec.hosts, [fq('reviews', 'default')]);
  assert.equal(mine.obj.spec.http![0]!.route![0]!.destination.host, fq('reviews', 'default'));
  assert.equal(mine.obj.spec.http![0]!.mirror!.host, fq('ratings', 'prod'));
  assert.equal(mine.key, 'VirtualService mine.default');
  assert.deepEqual(ctx.virtualServices('default', 'default/bookinfo-gateway')[0]!.obj.spec.gateways, ['default/bookinfo-gateway']);
  // inputs untouched, outputs frozen
  assert.deepEqual(configs[1]!.obj.spec.hosts, ['reviews']);
  assert.ok(Object.isFrozen(mine.obj.spec.hosts));
});

test('sidecarFor: selector match in namespace, else namespace default, else root default; gateways get none', () => {
  const ctx = ctxOf([
    sidecar('root', 'istio-system', { egress: [{ hosts: ['./*', 'istio-system/*'] }] }),
    sidecar('root-selected', 'istio-system', { workloadSelector: { labels: { app: 'x' } } }),
    sidecar('ns-default', 'default', {}),
    sidecar('ns-reviews', 'default', { workloadSelector: { labels: { app: 'reviews' } } }),
    sidecar('ns-reviews-later', 'default', { workloadSelector: { labels: { app: 'reviews' } } }),
  ]);
  const cases: [string, Record<string, string>, 'sidecar' | 'router' | 'grpc', string | undefined][] = [
    ['default', { app: 'reviews', version: 'v1' }, 'sidecar', 'ns-reviews'],
    ['default', { app: 'ratings' }, 'sidecar', 'ns-default'],
    ['prod', { app: 'x' }, 'sidecar', 'root'],
    ['prod', {}, 'grpc', 'root'],
    ['default', { app: 'reviews' }, 'router', undefined],
  ];
  for (const [ns, labels, type, want] of cases) assert.equal(ctx.sidecarFor(proxy(ns, labels, type))?.obj.metadata.name, want, `${ns} ${JSON.stringify(labels)} ${type}`);
  assert.equal(ctxOf([]).sidecarFor(proxy('default')), undefined);
});

test('servicesVisibleTo: exportTo, then Sidecar egress hosts; services a selected VirtualService routes to stay', () => {
  const services = [
    svc(fq('reviews', 'default'), 'default'),
    svc(fq('ratings', 'prod'), 'prod'),
    svc(fq('secret', 'prod'), 'prod', ['.']),
    svc(fq('only-shop', 'prod'), 'prod', ['shop']),
    svc('api.example.com', 'istio-system'),
    svc('api.example.com', 'shop'), // same host, other namespace: shop proxies prefer their own
    svc(fq('details', 'backend'), 'backend'),
  ];
  const configs = [
    sidecar('shop', 'shop', { egress: [{ hosts: ['./*', 'prod/*', '*/api.example.com'] }] }),
    sidecar('locked', 'locked', { egress: [{ hosts: ['~/*'] }] }),
    sidecar('via-vs', 'vsns', { egress: [{ hosts: ['./*'] }] }),
    vs('to-details', 'vsns', { hosts: ['frontend.vsns.svc.cluster.local'], http: [{ route: [{ destination: { host: fq('details', 'backend') } }] }] }),
    sidecar('empty-egress', 'open', {}),
  ];
  const ctx = ctxOf(configs, services);
  const hosts = (ns: string) => ctx.servicesVisibleTo(proxy(ns)).map((s) => `${s.hostname}@${s.namespace}`).sort();
  assert.deepEqual(hosts('default'), ['api.example.com@istio-system', `${fq('details', 'backend')}@backend`, `${fq('ratings', 'prod')}@prod`, `${fq('reviews', 'default')}@default`]);
  assert.deepEqual(hosts('prod'), ['api.example.com@istio-system', `${fq('details', 'backend')}@backend`, `${fq('ratings', 'prod')}@prod`, `${fq('reviews', 'default')}@default`, `${fq('secret', 'prod')}@prod`]);
  assert.deepEqual(hosts('shop'), ['api.example.com@shop', `${fq('only-shop', 'prod')}@prod`, `${fq('ratings', 'prod')}@prod`]);
  assert.deepEqual(hosts('locked'), []);
  assert.deepEqual(hosts('vsns'), [`${fq('details', 'backend')}@backend`]);
  assert.equal(hosts('open').length, 4); // a Sidecar without egress means */*
  assert.deepEqual(ctx.virtualServicesVisibleTo(proxy('vsns')).map((v) => v.obj.metadata.name), ['to-details']);
  assert.deepEqual(ctx.virtualServicesVisibleTo(proxy('locked')), []);
});

test('gatewaysFor: selector match for router proxies only', () => {
  const ctx = ctxOf([
    gateway('ingress', 'istio-system', { selector: { istio: 'ingressgateway' }, servers: [] }),
    gateway('egress', 'istio-system', { selector: { istio: 'egressgateway' }, servers: [] }),
    gateway('any', 'shop', { servers: [] }),
  ]);
  assert.deepEqual(ctx.gatewaysFor(proxy('istio-system', { istio: 'ingressgateway', app: 'x' }, 'router')).map((g) => g.key), ['Gateway ingress.istio-system', 'Gateway any.shop']);
  assert.deepEqual(ctx.gatewaysFor(proxy('istio-system', { istio: 'ingressgateway' }, 'sidecar')), []);
});

test('endpoints and withEndpoints: snapshot at build, EDS-only refresh keeps config indexes', () => {
  const host = fq('reviews', 'default');
  const reg = new StaticRegistry([svc(host, 'default')], [makeEndpoint({ hostname: host, servicePort: 9080, address: '10.0.0.1' })]);
  const ctx = buildPushContext({ configs: [vs('r', 'default', { hosts: ['reviews'] })] as Accepted<ConfigObject>[], registry: reg, version: '7' });
  assert.equal(ctx.version, '7');
  assert.deepEqual(ctx.endpoints(host, 9080).map((e) => e.address), ['10.0.0.1']);
  assert.deepEqual(ctx.endpoints(host, 1), []);
  assert.equal(ctx.serviceByHost(host)?.namespace, 'default');
  assert.equal(ctx.serviceByHost('nope'), undefined);
  reg.setEndpoints([makeEndpoint({ hostname: host, servicePort: 9080, address: '10.0.0.2' })]);
  assert.deepEqual(ctx.endpoints(host, 9080).map((e) => e.address), ['10.0.0.1'], 'a built context never changes');
  const next = ctx.withEndpoints(reg);
  assert.deepEqual(next.endpoints(host, 9080).map((e) => e.address), ['10.0.0.2']);
  assert.equal(next.virtualServices('default', 'mesh')[0], ctx.virtualServices('default', 'mesh')[0]);
  assert.ok(Number(next.version) > 0 && next.version !== ctx.version);
  const a = buildPushContext({ configs: [] });
  const b = buildPushContext({ configs: [] });
  assert.ok(Number(b.version) > Number(a.version));
  assert.equal(a.mesh.domainSuffix, 'cluster.local');
  assert.equal(ctx.resolveHost('ratings.prod', 'default'), 'ratings.prod');
  assert.equal(ctxOf([]).resolveHost('ratings.prod', 'default'), fq('ratings', 'prod'));
});
