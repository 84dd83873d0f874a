import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigObject } from '../../api/networking.js';
import { se, we } from '../model/model-test-fixtures.js';
import { buildPushContext } from '../model/push-context.js';
import type { Accepted } from '../model/types.js';
import { CompositeRegistry } from './composite-registry.js';
import { ConfigRegistry } from './config-registry.js';
import type { RegistryChange } from './registry-listeners.js';
import { makeEndpoint, makeService } from './service-builders.js';
import { StaticRegistry } from './static-registry.js';

const list = (...xs: Accepted<ConfigObject<string, unknown>>[]) => xs as Accepted<ConfigObject>[];

test('ServiceEntry: hosts as written, defaults, protocols from protocol or port name', () => {
  const reg = new ConfigRegistry(
    list(
      se('ext', 'default', {
        hosts: ['api.example.com', 'reviews'],
        ports: [
          { number: 443, name: 'https', protocol: 'tls' },
          { number: 80, name: 'http-web' },
          { number: 9000, name: 'metrics' },
          { number: 8080, name: 'grpc-api', protocol: 'Http2', targetPort: 18080 },
        ],
      }),
    ),
  );
  const svcs = reg.services();
  assert.deepEqual(svcs.map((s) => s.hostname), ['api.example.com', 'reviews']); // not expanded
  const s = svcs[0]!;
  assert.equal(s.namespace, 'default');
  assert.equal(s.resolution, 'NONE');
  assert.equal(s.location, 'MESH_EXTERNAL');
  assert.deepEqual(s.exportTo, ['*']);
  assert.equal(s.source, 'ServiceEntry ext.default');
  assert.deepEqual(s.ports.map((p) => `${p.port}/${p.protocol}/${p.targetPort ?? '-'}`), ['443/TLS/-', '80/HTTP/-', '9000/TCP/-', '8080/HTTP2/18080']);
  assert.deepEqual(reg.endpoints('api.example.com', 443), []);
});

test("ServiceEntry endpoints: inline and WorkloadEntries by selector, port mapping, weights, weft up's mesh services", () => {
  const host = 'reviews.default.svc.cluster.local';
  const configs = list(
    se('reviews', 'default', {
      hosts: [host],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }, { number: 9090, name: 'tcp-admin', targetPort: 19090 }],
      workloadSelector: { labels: { app: 'reviews' } },
    }),
    we('reviews-v1', 'default', { address: '127.0.0.1', ports: { http: 20001 }, labels: { app: 'reviews', version: 'v1' }, serviceAccount: 'bookinfo-reviews', locality: 'us/east/a' }),
    we('reviews-v2', 'default', { address: '127.0.0.2', labels: { app: 'reviews', version: 'v2' }, weight: 3 }),
    we('reviews-other-ns', 'prod', { address: '127.0.0.3', labels: { app: 'reviews' } }),
    we('ratings', 'default', { address: '127.0.0.4', labels: { app: 'ratings' } }),
    se('ext', 'default', {
      hosts: ['db.example.com'],
      resolution: 'STATIC',
      ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }],
      endpoints: [{ address: '10.9.9.9', labels: { zone: 'a' } }, { address: '10.9.9.8', ports: { tcp: 6432 }, weight: 0 }],
    }),
    se('dns', 'default', { hosts: ['api.example.com', '*.wild.example.com'], resolution: 'DNS', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] }),
  );
  const reg = new ConfigRegistry(configs);
  const eps = reg.endpoints(host, 9080);
  assert.deepEqual(eps.map((e) => `${e.workload}@${e.address}:${e.port} w${e.weight}`), ['reviews-v1@127.0.0.1:20001 w1', 'reviews-v2@127.0.0.2:9080 w3']);
  assert.equal(eps[0]!.serviceAccount, 'bookinfo-reviews');
  assert.equal(eps[0]!.locality, 'us/east/a');
  assert.deepEqual(eps[0]!.labels, { app: 'reviews', version: 'v1' });
  assert.equal(eps[0]!.namespace, 'default');
  assert.equal(eps[0]!.servicePort, 9080);
  assert.deepEqual(reg.endpoints(host, 9090).map((e) => e.port), [19090, 19090]);
  assert.equal(reg.services()[0]!.ports[1]!.protocol, 'TCP');
  assert.deepEqual(reg.endpoints('db.example.com', 5432).map((e) => `${e.address}:${e.port} w${e.weight}`), ['10.9.9.9:5432 w1', '10.9.9.8:6432 w1']);
  assert.deepEqual(reg.endpoints('api.example.com', 443).map((e) => `${e.address}:${e.port}`), ['api.example.com:443']);
  assert.deepEqual(reg.endpoints('*.wild.example.com', 443), []);

  // The PushContext sees them through the registry.
  const ctx = buildPushContext({ configs, registry: reg });
  assert.equal(ctx.serviceByHost(host)?.location, 'MESH_INTERNAL');
  assert.equal(ctx.endpoints(host, 9080).length, 2);
});

