// The node agent against the real CA server over TLS (grpc-js both sides):
// issuance, rotation at half life on a manual clock, a CA outage (old
// certificate kept, retries, then rotation), expiry with no replacement,
// a token for another identity, and a CA the agent's roots do not trust.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../common/clock.js';
import { LogRegistry } from '../common/log.js';
import { CaServer } from '../control/ca/ca-server.js';
import { clockAtNow, tempDir } from '../control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../control/ca/certificate-authority.js';
import { TokenRegistry } from '../control/ca/token-registry.js';
import { MemorySecretStore } from '../proxy/tls/secret-store.js';
import { DEFAULT_STATS_PARAMS, StatsStore, renderPrometheus } from '../stats/index.js';
import { agentSecretRef, NodeAgent, type AgentEvent } from './node-agent.js';

const ALICE = { namespace: 'default', serviceAccount: 'alice' };
const TTL_MS = 60_000;
const quiet = new LogRegistry('off');

interface Mesh {
  dir: string;
  clock: ManualClock;
  ca: CertificateAuthority;
  tokens: TokenRegistry;
  caStats: StatsStore;
  server: CaServer;
  port: number;
  rootFile: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const meshes: Mesh[] = [];
after(async () => {
  for (const m of meshes) await m.close();
});

async function startMesh(): Promise<Mesh> {
  const t = tempDir('weft-agent-');
  const clock = clockAtNow();
  const ca = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(t.dir, 'ca') }, { clock });
  const tokens = new TokenRegistry();
  const caStats = new StatsStore();
  const rootFile = path.join(t.dir, 'root-cert.pem');
  fs.writeFileSync(rootFile, ca.trustBundle.current.roots.join(''));
  const m: Mesh = {
    dir: t.dir, clock, ca, tokens, caStats, rootFile, port: 0,
    server: new CaServer({ ca, tokens, stats: caStats, clock }),
    async restart() {
      m.server = new CaServer({ ca, tokens, stats: caStats, clock });
      await m.server.listen(`127.0.0.1:${m.port}`);
    },
    async close() {
      await m.server.close(100);
      t.cleanup();
    },
  };
  m.port = await m.server.listen();
  meshes.push(m);
  return m;
}

