import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClientTlsProvider, dnsNameMatch } from './client-tls-provider.js';
import { MemorySecretStore } from './secret-store.js';
import type { UpstreamTlsConfig } from './tls-config.js';

const ref = { name: 'default', source: { kind: 'ads' as const } };
const cfg = (o: Partial<UpstreamTlsConfig> = {}, alpn: string[] = []): UpstreamTlsConfig => ({
  common: { certificates: [{ kind: 'sds', ref }], alpnProtocols: alpn, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
  sni: '', allowRenegotiation: false, maxSessionKeys: 1, ...o,
});

test('an SDS certificate that has not arrived: no options, the reason names the secret; the subscription starts the fetch and ends on close', () => {
  const store = new MemorySecretStore();
  const asked: string[] = [];
  store.onFirstSubscribe = (r) => asked.push(r.name);
  const p = createClientTlsProvider(cfg(), { secrets: store, statPrefix: 'cluster.c.ssl.', autoSanValidation: false });
  assert.deepEqual(asked, ['default']);
  const o = p.connectOptions({ address: '127.0.0.1', hostname: 'h' });
  assert.equal(o.ok, false);
  assert.match(o.ok ? '' : o.reason, /"default"/);
  p.close();
});

test('SNI: the configured sni, auto_sni\'s name over it, none otherwise; ALPN: alpn_protocols, else the cluster protocol\'s', () => {
  const store = new MemorySecretStore();
  const none = createClientTlsProvider({ ...cfg(), common: { ...cfg().common, certificates: [] } }, { secrets: store, statPrefix: 'x.', autoSanValidation: false });
  const a = none.connectOptions({ address: '127.0.0.1', hostname: 'h' }, { alpnFallback: ['h2'] });
  assert.ok(a.ok);
  assert.equal(a.options.servername, '');
  assert.deepEqual(a.options.ALPNProtocols, ['h2']);
  const sni = createClientTlsProvider({ ...cfg({ sni: 'svc.example.com' }, ['istio', 'h2']), common: { ...cfg({}, ['istio', 'h2']).common, certificates: [] } }, { secrets: store, statPrefix: 'x.', autoSanValidation: false });
  const b = sni.connectOptions({ address: '127.0.0.1', hostname: 'h' }, { alpnFallback: ['http/1.1'] });
  assert.ok(b.ok);
  assert.equal(b.options.servername, 'svc.example.com');
  assert.deepEqual(b.options.ALPNProtocols, ['istio', 'h2']);
  const c = sni.connectOptions({ address: '127.0.0.1', hostname: 'h' }, { serverName: 'auto.example.com' });
  assert.ok(c.ok);
  assert.equal(c.options.servername, 'auto.example.com');
});

test('dnsNameMatch: exact (case-insensitive) and one-label wildcards', () => {
  assert.ok(dnsNameMatch('API.example.com', 'api.example.com'));
  assert.ok(dnsNameMatch('a.wild.example.com', '*.wild.example.com'));
  assert.ok(!dnsNameMatch('a.b.wild.example.com', '*.wild.example.com'));
  assert.ok(!dnsNameMatch('wild.example.com', '*.wild.example.com'));
});
