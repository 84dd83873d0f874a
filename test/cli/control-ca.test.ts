// `weft control` running the CA and `weft proxy` running the node agent, as
// two real processes: the sidecar's certificate comes from the control
// plane's CA over TLS, authenticated by a provisioned token; the sidecar's
// admin shows it (/weft/agent), the control plane counts it (/metrics).
// Bad CA or agent options exit 2 with every problem named by its flag.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { CertificateAuthority } from '../../src/control/ca/certificate-authority.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { tempDir } from '../helpers/net-harness.js';
import { closedPort } from '../helpers/proxy-harness.js';
import { runWeft, spawnProxy, WEFT_BIN, within, type ChildProxy } from '../helpers/process-harness.js';

const TOKEN = 'provisioned-token-for-reviews-0123456789abcdef';
const BOOTSTRAP = `
node: { id: reviews-v1, cluster: reviews, metadata: { NAMESPACE: default, SERVICE_ACCOUNT: bookinfo-reviews } }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
static_resources: {}
`;

function startControl(args: string[]): Promise<{ child: ChildProcess; caPort: number; debugPort: number; out: () => string }> {
  const child = spawn(process.execPath, [WEFT_BIN, 'control', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return within(new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /debug on port (\d+); CA on port (\d+)/.exec(out);
      if (m) resolve({ child, debugPort: Number(m[1]), caPort: Number(m[2]), out: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`weft control exited ${code}: ${out}`)));
  }), 15_000, 'weft control with a CA');
}