function makeAgent(m: Mesh, token: string, opts: { rootFile?: string; identity?: typeof ALICE; retryMaxMs?: number } = {}) {
  const tokenFile = path.join(m.dir, `token-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  const secrets = new MemorySecretStore();
  const stats = new StatsStore();
  const agent = new NodeAgent({
    identity: opts.identity ?? ALICE,
    trustDomain: 'cluster.local',
    caAddress: `127.0.0.1:${m.port}`,
    rootCertFile: opts.rootFile ?? m.rootFile,
    tokenFile,
    certTtlMs: TTL_MS,
    retryInitialMs: 1_000,
    retryMaxMs: opts.retryMaxMs ?? 4_000,
    secrets, stats, clock: m.clock, random: () => 0.5, log: quiet.logger('agent'),
  });
  return { agent, secrets, stats };
}

function nextEvent(agent: NodeAgent): Promise<AgentEvent> {
  return new Promise((resolve) => {
    const off = agent.onEvent((e) => {
      off();
      resolve(e);
    });
  });
}

/** An agent for alice, started, with its first certificate in place. */
async function startIssued(m: Mesh): Promise<ReturnType<typeof makeAgent>> {
  const made = makeAgent(m, m.tokens.mint(ALICE));
  const first = nextEvent(made.agent);
  made.agent.start();
  assert.equal((await first).kind, 'issued');
  return made;
}

function workloadCert(secrets: MemorySecretStore): { pem: string; serial: string } | undefined {
  const v = secrets.current(agentSecretRef('default'));
  if (v?.kind !== 'tls_certificate') return undefined;
  return { pem: v.certificate.certChainPem, serial: new X509Certificate(v.certificate.certChainPem).serialNumber.toLowerCase() };
}

function metric(store: StatsStore, name: string): number {
  const text = renderPrometheus(store, DEFAULT_STATS_PARAMS);
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (-?[\\d.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('node agent', () => {
  it('gets a certificate for its own key and identity and publishes default and ROOTCA', async () => {
    const m = await startMesh();
    const { agent, secrets, stats } = makeAgent(m, m.tokens.mint(ALICE));
    const issued = nextEvent(agent);
    agent.start();
    const e = await issued;
    assert.equal(e.kind, 'issued');
    const v = secrets.current(agentSecretRef('default'));
    assert.equal(v?.kind, 'tls_certificate');
    if (v?.kind !== 'tls_certificate') return;
    const leaf = new X509Certificate(v.certificate.certChainPem);
    assert.match(leaf.subjectAltName ?? '', /^URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/alice$/);
    assert.ok(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(v.certificate.privateKeyPem)));
    assert.ok(leaf.verify(new X509Certificate(m.ca.signingRootPem).publicKey));
    const roots = secrets.current(agentSecretRef('ROOTCA'));
    assert.equal(roots?.kind, 'validation_context');
    if (roots?.kind === 'validation_context') assert.equal(roots.validation.trustedCaPem, m.ca.trustBundle.current.roots.join(''));
    // lifetime as asked: 60 s (+ the CA's 2 min backdating of notBefore)
    assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), TTL_MS + 120_000);
    assert.equal(agent.status().state, 'VALID');
    assert.equal(metric(stats, 'istio_agent_num_outgoing_requests'), 1);
    assert.equal(metric(stats, 'weft_agent_cert_issued_total'), 1);
    assert.equal(metric(stats, 'weft_agent_cert_valid'), 1);
    assert.ok(metric(stats, 'istio_agent_cert_expiry_seconds') >= 59);
    agent.stop();
  });

  it('rotates at half the lifetime, keeping the old certificate until the new one is in place', async () => {
    const m = await startMesh();
    const { agent, secrets, stats } = await startIssued(m);
    const before = workloadCert(secrets)!;
    m.clock.advance(TTL_MS / 2 - 1_000);
    assert.equal(metric(stats, 'istio_agent_num_outgoing_requests'), 1, 'no request before half life');
    const rotated = nextEvent(agent);
    m.clock.advance(2_000);
    // the request is in flight: the old certificate still serves
    assert.equal(workloadCert(secrets)!.serial, before.serial);
    const e = await rotated;
    assert.deepEqual(e.kind === 'issued' && e.rotation, true);
    const after = workloadCert(secrets)!;
    assert.notEqual(after.serial, before.serial);
    assert.equal(metric(stats, 'weft_agent_cert_rotations_total'), 1);
    assert.equal(metric(stats, 'istio_agent_num_outgoing_requests'), 2);
    agent.stop();
  });

  it('keeps its certificate while the CA is down, retries with back-off, and rotates once the CA is back', async () => {
    const m = await startMesh();
    const { agent, secrets, stats } = await startIssued(m);
    const before = workloadCert(secrets)!;
    await m.server.close(100);
    let failed = nextEvent(agent);
    m.clock.advance(TTL_MS / 2 + 1);
    let e = await failed;
    assert.equal(e.kind === 'failed' && e.code, 'CA_UNAVAILABLE');
    assert.equal(workloadCert(secrets)!.serial, before.serial, 'the old certificate stays');
    // back-off: nothing before the first retry delay (1 s ± 10 %), a retry after it
    m.clock.advance(800);
    assert.equal(metric(stats, 'istio_agent_num_outgoing_requests'), 2);
    failed = nextEvent(agent);
    m.clock.advance(400);
    e = await failed;
    assert.equal(e.kind === 'failed' && e.code, 'CA_UNAVAILABLE');
    assert.equal(metric(stats, 'istio_agent_num_outgoing_retries'), 1);
    assert.equal(metric(stats, 'istio_agent_num_failed_outgoing_requests'), 2);
    assert.equal(agent.status().consecutiveFailures, 2);
    assert.equal(agent.status().state, 'VALID');
    await m.restart();
    const rotated = nextEvent(agent);
    m.clock.advance(2_200); // second retry: 2 s ± 10 %
    e = await rotated;
    assert.equal(e.kind, 'issued');
    assert.notEqual(workloadCert(secrets)!.serial, before.serial);
    assert.equal(agent.status().consecutiveFailures, 0);
    agent.stop();
  });

  it('never backs off past its certificate\'s expiry: retries at most half the remaining lifetime apart', async () => {
    const m = await startMesh();
    const made = makeAgent(m, m.tokens.mint(ALICE), { retryMaxMs: 60_000 });
    const { agent, secrets } = made;
    const first = nextEvent(agent);
    agent.start();
    assert.equal((await first).kind, 'issued');
    const before = workloadCert(secrets)!;
    await m.server.close(100);
    const events: AgentEvent[] = [];
    agent.onEvent((e) => events.push(e));
    // rotation at half life (30 s left), then retries after 1, 2, 4 and 8 s: 15 s left
    for (const step of [TTL_MS / 2 + 1, 1_000, 2_000, 4_000, 8_000]) {
      const next = nextEvent(agent);
      m.clock.advance(step);
      assert.equal((await next).kind, 'failed');
    }
    assert.equal(agent.status().consecutiveFailures, 5);
    // the plain back-off would wait 16 s, past notAfter; half the 15 s left is 7.5 s
    await m.restart();
    const rotated = nextEvent(agent);
    m.clock.advance(7_500);
    // a real bound on the CA call (no retry is due otherwise, and nothing would ever answer)
    const answer = await Promise.race([rotated, new Promise<'none'>((r) => setTimeout(() => r('none'), 5_000).unref())]);
    assert.equal(answer === 'none' ? 'no retry within half the remaining lifetime' : answer.kind, 'issued');
    assert.notEqual(workloadCert(secrets)!.serial, before.serial);
    assert.equal(events.filter((e) => e.kind === 'expired').length, 0);
    agent.stop();
  });

  it('counts and logs expiry with no replacement, and keeps the expired certificate (never plaintext)', async () => {
    const m = await startMesh();
    const { agent, secrets, stats } = await startIssued(m);
    const before = workloadCert(secrets)!;
    await m.server.close(100);
    const events: AgentEvent[] = [];
    agent.onEvent((e) => events.push(e));
    // step through the retries until the certificate's notAfter
    for (let i = 0; i < 20 && !events.some((e) => e.kind === 'expired'); i++) {
      const next = nextEvent(agent);
      m.clock.advance(4_500);
      await Promise.race([next, new Promise((r) => setImmediate(r))]);
    }
    assert.ok(events.some((e) => e.kind === 'expired'));
    assert.equal(agent.status().state, 'EXPIRED');
    assert.equal(metric(stats, 'weft_agent_cert_expired_total'), 1);
    assert.equal(metric(stats, 'weft_agent_cert_valid'), 0);
    assert.ok(metric(stats, 'istio_agent_cert_expiry_seconds') <= 0);
    assert.equal(workloadCert(secrets)!.serial, before.serial);
    agent.stop();
  });

  it('a root added to the root file (CA root rotation) reaches ROOTCA within one refresh, before the next certificate', async () => {
    const m = await startMesh();
    const { agent, secrets } = await startIssued(m);
    m.ca.beginRootRotation();
    fs.writeFileSync(m.rootFile, m.ca.trustBundle.current.roots.join(''));
    m.clock.advance(15_000);
    const v = secrets.current(agentSecretRef('ROOTCA'));
    assert.equal(v?.kind === 'validation_context' && v.validation.trustedCaPem, m.ca.trustBundle.current.roots.join(''));
    assert.equal(agent.status().roots, 2);
    agent.stop();
  });

  it('is refused (and counted on both sides) with a token minted for another identity', async () => {
    const m = await startMesh();
    const { agent, secrets, stats } = makeAgent(m, m.tokens.mint({ namespace: 'default', serviceAccount: 'bob' }));
    const failed = nextEvent(agent);
    agent.start();
    const e = await failed;
    assert.equal(e.kind === 'failed' && e.code, 'CA_REFUSED');
    assert.equal(agent.status().lastError?.message.startsWith('PERMISSION_DENIED'), true);
    assert.equal(secrets.current(agentSecretRef('default')), undefined);
    assert.equal(agent.status().state, 'PENDING');
    assert.equal(metric(stats, 'istio_agent_num_failed_outgoing_requests'), 1);
    assert.equal(metric(m.caStats, 'citadel_server_authentication_failure_count'), 1);
    agent.stop();
  });

  it('refuses a CA server its roots do not trust', async () => {
    const m = await startMesh();
    const other = await startMesh();
    const { agent, secrets, stats } = makeAgent(m, m.tokens.mint(ALICE), { rootFile: other.rootFile });
    const failed = nextEvent(agent);
    agent.start();
    const e = await failed;
    assert.equal(e.kind === 'failed' && e.code, 'CA_UNAVAILABLE');
    assert.equal(secrets.current(agentSecretRef('default')), undefined);
    assert.equal(metric(stats, 'istio_agent_num_failed_outgoing_requests'), 1);
    assert.equal(metric(m.caStats, 'citadel_server_csr_count'), 0, 'the CA never saw the call');
    agent.stop();
  });
});
