// SDS over its own gRPC stream (sds_config.api_config_source): a real
// grpc-js SecretDiscoveryService over TCP and over a Unix socket (a `pipe`
// endpoint, as Istio's sds-grpc cluster reaches istio-agent) feeding a real
// proxy. Rotation reaches the store and its subscribers; a bad secret is
// NACKed, counted and logged, and the last good one stays; /certs and
// /config_dump describe what the proxy holds.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../src/control/ca/index.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import type { SecretValue } from '../../src/proxy/tls/secret-store.js';
import type { SdsRef } from '../../src/proxy/tls/tls-config.js';
import { waitUntil } from '../helpers/net-harness.js';
import { startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { grpcClusterYaml, startSdsServer, type SdsTestServer } from '../helpers/sds-server.js';

const ID = 'spiffe://cluster.local/ns/default/sa/sleep';

function tlsSecret(name: string, chain: string, key: string) {
  return { name, tls_certificate: { certificate_chain: { inline_string: chain }, private_key: { inline_string: key } } };
}

const serialOf = (v: SecretValue | undefined) => (v?.kind === 'tls_certificate' ? new X509Certificate(v.certificate.certChainPem).serialNumber.toLowerCase() : undefined);

describe('SDS over an api_config_source gRPC cluster', { timeout: 30_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: CertificateAuthority;
  let tcp: SdsTestServer;
  let uds: SdsTestServer;
  let px: RunningProxy;
  const lines: string[] = [];
  let leaf1: { certChainPem: string; keyPem: string };
  let leaf2: { certChainPem: string; keyPem: string };

  before(async () => {
    tmp = tempDir('weft-sds-');
    ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    leaf1 = ca.issueServingCertificate({ uris: [ID] });
    leaf2 = ca.issueServingCertificate({ uris: [ID] });
    tcp = await startSdsServer('127.0.0.1:0');
    const sock = path.join(tmp.dir, 'sds.sock');
    uds = await startSdsServer(`unix:${sock}`);
    tcp.push('server_cert', 'v1', [tlsSecret('server_cert', leaf1.certChainPem, leaf1.keyPem)]);
    uds.push('default', 'v1', [tlsSecret('default', leaf1.certChainPem, leaf1.keyPem)]);
    uds.push('ROOTCA', 'r1', [{ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }]);
    px = await startProxy(`node: { id: sidecar~10.0.0.1~sleep.default~default.svc.cluster.local, cluster: sleep }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources:
  clusters:
${grpcClusterYaml('sds_tcp', `{ socket_address: { address: 127.0.0.1, port_value: ${tcp.port} } }`)}${grpcClusterYaml('sds-grpc', `{ pipe: { path: ${sock} } }`)}`, { logs: new LogRegistry('info', (l) => lines.push(l)) });
  });

  after(async () => {
    await px?.close();
    await tcp?.close();
    await uds?.close();
    tmp?.cleanup();
  });

  const apiRef = (name: string, clusterName: string): SdsRef => ({ name, source: { kind: 'api', clusterName } });
  const counter = async (name: string) => {
    const r = await px.admin(`/stats?format=json&filter=^${name.replace(/\./g, '\\.')}$`);
    const s = (JSON.parse(r.body) as { stats: { name: string; value: number }[] }).stats.find((x) => x.name === name);
    return s?.value ?? 0;
  };

  it('fetches a secret over TCP when a TLS context first asks for it, with the node and the name', async () => {
    const ref = apiRef('server_cert', 'sds_tcp');
    assert.equal(tcp.requests.length, 0, 'nothing is fetched before a subscriber asks');
    const seen: (string | undefined)[] = [];
    px.proxy.secrets.subscribe(ref, (v) => seen.push(serialOf(v)));
    await waitUntil(() => px.proxy.secrets.current(ref), 'server_cert over TCP');
    assert.equal(serialOf(px.proxy.secrets.current(ref)), new X509Certificate(leaf1.certChainPem).serialNumber.toLowerCase());
    const first = tcp.requests[0]!;
    assert.deepEqual(first.resource_names, ['server_cert']);
    assert.equal(first.type_url, 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret');
    assert.equal(first.node?.id, 'sidecar~10.0.0.1~sleep.default~default.svc.cluster.local');
    // The ACK carries the version and the nonce of the response.
    await waitUntil(() => tcp.requests.find((r) => r.version_info === 'v1' && r.response_nonce), 'ACK of v1');
    assert.equal(seen.length, 1);
    assert.equal(await counter('sds.server_cert.update_success'), 1);
  });

  it('fetches Istio\'s default and ROOTCA over a Unix socket (pipe endpoint), and rotation reaches subscribers', async () => {
    const def = apiRef('default', 'sds-grpc');
    const root = apiRef('ROOTCA', 'sds-grpc');
    const serials: (string | undefined)[] = [];
    px.proxy.secrets.subscribe(def, (v) => serials.push(serialOf(v)));
    px.proxy.secrets.subscribe(root, () => undefined);
    await waitUntil(() => px.proxy.secrets.current(def) && px.proxy.secrets.current(root), 'default and ROOTCA over the pipe');
    const rootValue = px.proxy.secrets.current(root)!;
    assert.equal(rootValue.kind, 'validation_context');
    assert.equal(uds.streams(), 2, 'one SDS stream per secret, as Envoy opens');

    uds.push('default', 'v2', [tlsSecret('default', leaf2.certChainPem, leaf2.keyPem)]);
    const s2 = new X509Certificate(leaf2.certChainPem).serialNumber.toLowerCase();
    await waitUntil(() => serialOf(px.proxy.secrets.current(def)) === s2, 'rotated default');
    assert.deepEqual(serials, [new X509Certificate(leaf1.certChainPem).serialNumber.toLowerCase(), s2]);
    await waitUntil(() => uds.requests.find((r) => r.resource_names?.[0] === 'default' && r.version_info === 'v2'), 'ACK of v2');
  });

  it('NACKs a bad secret (a key that is not the certificate\'s), counts and logs it, and keeps the last good one', async () => {
    const def = apiRef('default', 'sds-grpc');
    const before = serialOf(px.proxy.secrets.current(def));
    uds.push('default', 'v3', [tlsSecret('default', leaf1.certChainPem, leaf2.keyPem)]);
    const nack = await waitUntil(() => uds.requests.find((r) => r.resource_names?.[0] === 'default' && r.error_detail), 'NACK of v3');
    assert.equal(nack.version_info, 'v2', 'the NACK names the last accepted version');
    assert.equal(serialOf(px.proxy.secrets.current(def)), before);
    assert.equal(await counter('sds.default.update_rejected'), 1);
    assert.ok(lines.some((l) => l.includes('[sds]') && l.includes('rejected secret "default"')), 'one log line per rejected update');

    // A response with the wrong secret name is rejected the same way.
    uds.push('default', 'v4', [tlsSecret('other', leaf2.certChainPem, leaf2.keyPem)]);
    await waitUntil(async () => (await counter('sds.default.update_rejected')) === 2, 'second rejection');
    assert.equal(serialOf(px.proxy.secrets.current(def)), before);
  });

  it('shows the certificates in /certs with Envoy\'s fields', async () => {
    const r = await px.admin('/certs');
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as { certificates: { ca_cert: Record<string, unknown>[]; cert_chain: Record<string, unknown>[] }[] };
    const leaves = body.certificates.flatMap((c) => c.cert_chain);
    const cas = body.certificates.flatMap((c) => c.ca_cert);
    const s2 = new X509Certificate(leaf2.certChainPem).serialNumber.toLowerCase();
    const d = leaves.find((l) => l.serial_number === s2)!;
    assert.ok(d, 'the rotated default is listed');
    assert.deepEqual(d.subject_alt_names, [{ uri: ID }]);
    assert.equal(d.path, '<inline>');
    assert.match(d.days_until_expiration as string, /^\d+$/);
    assert.match(d.valid_from as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(new Date(d.expiration_time as string).getTime(), new Date(new X509Certificate(leaf2.certChainPem).validTo).getTime());
    assert.equal(cas.length, 1);
    assert.equal(cas[0]!.serial_number, new X509Certificate(ca.signingRootPem).serialNumber.toLowerCase());
  });

  it('lists the secrets in /config_dump with private keys redacted', async () => {
    const r = await px.admin('/config_dump');
    const dump = JSON.parse(r.body) as { configs: Record<string, unknown>[] };
    const secrets = dump.configs.find((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump')! as { dynamic_active_secrets: { name: string; version_info: string; secret: Record<string, any> }[] };
    assert.ok(secrets);
    const def = secrets.dynamic_active_secrets.find((s) => s.name === 'default')!;
    assert.equal(def.version_info, 'v2');
    assert.equal(def.secret['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret');
    assert.deepEqual(def.secret.tls_certificate.private_key, { inline_string: '[redacted]' });
    assert.equal(def.secret.tls_certificate.certificate_chain.inline_string, leaf2.certChainPem);
    assert.ok(!r.body.includes('PRIVATE KEY'), 'no private key anywhere in the dump');
    const only = JSON.parse((await px.admin('/config_dump?resource=dynamic_active_secrets')).body) as { configs: Record<string, unknown>[] };
    assert.ok(only.configs.length >= 3);
    assert.ok(only.configs.every((c) => c['@type'] === 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump.DynamicSecret'));
  });

  it('reconnects when the SDS server restarts and resubscribes with the version it holds', async () => {
    const ref = apiRef('server_cert', 'sds_tcp');
    const port = tcp.port;
    await tcp.close();
    tcp = await startSdsServer(`127.0.0.1:${port}`);
    tcp.push('server_cert', 'v1', [tlsSecret('server_cert', leaf1.certChainPem, leaf1.keyPem)]);
    const again = await waitUntil(() => tcp.requests[0], 'the stream reopened', 10_000);
    assert.equal(again.version_info, 'v1', 'the first request after a reconnect carries the held version');
    assert.ok(px.proxy.secrets.current(ref), 'the secret stayed while the server was away');
    assert.ok((await counter('sds.server_cert.update_failure')) >= 1, 'the broken stream is counted');
    assert.ok(fs.existsSync(tmp.dir));
  });
});

describe('an in-process provider claims the SDS cluster (the node agent\'s sds-grpc)', { timeout: 20_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let uds: SdsTestServer;
  let proxy: ProxyServer;

  before(async () => {
    tmp = tempDir('weft-sds-claim-');
    const sock = path.join(tmp.dir, 'agent.sock');
    // A real server on the pipe: the claim must keep the proxy from using it.
    uds = await startSdsServer(`unix:${sock}`);
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(`admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources:
  clusters:
${grpcClusterYaml('sds-grpc', `{ pipe: { path: ${sock} } }`)}${grpcClusterYaml('unclaimed', `{ pipe: { path: ${sock} } }`)}`, errs);
    assert.ok(cfg, errs.format());
    proxy = new ProxyServer(cfg, { logs: new LogRegistry('error') });
  });
  after(async () => {
    await proxy?.shutdown();
    await uds?.close();
    tmp?.cleanup();
  });

  it('opens no stream, tells the provider what is asked for, and serves what it sets', async () => {
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') });
    const claim = proxy.sds.claimApiCluster('sds-grpc');
    const asked: string[] = [];
    claim.onRequest = (name) => {
      asked.push(name);
      const leaf = ca.issueServingCertificate({ uris: [ID] });
      if (name === 'default') claim.set('default', { kind: 'tls_certificate', certificate: { certChainPem: leaf.certChainPem, privateKeyPem: leaf.keyPem, origin: 'sds:default' } });
    };
    await proxy.start();
    const ref: SdsRef = { name: 'default', source: { kind: 'api', clusterName: 'sds-grpc' } };
    const got: (string | undefined)[] = [];
    proxy.secrets.subscribe(ref, (v) => got.push(serialOf(v)));
    assert.deepEqual(asked, ['default']);
    assert.ok(proxy.secrets.current(ref), 'set synchronously by the provider');
    assert.equal(proxy.ctx.stats.counter('sds.default.update_success').value, 1);
    // Rotation by the provider reaches subscribers.
    const next = ca.issueServingCertificate({ uris: [ID] });
    claim.set('default', { kind: 'tls_certificate', certificate: { certChainPem: next.certChainPem, privateKeyPem: next.keyPem, origin: 'sds:default' } });
    assert.equal(got.at(-1), new X509Certificate(next.certChainPem).serialNumber.toLowerCase());
    // A secret of an unclaimed cluster on the same socket is fetched; by the time
    // it is, a stream for the claimed one (asked for first) would have been seen.
    uds.push('other', 'o1', [{ name: 'other', validation_context: { trusted_ca: { inline_string: ca.signingRootPem } } }]);
    const other: SdsRef = { name: 'other', source: { kind: 'api', clusterName: 'unclaimed' } };
    proxy.secrets.subscribe(other, () => undefined);
    await waitUntil(() => proxy.secrets.current(other), 'the unclaimed cluster\'s secret');
    assert.deepEqual([...new Set(uds.requests.map((r) => r.resource_names?.[0]))], ['other'], 'no SDS stream to a claimed cluster');
    assert.equal(proxy.secretStatuses().find((s) => s.ref.name === 'default')?.versionInfo, '2');
  });
});