describe('weft control --ca-dir with weft proxy --ca-address', { timeout: 60_000 }, () => {
  const tmp = tempDir('weft-control-ca-');
  let control: Awaited<ReturnType<typeof startControl>>;
  let proxy: ChildProxy | undefined;
  before(async () => {
    fs.mkdirSync(path.join(tmp.dir, 'config'));
    fs.mkdirSync(path.join(tmp.dir, 'tokens', 'default'), { recursive: true });
    fs.writeFileSync(path.join(tmp.dir, 'tokens', 'default', 'bookinfo-reviews'), TOKEN);
    control = await startControl(['--config', path.join(tmp.dir, 'config'), '--xds-address', '127.0.0.1:0', '--debug-address', '127.0.0.1:0',
      '--ca-dir', path.join(tmp.dir, 'ca'), '--ca-address', '127.0.0.1:0', '--ca-token-dir', path.join(tmp.dir, 'tokens'), '--workload-cert-ttl', '2h']);
  });
  after(async () => {
    await proxy?.kill();
    control?.child.kill('SIGKILL');
    tmp.cleanup();
  });

  it('the sidecar gets its SPIFFE certificate from the control plane\'s CA; both sides show it', async () => {
    assert.ok(fs.existsSync(path.join(tmp.dir, 'ca', 'ca-key.pem')), 'the self-signed root is kept in --ca-dir');
    assert.equal(fs.statSync(path.join(tmp.dir, 'ca', 'ca-key.pem')).mode & 0o777, 0o600);
    const tokenFile = tmp.file('token', TOKEN);
    const bootstrap = tmp.file('bootstrap.yaml', BOOTSTRAP);
    proxy = await spawnProxy(bootstrap, ['--ca-address', `127.0.0.1:${control.caPort}`, '--ca-root-cert', path.join(tmp.dir, 'ca', 'ca-cert.pem'),
      '--ca-token-file', tokenFile, '--cert-ttl', '1h'], 20_000);
    const r = await proxy.admin('/weft/agent');
    assert.equal(r.status, 200, r.body);
    const st = JSON.parse(r.body) as { identity: string; state: string; serial: string; notAfter: string };
    assert.equal(st.identity, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
    assert.equal(st.state, 'VALID');
    const life = Date.parse(st.notAfter) - Date.now();
    assert.ok(life > 55 * 60_000 && life <= 3600_000, `asked for 1h, got ${life} ms`);
    const root = new X509Certificate(fs.readFileSync(path.join(tmp.dir, 'ca', 'ca-cert.pem')));
    assert.ok(root.ca);
    const prom = await (await fetch(`http://127.0.0.1:${proxy.adminPort}/stats/prometheus`)).text();
    assert.match(prom, /^istio_agent_num_outgoing_requests\{request_type="csr"\} 1$/m);
    assert.match(prom, /^weft_agent_cert_valid(\{\})? 1$/m);
    const metrics = await (await fetch(`http://127.0.0.1:${control.debugPort}/metrics`)).text();
    assert.match(metrics, /^citadel_server_success_cert_issuance_count(\{\})? 1$/m);
  });

  it('a proxy without an agent answers 404 on /weft/agent', async () => {
    const plain = await spawnProxy(tmp.file('plain.yaml', BOOTSTRAP));
    try {
      assert.equal((await plain.admin('/weft/agent')).status, 404);
    } finally {
      await plain.kill();
    }
  });
});

describe('CA and agent options', { timeout: 30_000 }, () => {
  it('weft control: CA flags without --ca-dir, or bad values, exit 2 naming each flag', async () => {
    const r = await runWeft(['control', '--config', '.', '--trust-domain', 'example.org']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--trust-domain: needs --ca-dir/);
    const bad = await runWeft(['control', '--config', '.', '--ca-dir', '/nonexistent-weft', '--trust-domain', 'Bad!', '--workload-cert-ttl', 'soon']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--trust-domain: /);
    assert.match(bad.stderr, /--workload-cert-ttl: "soon"/);
  });

  it('weft proxy: --ca-address without a root or token file exits 2 naming both', async () => {
    const tmp = tempDir('weft-agent-opts-');
    try {
      const r = await runWeft(['proxy', '-c', tmp.file('b.yaml', BOOTSTRAP), '--ca-address', '127.0.0.1:15012']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--ca-root-cert: required/);
      assert.match(r.stderr, /--ca-token-file: required/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('a proxy whose CA does not answer', { timeout: 30_000 }, () => {
  it('still goes LIVE after the bounded wait; /weft/agent says PENDING and why; never a certificate from nowhere', async () => {
    const tmp = tempDir('weft-agent-down-');
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(BOOTSTRAP, errs)!;
    assert.deepEqual(errs.errors, []);
    // a real root, of a CA that is not running
    tmp.file('root.pem', CertificateAuthority.open({ kind: 'self-signed', dir: path.join(tmp.dir, 'ca') }).signingRootPem);
    const proxy = new ProxyServer(cfg, {
      logs: new LogRegistry('off'), agentStartWaitMs: 300,
      agent: { caAddress: `127.0.0.1:${await closedPort()}`, caServerName: 'istiod.istio-system.svc', rootCertFile: tmp.file('root.pem'), tokenFile: tmp.file('token', TOKEN),
        trustDomain: 'cluster.local', certTtlMs: 3600_000, identity: { namespace: 'default', serviceAccount: 'bookinfo-reviews' } },
    });
    try {
      await proxy.start();
      assert.equal(proxy.state, 'LIVE');
      // the first failure may land after the 300 ms bound on a loaded machine: wait for it, not for time
      const agent = proxy.nodeAgent!;
      if (!agent.status().lastError) await new Promise<void>((resolve) => { const off = agent.onEvent(() => { off(); resolve(); }); });
      const st = JSON.parse(await (await fetch(`http://127.0.0.1:${proxy.adminPort}/weft/agent`)).text()) as { state: string; lastError?: { code: string } };
      assert.equal(st.state, 'PENDING');
      assert.equal(st.lastError?.code, 'CA_UNAVAILABLE');
      assert.equal(proxy.secrets.entries().length, 0, 'no secret without a certificate');
    } finally {
      await proxy.shutdown();
      tmp.cleanup();
    }
  });
});