test('ConfigRegistry changes: endpoints-only vs services, nothing on no-op; duplicate hosts oldest wins', () => {
  const entry = se('reviews', 'default', { hosts: ['reviews.default.svc.cluster.local'], resolution: 'STATIC', ports: [{ number: 9080, name: 'http' }], workloadSelector: { labels: { app: 'reviews' } } });
  const w1 = we('r1', 'default', { address: '10.0.0.1', labels: { app: 'reviews' } });
  const reg = new ConfigRegistry(list(entry, w1));
  const seen: RegistryChange[] = [];
  reg.onChange((w) => seen.push(w));
  assert.equal(reg.update(list(entry, w1)), undefined);
  assert.equal(reg.update(list(entry, we('r1', 'default', { address: '10.0.0.2', labels: { app: 'reviews' } }))), 'endpoints');
  assert.equal(reg.update(list(se('reviews', 'default', { ...entry.obj.spec, ports: [{ number: 9081, name: 'http' }] }), w1)), 'services');
  assert.deepEqual(seen, ['endpoints', 'services']);

  const dup = new ConfigRegistry(list(se('a', 'default', { hosts: ['x.example.com'] }), se('b', 'default', { hosts: ['x.example.com'] }), se('c', 'other', { hosts: ['x.example.com'] })));
  assert.deepEqual(dup.services().map((s) => s.source), ['ServiceEntry a.default', 'ServiceEntry c.other']);
  assert.match(dup.notes[0]!.message, /already defined by ServiceEntry a.default/);
});

test('StaticRegistry and CompositeRegistry: change kinds forwarded, first registry wins a service, endpoints merged', () => {
  const host = 'reviews.default.svc.cluster.local';
  const a = new StaticRegistry([makeService({ hostname: host, ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }], source: 'a' })], [makeEndpoint({ hostname: host, servicePort: 9080, address: '10.0.0.1' })]);
  const b = new StaticRegistry([makeService({ hostname: host, ports: [{ name: 'http', port: 9080 }], source: 'b' })], [makeEndpoint({ hostname: host, servicePort: 9080, address: '10.0.0.2', port: 19080 })]);
  const comp = new CompositeRegistry([a, b]);
  const seen: RegistryChange[] = [];
  comp.onChange((w) => seen.push(w));
  assert.deepEqual(comp.services().map((s) => s.source), ['a']);
  assert.deepEqual(comp.endpoints(host, 9080).map((e) => `${e.address}:${e.port}`), ['10.0.0.1:9080', '10.0.0.2:19080']);
  b.setEndpoints([]);
  a.set(a.services(), [makeEndpoint({ hostname: host, servicePort: 9080, address: '10.0.0.1' })]); // no change: no event
  a.set([], []);
  comp.add(new StaticRegistry());
  assert.deepEqual(seen, ['endpoints', 'services', 'services']);
  assert.deepEqual(comp.services().map((s) => s.source), ['b']);
});
