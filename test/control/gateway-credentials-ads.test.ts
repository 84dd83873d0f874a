// credentialName secrets end to end through the control plane: a config
// folder with a TLS Gateway and its `secrets/` folder, a real ADS stream
// (gRPC, port 0) from a gateway node. The gateway gets exactly the SDS
// Secrets its listeners reference (certificate and key, and the -cacert CA
// bundle for MUTUAL); a sidecar, which references none, gets none; a
// replaced certificate is pushed; a bad edit keeps the last good secret
// serving and is reported with its path and code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { serverCert } from '../../src/control/ingest/credential-test-kit.js';
import type { CredentialSnapshot } from '../../src/control/ingest/index.js';
import { XdsTestClient, type DiscoveryResponse } from '../../src/control/server/xds-test-client.js';
import { LISTENER_TYPE_URL, SECRET_TYPE_URL } from '../../src/xds/type-urls.js';
import type { envoy_extensions_transport_sockets_tls_v3_Secret as Secret } from '../../src/xds/gen/types.js';

const DAY = 86_400_000;
const GATEWAY_NODE = {
  id: 'router~10.0.0.100~istio-ingressgateway.istio-system~istio-system.svc.cluster.local',
  cluster: 'istio-ingressgateway',
  metadata: { NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } },
};
const SIDECAR_NODE = { id: 'sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local', cluster: 'productpage', metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage' } } };

const CONFIG = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: mygateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [httpbin.example.com]
    tls: { mode: SIMPLE, credentialName: httpbin-credential }
  - port: { number: 443, name: https-mtls, protocol: HTTPS }
    hosts: [mtls.example.com]
    tls: { mode: MUTUAL, credentialName: mtls-credential }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: httpbin, namespace: default }
spec:
  hosts: [httpbin.default.svc.cluster.local]
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 10.0.0.9 }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: httpbin, namespace: default }
spec:
  hosts: [httpbin.example.com, mtls.example.com]
  gateways: [istio-system/mygateway]
  http: [{ route: [{ destination: { host: httpbin.default.svc.cluster.local, port: { number: 8000 } } }] }]
