// A mesh for outbound TLS tests (test support only): Bookinfo (every
// workload with a sidecar) plus services that exercise each way a cluster
// gets its TLS. Shared by the golden scenario and the unit tests so both
// read the same config.
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TLS_MODE_LABEL, type NetworkingObject, type ServiceEntry } from '../../api/networking.js';
import { tempDir, x509 } from '../ca/ca-test-kit.js';
import type { ProxyResources } from '../model/types.js';
import { destinationRule } from './test-bookinfo.js';

const SIDECAR = { [TLS_MODE_LABEL]: 'istio' };

function serviceEntry(name: string, spec: ServiceEntry['spec']): ServiceEntry {
  return { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'default' }, spec };
}

/** The file names the DestinationRules use (as Istio's docs write them; golden files keep them). */
export const CA_FILES = { cert: '/etc/certs/client.pem', key: '/etc/certs/client-key.pem', ca: '/etc/certs/db-ca.pem', crl: '/etc/certs/db-ca.crl', apiCa: '/etc/certs/api-ca.pem' } as const;

/**
 * Real files for CA_FILES (a P-256 CA, a client certificate it signed with
 * its key, an empty CRL it signed), so a proxy that reads and checks them at
 * decode time, as Envoy does, can take the config. Returns the name → path
 * map and a cleanup.
 */
export async function writeOutboundTlsFiles(): Promise<{ files: ReadonlyMap<string, string>; cleanup: () => void }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as EcKeyGenParams;
  const gen = () => webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
  const caKeys = await gen();
  const now = Date.now();
  const validity = { notBefore: new Date(now - 3600_000), notAfter: new Date(now + 24 * 3600_000) };
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=outbound TLS test CA', keys: caKeys, signingAlgorithm: alg, ...validity,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  const clientKeys = await gen();
  const client = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=client', issuer: ca.subject, publicKey: clientKeys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg, ...validity,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  const crl = await x509.X509CrlGenerator.create({ issuer: ca.subject, thisUpdate: validity.notBefore, nextUpdate: validity.notAfter, signingKey: caKeys.privateKey, signingAlgorithm: alg, entries: [] });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', clientKeys.privateKey), 'PRIVATE KEY');
  const { dir, cleanup } = tempDir('weft-outbound-tls-');
  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const caPath = write('ca.pem', ca.toString('pem'));
  const files = new Map<string, string>([
    [CA_FILES.cert, write('client.pem', client.toString('pem'))],
    [CA_FILES.key, write('client-key.pem', keyPem)],
    [CA_FILES.ca, caPath],
    [CA_FILES.apiCa, caPath],
    [CA_FILES.crl, write('ca.crl', x509.PemConverter.encode(crl.rawData, 'X509 CRL'))],
  ]);
  return { files, cleanup };
}

/** `r` with every DataSource filename found in `files` replaced by its real path. */
export function withFiles(r: ProxyResources, files: ReadonlyMap<string, string>): ProxyResources {
  const swap = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(swap);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'filename' && typeof x === 'string' ? files.get(x) ?? x : swap(x)]));
  };
  return swap(r) as ProxyResources;
}

/** The objects, oldest first. */
export function outboundTlsObjects(): NetworkingObject[] {
  return [
    // Auto mTLS over mixed endpoints: one with a sidecar, one without (and an HTTP/2 port: ALPN adds h2).
    serviceEntry('mixed', {
      hosts: ['mixed.default.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC',
      ports: [{ number: 8080, name: 'grpc', protocol: 'GRPC' }],
      endpoints: [
        { address: '10.0.1.1', labels: { app: 'mixed', ...SIDECAR }, serviceAccount: 'mixed-a' },
        { address: '10.0.1.2', labels: { app: 'mixed' }, serviceAccount: 'mixed-b' },
      ],
    }),
    // A VM with a sidecar whose ServiceEntry names an extra identity (added to the SANs).
    serviceEntry('vm', {
      hosts: ['vm.example.com'], location: 'MESH_INTERNAL', resolution: 'STATIC', subjectAltNames: ['spiffe://cluster.local/ns/default/sa/legacy-vm'],
      ports: [{ number: 7000, name: 'tcp', protocol: 'TCP' }],
      endpoints: [{ address: '10.0.2.1', labels: SIDECAR, serviceAccount: 'vm-sa' }],
    }),
    // Two ports: ISTIO_MUTUAL for the service, DISABLE on one port (port-level overrides).
    serviceEntry('multi', {
      hosts: ['multi.default.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC',
      ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }, { number: 9090, name: 'tcp', protocol: 'TCP' }],
      endpoints: [{ address: '10.0.3.1', labels: SIDECAR, serviceAccount: 'multi' }],
    }),
    destinationRule('multi', { host: 'multi.default.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: [{ port: { number: 9090 }, tls: { mode: 'DISABLE' } }] } }),
    // DISABLE: plaintext to sidecars too.
    destinationRule('details', { host: 'details', trafficPolicy: { tls: { mode: 'DISABLE' } } }),
    // ISTIO_MUTUAL with the user's sni and SANs.
    destinationRule('ratings', { host: 'ratings', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', sni: 'ratings.custom.sni', subjectAltNames: ['spiffe://other.domain/ns/default/sa/ratings'] } } }),
    // Subsets: v1 inherits ISTIO_MUTUAL, v2 overrides with DISABLE, v3's port-level settings replace every part (tls too: auto mTLS).
    destinationRule('reviews', {
      host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'DISABLE' } } },
        { name: 'v3', labels: { version: 'v3' }, trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, loadBalancer: { simple: 'ROUND_ROBIN' } }] } },
      ],
    }),
    // SIMPLE with caCertificates, sni and subjectAltNames to an external host.
    serviceEntry('api', { hosts: ['api.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }] }),
    destinationRule('api', { host: 'api.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', caCertificates: CA_FILES.apiCa, sni: 'api.example.com', subjectAltNames: ['api.example.com'] } } }),
    // SIMPLE without verification.
    serviceEntry('legacy', { hosts: ['legacy.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 8443, name: 'tls', protocol: 'TLS' }] }),
    destinationRule('legacy', { host: 'legacy.example.com', trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } } }),
    // MUTUAL with files and a CRL.
    serviceEntry('db', { hosts: ['db.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }] }),
    destinationRule('db', { host: 'db.example.com', trafficPolicy: { tls: { mode: 'MUTUAL', clientCertificate: CA_FILES.cert, privateKey: CA_FILES.key, caCertificates: CA_FILES.ca, caCrl: CA_FILES.crl, sni: 'db.example.com' } } }),
    // MUTUAL with credentialName (SDS over ADS), on an HTTP/2 port.
    serviceEntry('partner', { hosts: ['partner.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 9443, name: 'http2', protocol: 'HTTP2' }] }),
    destinationRule('partner', { host: 'partner.example.com', trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'partner-cred' } } }),
  ];
}
