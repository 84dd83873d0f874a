// DestinationRule tls (ClientTLSSettings) validated as Istio's ValidateTLS:
// the examples from Istio's DestinationRule reference and TLS origination
// tasks pass, every inconsistency is an error with its field path, at every
// place a tls block can sit (top level, port level, subset).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateObject } from './validate-object.js';

const dr = (host: string, spec: Record<string, unknown>) =>
  ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'x', namespace: 'default' }, spec: { host, ...spec } });
const tls = (t: Record<string, unknown>) => dr('db.example.com', { trafficPolicy: { tls: t } });
const found = (doc: unknown) => validateObject(doc).messages.map((m) => `${m.code} ${m.severity} ${m.path}`).sort();

describe('DestinationRule tls: Istio\'s documented examples are valid, with no warning', () => {
  const cases: [string, unknown][] = [
    // DestinationRule reference, ClientTLSSettings: "db-mtls".
    ['MUTUAL with files', tls({ mode: 'MUTUAL', clientCertificate: '/etc/certs/myclientcert.pem', privateKey: '/etc/certs/client_private_key.pem', caCertificates: '/etc/certs/rootcacerts.pem' })],
    // "tls-foo": SIMPLE to *.foo.com, the server checked with the system's roots.
    ['SIMPLE without a CA', dr('*.foo.com', { trafficPolicy: { tls: { mode: 'SIMPLE' } } })],
    // "ratings-istio-mtls".
    ['ISTIO_MUTUAL', dr('ratings.prod.svc.cluster.local', { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })],
    // Egress TLS origination with mutual TLS (credentialName and sni).
    ['MUTUAL with credentialName and sni', dr('my-nginx.mesh-external.svc.cluster.local', { trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'MUTUAL', credentialName: 'client-credential', sni: 'my-nginx.mesh-external.svc.cluster.local' } }] } })],
    ['SIMPLE with credentialName (CA from the credential)', tls({ mode: 'SIMPLE', credentialName: 'db-ca' })],
    ['SIMPLE with caCertificates, caCrl, sni and subjectAltNames', tls({ mode: 'SIMPLE', caCertificates: '/ca.pem', caCrl: '/ca.crl', sni: 'db.example.com', subjectAltNames: ['db.example.com'] })],
    ['SIMPLE insecureSkipVerify', tls({ mode: 'SIMPLE', insecureSkipVerify: true, sni: 'db.example.com' })],
    ['MUTUAL insecureSkipVerify with credentialName', tls({ mode: 'MUTUAL', insecureSkipVerify: true, credentialName: 'c' })],
    ['ISTIO_MUTUAL with sni and subjectAltNames', tls({ mode: 'ISTIO_MUTUAL', sni: 'x.example.com', subjectAltNames: ['spiffe://cluster.local/ns/a/sa/b'] })],
    ['DISABLE', tls({ mode: 'DISABLE' })],
  ];
  for (const [name, doc] of cases) it(name, () => assert.deepEqual(found(doc), []));
});

describe('DestinationRule tls: Istio\'s errors, each with its path (WEFT0113)', () => {
  const cases: [string, unknown, string[]][] = [
    ['MUTUAL without client certificate and key', tls({ mode: 'MUTUAL' }), ['WEFT0113 error spec.trafficPolicy.tls.clientCertificate', 'WEFT0113 error spec.trafficPolicy.tls.privateKey']],
    ['MUTUAL without key', tls({ mode: 'MUTUAL', clientCertificate: '/c.pem' }), ['WEFT0113 error spec.trafficPolicy.tls.privateKey']],
    ['credentialName with a client certificate', tls({ mode: 'MUTUAL', credentialName: 'c', clientCertificate: '/c.pem' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['credentialName with caCertificates', tls({ mode: 'SIMPLE', credentialName: 'c', caCertificates: '/ca.pem' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['credentialName with caCrl', tls({ mode: 'SIMPLE', credentialName: 'c', caCrl: '/ca.crl' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['SIMPLE insecureSkipVerify with caCertificates', tls({ mode: 'SIMPLE', insecureSkipVerify: true, caCertificates: '/ca.pem' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['SIMPLE insecureSkipVerify with subjectAltNames', tls({ mode: 'SIMPLE', insecureSkipVerify: true, subjectAltNames: ['a'] }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['SIMPLE insecureSkipVerify with credentialName', tls({ mode: 'SIMPLE', insecureSkipVerify: true, credentialName: 'c' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['MUTUAL insecureSkipVerify with caCertificates', tls({ mode: 'MUTUAL', insecureSkipVerify: true, caCertificates: '/ca.pem', clientCertificate: '/c.pem', privateKey: '/k.pem' }), ['WEFT0113 error spec.trafficPolicy.tls']],
    ['an unknown mode', tls({ mode: 'STRICT' }), ['WEFT0013 error spec.trafficPolicy.tls.mode']],
    ['an unknown field', tls({ mode: 'SIMPLE', verify: true }), ['WEFT0010 error spec.trafficPolicy.tls.verify']],
  ];
  for (const [name, doc, expected] of cases) it(name, () => assert.deepEqual(found(doc), expected));

  it('every error at once, at port level and in subsets', () => {
    const doc = dr('db.example.com', {
      trafficPolicy: { portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'MUTUAL' } }] },
      subsets: [{ name: 'v1', labels: { v: '1' }, trafficPolicy: { tls: { mode: 'SIMPLE', credentialName: 'c', privateKey: '/k.pem' } } }],
    });
    assert.deepEqual(found(doc), [
      'WEFT0113 error spec.subsets[0].trafficPolicy.tls',
      'WEFT0113 error spec.trafficPolicy.portLevelSettings[0].tls.clientCertificate',
      'WEFT0113 error spec.trafficPolicy.portLevelSettings[0].tls.privateKey',
    ]);
  });
});

describe('DestinationRule tls: warnings', () => {
  it('ISTIO_MUTUAL ignores certificate files and credentialName (WEFT0152)', () => {
    assert.deepEqual(found(tls({ mode: 'ISTIO_MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem' })), ['WEFT0152 warning spec.trafficPolicy.tls']);
  });
  it('no mode is honoured with a warning anymore: the retired WEFT0160/WEFT0161 never appear', () => {
    for (const mode of ['ISTIO_MUTUAL', 'SIMPLE']) assert.deepEqual(found(tls({ mode })), [], mode);
  });
});
