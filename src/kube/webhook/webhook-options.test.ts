import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, describe, it } from 'node:test';
import { CertificateAuthority } from '../../control/ca/index.js';
import { decodeWebhookFlags, watchCertificateFiles } from './webhook-options.js';
import { WebhookServer } from './webhook-server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-webhook-cert-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The fingerprint of the certificate the server presents. */
function presented(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'istiod.istio-system.svc', ca }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

async function until(cond: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhook certificate options', () => {
  it('flags: every problem at once; the CA or files are required', () => {
    const r = decodeWebhookFlags(new Map<string, string | true>([['webhook-address', 'nowhere'], ['webhooks', 'inject,mutate'], ['webhook-cert', '/no/such.pem']]), false);
    assert.ok(r && 'errors' in r);
    assert.deepEqual(r.errors, [
      '--webhook-address: "nowhere" is not host:port',
      '--webhooks: "mutate" is not inject or validate',
      '--webhook-cert and --webhook-key go together',
      '--webhook-cert: file /no/such.pem does not exist',
    ]);
    const noCert = decodeWebhookFlags(new Map([['webhook-address', '127.0.0.1:0']]), false);
    assert.ok(noCert && 'errors' in noCert && /needs --webhook-cert\/--webhook-key, or --ca-dir/.test(noCert.errors[0]!));
    assert.equal(decodeWebhookFlags(new Map(), false), undefined);
    const ok = decodeWebhookFlags(new Map([['webhook-address', '127.0.0.1:0'], ['webhooks', 'validate']]), true);
    assert.deepEqual(ok, { address: '127.0.0.1:0', inject: false, validate: true });
  });

  it('a renewed certificate in the files is served to new connections; a broken one keeps the last good one', async () => {
    const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(dir, 'ca') });
    const issue = () => ca.issueServingCertificate({ dnsNames: ['istiod.istio-system.svc'] });
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    const first = issue();
    fs.writeFileSync(certFile, first.certChainPem);
    fs.writeFileSync(keyFile, first.keyPem);
    const server = new WebhookServer({ certPem: first.certChainPem, keyPem: first.keyPem, validation: true });
    const port = await server.listen('127.0.0.1:0');
    const errors: string[] = [];
    const stop = watchCertificateFiles({ address: '', inject: false, validate: true, certFile, keyFile }, (c, k) => server.setCertificate(c, k), (m) => errors.push(m), 10);
    try {
      const before = await presented(port, ca.signingRootPem);
      const second = issue();
      fs.writeFileSync(certFile, second.certChainPem);
      fs.writeFileSync(keyFile, second.keyPem);
      await until(async () => (await presented(port, ca.signingRootPem)) !== before, 'the renewed certificate');
      const renewed = await presented(port, ca.signingRootPem);
      fs.writeFileSync(keyFile, 'not a key');
      await until(async () => errors.length > 0, 'the reload error');
      assert.match(errors[0]!, /not reloaded: .*the previous one keeps serving/);
      assert.equal(await presented(port, ca.signingRootPem), renewed);
    } finally {
      stop();
      await server.close();
    }
  });
});