`;

const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

describe('credentialName secrets over ADS', { timeout: 30_000 }, () => {
  const { dir, cleanup } = tempDir('weft-gw-creds-');
  const secrets = path.join(dir, 'secrets');
  let cp: ControlPlane;
  let client: XdsTestClient;
  let httpbin: { cert: string; key: string };
  let mtls: { cert: string; key: string };

  const write = (name: string, files: Record<string, string>) => {
    fs.mkdirSync(path.join(secrets, name), { recursive: true });
    for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(secrets, name, f), t);
  };
  /** Resolves with the next credentials change the control plane applies. */
  const nextCredentials = () => new Promise<CredentialSnapshot>((resolve) => {
    const off = cp.credentials.onChange((s) => {
      off();
      // onChange listeners run in subscription order: the control plane's own one has applied it already.
      resolve(s);
    });
  });

  before(async () => {
    const now = Date.now();
    httpbin = await serverCert('httpbin.example.com', now - DAY, now + DAY);
    mtls = await serverCert('mtls.example.com', now - DAY, now + DAY);
    const clientCa = await serverCert('client-ca', now - DAY, now + DAY);
    fs.writeFileSync(path.join(dir, 'gateway.yaml'), CONFIG);
    write('httpbin-credential', { 'tls.crt': httpbin.cert, 'tls.key': httpbin.key });
    write('mtls-credential', { 'tls.crt': mtls.cert, 'tls.key': mtls.key, 'ca.crt': clientCa.cert });
    write('unused-credential', { 'tls.crt': mtls.cert, 'tls.key': mtls.key });
    cp = new ControlPlane({ configDir: dir, xdsAddress: '127.0.0.1:0', debounceMs: 20, logs: new LogRegistry() });
    await cp.start();
    client = new XdsTestClient(`127.0.0.1:${cp.xdsPort}`);
  });
  after(async () => {
    client?.close();
    await cp?.stop();
    cleanup();
  });

  it('the gateway gets the Secrets its listeners reference: certificate and key, and the CA bundle as <name>-cacert', async () => {
    const s = client.sotw('ads');
    s.send({ node: GATEWAY_NODE, type_url: LISTENER_TYPE_URL });
    const lds = await s.next();
    assert.deepEqual(lds.resources?.map((r) => (r as { name?: string }).name), ['0.0.0.0_443']);
    s.send({ type_url: LISTENER_TYPE_URL, version_info: lds.version_info, response_nonce: lds.nonce });
    const names = ['kubernetes://httpbin-credential', 'kubernetes://mtls-credential', 'kubernetes://mtls-credential-cacert', 'kubernetes://unused-credential'];
    s.send({ type_url: SECRET_TYPE_URL, resource_names: names });
    const sds = await s.next();
    assert.equal(sds.type_url, SECRET_TYPE_URL);
    const got = new Map((sds.resources as unknown as Secret[]).map((r) => [r.name, r]));
    assert.deepEqual([...got.keys()].sort(), names.slice(0, 3), 'unused-credential is in the folder but this gateway does not reference it');
    assert.equal(text(got.get('kubernetes://httpbin-credential')!.tls_certificate?.certificate_chain?.inline_bytes), httpbin.cert);
    assert.equal(text(got.get('kubernetes://httpbin-credential')!.tls_certificate?.private_key?.inline_bytes), httpbin.key);
    assert.match(text(got.get('kubernetes://mtls-credential-cacert')!.validation_context?.trusted_ca?.inline_bytes), /BEGIN CERTIFICATE/);
    assert.equal(got.get('kubernetes://mtls-credential-cacert')!.tls_certificate, undefined);
    s.send({ type_url: SECRET_TYPE_URL, resource_names: names, version_info: sds.version_info, response_nonce: sds.nonce });

    // A new certificate in the folder is pushed to the stream.
    const renewed = await serverCert('httpbin.example.com', Date.now() - DAY, Date.now() + 2 * DAY);
    const applied = nextCredentials();
    write('httpbin-credential', { 'tls.key': renewed.key, 'tls.crt': renewed.cert });
    await applied;
    let push: DiscoveryResponse = await s.next();
    while (push.type_url !== SECRET_TYPE_URL) push = await s.next();
    const pushed = new Map((push.resources as unknown as Secret[]).map((r) => [r.name, r]));
    assert.equal(text(pushed.get('kubernetes://httpbin-credential')!.tls_certificate?.certificate_chain?.inline_bytes), renewed.cert);
    s.send({ type_url: SECRET_TYPE_URL, resource_names: names, version_info: push.version_info, response_nonce: push.nonce });

    // A bad edit (a key of another certificate): the last good secret stays, the problem is reported with its file and code.
    const bad = nextCredentials();
    fs.writeFileSync(path.join(secrets, 'httpbin-credential', 'tls.key'), mtls.key);
    const snap = await bad;
    assert.deepEqual(snap.issues.map((i) => [i.name, i.code, path.basename(i.path), i.keptLastGood]), [['httpbin-credential', 'CREDENTIAL_KEY_MISMATCH', 'tls.key', true]]);
    const status = cp.configStatus() as { credentials: { issues: { code: string }[] }; analysis: { code: string; message: string }[] };
    assert.deepEqual(status.credentials.issues.map((i) => i.code), ['CREDENTIAL_KEY_MISMATCH']);
    assert.ok(status.analysis.some((m) => m.code === 'WEFT0320'), 'the analyzer reports the invalid credential (IST0161)');
    const served = cp.cache.getSnapshot(GATEWAY_NODE.id)!.resources(SECRET_TYPE_URL)!.byName.get('kubernetes://httpbin-credential')!.message as Secret;
    assert.equal(text(served.tls_certificate?.certificate_chain?.inline_bytes), renewed.cert, 'the last good certificate keeps serving');
    s.cancel();
  });

  it('delta ADS: the subscribed credential arrives as a Secret resource, an unreferenced one does not', async () => {
    const s = client.delta('ads');
    s.send({ node: { ...GATEWAY_NODE, id: 'router~10.0.0.101~istio-ingressgateway-2.istio-system~istio-system.svc.cluster.local' }, type_url: SECRET_TYPE_URL, resource_names_subscribe: ['kubernetes://mtls-credential', 'kubernetes://unused-credential'] });
    const r = await s.next();
    assert.equal(r.type_url, SECRET_TYPE_URL);
    assert.deepEqual(r.resources?.map((x) => x.name), ['kubernetes://mtls-credential']);
    const secret = r.resources![0]!.resource as unknown as Secret;
    assert.equal(text(secret.tls_certificate?.certificate_chain?.inline_bytes), mtls.cert);
    s.cancel();
  });

  it('a sidecar that references no credential gets no Secret, even when it asks for one by name', async () => {
    const s = client.sotw('ads');
    s.send({ node: SIDECAR_NODE, type_url: LISTENER_TYPE_URL });
    const lds = await s.next();
    assert.equal(lds.type_url, LISTENER_TYPE_URL);
    assert.equal(cp.cache.getSnapshot(SIDECAR_NODE.id)!.resources(SECRET_TYPE_URL)!.list.length, 0);
    s.cancel();
  });
});
