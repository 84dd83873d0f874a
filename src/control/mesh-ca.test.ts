// The CA as the control plane runs it: the folder decides self-signed or
// plugged (Istio's cacerts layout), a restart keeps the same root,
// provisioned tokens authenticate, the root file follows the trust bundle.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { CaCallError, CaClient } from '../agent/ca-client.js';
import { LogRegistry } from '../common/log.js';
import { buildCsr } from './ca/csr-builder.js';
import { StatsStore } from '../stats/index.js';
import { OPENSSL_MISSING, makeCacertsWithOpenssl, tempDir } from './ca/ca-test-kit.js';
import { caSourceFor, MeshCa } from './mesh-ca.js';

const log = new LogRegistry('off').logger('ca');
const open = (dir: string, extra: Partial<ConstructorParameters<typeof MeshCa>[0]> = {}) => new MeshCa({ dir, address: '127.0.0.1:0', stats: new StatsStore(), log, ...extra });

describe('MeshCa', () => {
  it('self-signed in an empty folder; a restart reads the same root; the root file follows the bundle', async () => {
    const t = tempDir('weft-meshca-');
    try {
      const dir = path.join(t.dir, 'ca');
      const a = open(dir);
      assert.equal(a.source.kind, 'self-signed');
      const port = await a.start();
      assert.ok(port > 0);
      const file = path.join(t.dir, 'root-cert.pem');
      a.publishRoots(file);
      assert.equal(fs.readFileSync(file, 'utf8'), a.rootsPem());
      a.ca.beginRootRotation();
      assert.equal(fs.readFileSync(file, 'utf8'), a.rootsPem());
      assert.equal(a.ca.trustBundle.current.roots.length, 2, 'old and new root during a rotation');
      await a.stop();
      const b = open(dir);
      assert.equal(b.rootsPem(), a.rootsPem());
    } finally {
      t.cleanup();
    }
  });

  it('plugs in Istio\'s cacerts layout', { skip: OPENSSL_MISSING }, () => {
    const t = tempDir('weft-meshca-');
    try {
      makeCacertsWithOpenssl(t.dir);
      assert.deepEqual(caSourceFor(t.dir), { kind: 'plugged', dir: t.dir });
      const m = open(t.dir);
      assert.equal(m.rootsPem(), fs.readFileSync(path.join(t.dir, 'root-cert.pem'), 'utf8'));
    } finally {
      t.cleanup();
    }
  });

  it('accepts the tokens of --ca-token-dir (DIR/<namespace>/<service-account>)', () => {
    const t = tempDir('weft-meshca-');
    try {
      const token = 'k'.repeat(43);
      fs.mkdirSync(path.join(t.dir, 'tokens', 'shop'), { recursive: true });
      fs.writeFileSync(path.join(t.dir, 'tokens', 'shop', 'cart'), `${token}\n`);
      const m = open(path.join(t.dir, 'ca'), { tokenDir: path.join(t.dir, 'tokens') });
      assert.deepEqual(m.tokens.authenticate(token), { namespace: 'shop', serviceAccount: 'cart' });
    } finally {
      t.cleanup();
    }
  });

  it('stopServing closes the certificate API (calls fail CA_UNAVAILABLE); resumeServing signs again on the same port', async () => {
    const t = tempDir('weft-meshca-');
    const m = open(path.join(t.dir, 'ca'));
    try {
      const port = await m.start();
      const tokenFile = path.join(t.dir, 'token');
      fs.writeFileSync(tokenFile, m.tokens.mint({ namespace: 'default', serviceAccount: 'web' }));
      const client = new CaClient({ address: `127.0.0.1:${port}`, serverName: 'istiod.istio-system.svc', tokenFile, callTimeoutMs: 5_000 });
      const csr = () => buildCsr(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { uris: ['spiffe://cluster.local/ns/default/sa/web'] });
      assert.equal((await client.createCertificate(csr(), 60, m.rootsPem())).length, 2);
      const before = m.server;
      await m.stopServing();
      assert.equal(m.serving, false);
      await assert.rejects(client.createCertificate(csr(), 60, m.rootsPem()), (e: unknown) => e instanceof CaCallError && e.code === 'CA_UNAVAILABLE');
      await m.stopServing(); // again: nothing to do
      await m.resumeServing();
      assert.equal(m.serving, true);
      assert.equal(m.port, port);
      assert.notEqual(m.server, before, 'a new server (a closed grpc-js server cannot bind again)');
      assert.equal((await client.createCertificate(csr(), 60, m.rootsPem())).length, 2);
    } finally {
      await m.stop();
      t.cleanup();
    }
  });
});
