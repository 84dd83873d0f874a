// Bookinfo over mesh mTLS, end to end, with real processes and real TLS: one
// `weft up --access-log --cert-ttl 10s` of the demo serves every check, so
// certificates rotate every ~5 s underneath all of them.
// - every sidecar-to-sidecar hop (and edge → productpage) is TLS: the server
//   sidecars' inbound listeners count one TLS handshake per connection and no
//   plaintext connection, and the access log names each peer's SPIFFE ID;
// - scenario 09 (mesh-wide STRICT): the demo keeps working; a plaintext
//   client, a client with a certificate from another CA and trust domain,
//   and a TLS client with no certificate are refused (counted); removing the
//   scenario brings PERMISSIVE back;
// - rotation under continuous load: every agent rotates twice, every sidecar
//   serves its new certificate, zero failed requests;
// - CA outage under load (the control plane's POST /debug/ca/stop and
//   /debug/ca/start): agents count failed CSRs and back off, nothing fails,
//   rotation resumes when the CA is back.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { CertificateAuthority } from '../../src/control/ca/certificate-authority.js';
import { buildCsr } from '../../src/control/ca/csr-builder.js';
import { ISTIO_TLS } from '../../src/control/translate/istio-tls.js';
import { applyScenario, closeAgent, copyBookinfo, get, scenario, stat, waitFor, WeftUpProcess, type Reply, type Target, type UpState } from './bookinfo-mesh.js';

/**
 * Workload certificate lifetime: rotation every ~5 s (half of it), several
 * times within the file. The CA outage check needs the agent that failed
 * twice (first try at rotation, 5 s left; a retry 1 s later) to reach the CA
 * again before its certificate expires: its next retry comes ~2 s later.
 */
const CERT_TTL_S = 10;
const WAIT_MS = 15_000;

type MtlsState = Omit<UpState, 'workloads' | 'exposed'> & {
  ca: { port: number };
  workloads: (UpState['workloads'][number] & { identity: string })[];
  exposed: (UpState['exposed'][number] & { admin: number; identity: string })[];
};

interface AgentStatus {
  identity: string;
  state: string;
  serial?: string;
  consecutiveFailures: number;
  lastError?: { code: string };
}

async function agent(admin: number): Promise<AgentStatus> {
  return (await (await fetch(`http://127.0.0.1:${admin}/weft/agent`)).json()) as AgentStatus;
}

/** A labeled counter (e.g. istio_agent_num_failed_outgoing_requests) from a proxy's /stats/prometheus; 0 when absent. */
async function promValue(admin: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/stats/prometheus`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Certificate serials compare as numbers: node prints upper case, the agent lower case. */
const serialOf = (hex: string): string => hex.toLowerCase().replace(/^0+/, '');

interface TlsProbe {
  /** Serial of the certificate the server presented, when the handshake got that far. */
  serverSerial?: string;
  /** Bytes the server answered to one HTTP request sent after the handshake. */
  answer: string;
  error?: string;
}

/**
 * A TLS client that is not a sidecar: offers Istio's mTLS ALPN, presents
 * `client` (or no certificate), sends one HTTP request once the handshake is
 * done, and reports what came back before the connection closed.
 */
function tlsProbe(port: number, client?: { cert: string; key: string }): Promise<TlsProbe> {
  return new Promise((resolve) => {
    const out: TlsProbe = { answer: '' };
    const s = tls.connect({
      host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['istio-http/1.1', ...ISTIO_TLS.mtlsAlpnUpstream],
      servername: 'outbound_.9080_._.productpage.default.svc.cluster.local', ...(client ?? {}),
    });
    const timer = setTimeout(() => s.destroy(new Error('timeout')), 5000);
    s.once('secureConnect', () => {
      out.serverSerial = serialOf(s.getPeerCertificate().serialNumber);
      s.write('GET /productpage HTTP/1.1\r\nhost: productpage:9080\r\nconnection: close\r\n\r\n');
    });
    s.setEncoding('utf8').on('data', (d: string) => (out.answer += d));
    s.on('error', (e: NodeJS.ErrnoException) => (out.error = e.code ?? e.message));
    s.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** A failed request: not a 200, or a page that had to do without one of its backends. */
function failed(r: Reply): boolean {
  return r.status !== 200 || ['x-bookinfo-details', 'x-bookinfo-reviews', 'x-bookinfo-ratings'].some((h) => r.headers[h] === 'unavailable');
}

/** Requests in a loop until stopped: through the edge, and app-to-app through sidecars (each one a mesh hop). */
function startLoad(targets: [Target, string][], workers = 4): { stop(): Promise<Reply[]> } {
  const replies: Reply[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; running; i++) {
      const [t, p] = targets[i % targets.length]!;
      replies.push(await get(t, p));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return replies;
    },
  };
}

function describeFailures(replies: Reply[]): string {
  return JSON.stringify(replies.filter(failed).slice(0, 5).map((r) => ({ status: r.status, error: r.error, code: r.headers['x-weft-error'], at: new Date(r.startedAt).toISOString() })));
}

describe('weft up: Bookinfo over mesh mTLS (access log identities, STRICT, rotation, CA outage)', { timeout: 150_000 }, () => {
  let up: WeftUpProcess;
  let st: MtlsState;
  let edge: Target;
  let load: [Target, string][];
  /** Every proxy with a node agent: the six sidecars and the edge. */
  let admins: { name: string; admin: number }[];
  const inboundPort = (name: string) => st.workloads.find((w) => w.name === name)!.ports.inbound['9080']!;
  const adminOf = (name: string) => st.workloads.find((w) => w.name === name)!.ports.admin;
  const inboundStat = (name: string, s: string) => stat(adminOf(name), `listener.127.0.0.1_${inboundPort(name)}.${s}`);

  before(async () => {
    up = new WeftUpProcess(copyBookinfo(), ['--access-log', '--cert-ttl', `${CERT_TTL_S}s`]);
    st = (await up.ready(60_000)) as unknown as MtlsState;
    edge = { port: up.edgePort };
    const pp = st.workloads.find((w) => w.name === 'productpage-v1')!;
    const rv2 = st.workloads.find((w) => w.name === 'reviews-v2')!;
    load = [
      [edge, '/productpage'],
      [{ port: pp.ports.outbound, via: 'http://reviews:9080' }, '/reviews/0'],
      [{ port: pp.ports.outbound, via: 'http://details:9080' }, '/details/0'],
      [{ port: rv2.ports.outbound, via: 'http://ratings:9080' }, '/ratings/0'],
    ];
    admins = [...st.workloads.map((w) => ({ name: w.name, admin: w.ports.admin })), { name: 'edge', admin: st.exposed[0]!.admin }];
  });
  after(async () => {
    await up?.kill();
    closeAgent();
    if (up) fs.rmSync(up.dir, { recursive: true, force: true });
  });

  it('every hop is mutual TLS and the access log shows each peer\'s SPIFFE identity', async () => {
    const mark = up.output().length;
    const replies: Reply[] = [];
    for (let i = 0; i < 12; i++) replies.push(await get(edge, '/productpage'));
    assert.deepEqual(replies.filter(failed), [], describeFailures(replies));

    // Server side: each inbound listener took TLS connections only (one handshake per connection).
    for (const w of st.workloads) {
      await waitFor(async () => {
        const [hs, cx] = [await inboundStat(w.name, 'ssl.handshake'), await inboundStat(w.name, 'downstream_cx_total')];
        return hs > 0 && hs === cx;
      }, `${w.name}: every inbound connection a TLS handshake`, 3000);
    }
    // Client side: the edge and the calling sidecars originated TLS.
    assert.ok((await stat(st.exposed[0]!.admin, 'cluster.productpage.ssl.handshake')) > 0, 'edge → productpage over TLS');
    for (const svc of ['details', 'reviews']) assert.ok((await stat(adminOf('productpage-v1'), `cluster.outbound|9080||${svc}.default.svc.cluster.local.ssl.handshake`)) > 0, `productpage → ${svc} over TLS`);

    // Access log: the two last fields are %DOWNSTREAM_PEER_URI_SAN% and %UPSTREAM_PEER_URI_SAN%.
    const idOf = (service: string) => st.workloads.find((w) => w.service === service)!.identity;
    const callerOf: Record<string, string> = { productpage: st.exposed[0]!.identity, details: idOf('productpage'), reviews: idOf('productpage'), ratings: idOf('reviews') };
    const seen = new Set<string>();
    await waitFor(() => {
      const lines = up.output().slice(mark).split('\n').filter((l) => / "GET \//.test(l));
      for (const line of lines) {
        const m = /^\[([^\]/]+)\/(sidecar|productpage)\] .* (inbound\|9080\|\||outbound\|9080\|\|(\w+)\.default\.svc\.cluster\.local|productpage) .* (\S+) (\S+) \S+$/.exec(line);
        assert.ok(m, `access log line in weft up's format: ${line}`);
        const [, who, , cluster, outboundSvc, downstreamPeer, upstreamPeer] = m;
        if (who === 'expose') {
          assert.equal(upstreamPeer, idOf('productpage'), line);
          seen.add('edge→productpage');
        } else if (cluster!.startsWith('inbound')) {
          const service = st.workloads.find((w) => w.name === who)!.service;
          assert.equal(downstreamPeer, callerOf[service], line);
          seen.add(`${who} inbound`);
        } else {
          assert.equal(upstreamPeer, idOf(outboundSvc!), line);
          seen.add(`${who}→${outboundSvc}`);
        }
      }
      return st.workloads.every((w) => seen.has(`${w.name} inbound`)) && ['edge→productpage', 'productpage-v1→details', 'productpage-v1→reviews'].every((k) => seen.has(k));
    }, 'an access log line with the peer identity for every hop', 5000);
    assert.ok(['reviews-v2→ratings', 'reviews-v3→ratings'].some((k) => seen.has(k)), [...seen].join(', '));
  });

  it('STRICT (scenario 09): the demo keeps working; plaintext, a foreign CA\'s certificate and no certificate are refused; PERMISSIVE again without it', async () => {
    await applyScenario(up, { '09-mtls-strict.yaml': scenario('09-mtls-strict.yaml') });
    const replies: Reply[] = [];
    for (let i = 0; i < 8; i++) replies.push(await get(edge, '/productpage'));
    assert.deepEqual(replies.filter(failed), [], describeFailures(replies));

    // Plaintext straight to each sidecar's inbound port: no filter chain takes it, the connection is closed.
    for (const w of st.workloads) {
      const before = await inboundStat(w.name, 'no_filter_chain_match');
      const r = await get({ port: inboundPort(w.name) }, '/', { connection: 'close' });
      assert.equal(r.status, 0, `${w.name}: plaintext got ${r.status}`);
      assert.equal(await inboundStat(w.name, 'no_filter_chain_match'), before + 1, `${w.name}: counted`);
    }

    // A certificate from another CA, for another trust domain: the handshake fails verification, no answer.
    const t = tempDir('weft-e2e-foreign-ca-');
    try {
      const foreign = CertificateAuthority.open({ kind: 'self-signed', dir: path.join(t.dir, 'ca') }, { trustDomain: 'evil.local' });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const id = { namespace: 'default', serviceAccount: 'bookinfo-productpage' };
      const issued = foreign.sign(buildCsr(privateKey, { uris: ['spiffe://evil.local/ns/default/sa/bookinfo-productpage'] }), id, { ttlMs: 3600_000 });
      const failVerify = await inboundStat('details-v1', 'ssl.fail_verify_error');
      const probe = await tlsProbe(inboundPort('details-v1'), { cert: issued.certChain[0]!, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
      assert.equal(probe.answer, '', `no HTTP answer to a foreign certificate (${probe.error})`);
      await waitFor(async () => (await inboundStat('details-v1', 'ssl.fail_verify_error')) === failVerify + 1, 'ssl.fail_verify_error counted', 3000);
    } finally {
      t.cleanup();
    }
    const noCert = await inboundStat('details-v1', 'ssl.fail_verify_no_cert');
    const bare = await tlsProbe(inboundPort('details-v1'));
    assert.equal(bare.answer, '', `no HTTP answer without a client certificate (${bare.error})`);
    await waitFor(async () => (await inboundStat('details-v1', 'ssl.fail_verify_no_cert')) === noCert + 1, 'ssl.fail_verify_no_cert counted', 3000);

    // Back to PERMISSIVE: plaintext is accepted again, and mesh traffic still works.
    await applyScenario(up, {});
    const plain = await get({ port: inboundPort('details-v1') }, '/details/0', { connection: 'close' });
    assert.equal(plain.status, 200);
    assert.equal(failed(await get(edge, '/productpage')), false);
  });

  it(`rotation under continuous load (--cert-ttl ${CERT_TTL_S}s): every agent rotates twice, every sidecar serves its new certificate, zero failed requests`, async () => {
    const start = await Promise.all(admins.map((a) => promValue(a.admin, 'weft_agent_cert_rotations_total')));
    const l = startLoad(load);
    let replies: Reply[] = [];
    try {
      await waitFor(async () => {
        const now = await Promise.all(admins.map((a) => promValue(a.admin, 'weft_agent_cert_rotations_total')));
        return now.every((n, i) => n >= start[i]! + 2);
      }, 'two rotations in every agent', 3 * CERT_TTL_S * 1000);
      // What a new connection gets is the agent's current certificate: the rotation reached the TLS contexts.
      for (const w of st.workloads) {
        await waitFor(async () => {
          const [a, p] = [await agent(w.ports.admin), await tlsProbe(w.ports.inbound['9080']!)];
          return a.state === 'VALID' && p.serverSerial === serialOf(a.serial!);
        }, `${w.name} serves its agent's current certificate`, 5000);
      }
    } finally {
      replies = await l.stop();
    }
    assert.ok(replies.length >= 40, `load ran (${replies.length} requests)`);
    assert.deepEqual(replies.filter(failed).length, 0, describeFailures(replies));
  });

  it('CA outage under load: agents count failed CSRs and back off, nothing fails, rotation resumes when the CA is back', async () => {
    const ca = (action: string) => fetch(`http://127.0.0.1:${st.debugPort}/debug/ca/${action}`, { method: 'POST' });
    const l = startLoad(load);
    let replies: Reply[] = [];
    try {
      const failedBefore = await Promise.all(admins.map((a) => promValue(a.admin, 'istio_agent_num_failed_outgoing_requests')));
      const mark = up.output().length;
      const stopped = await ca('stop');
      assert.equal(stopped.status, 200);
      assert.deepEqual(await stopped.json(), { serving: false, port: st.ca!.port });
      const atStop = await Promise.all(admins.map((a) => agent(a.admin)));
      // Down until one agent has failed twice (its first try at rotation time, a retry after back-off).
      const twice = await waitFor(async () => {
        for (const a of admins) if ((await agent(a.admin)).consecutiveFailures >= 2) return a;
        return undefined;
      }, 'an agent failing twice while the CA is down', CERT_TTL_S * 1000);
      const s = await agent(twice.admin);
      assert.equal(s.state, 'VALID', 'the certificate in place keeps serving');
      assert.equal(s.lastError?.code, 'CA_UNAVAILABLE');
      assert.ok((await promValue(twice.admin, 'istio_agent_num_failed_outgoing_requests')) >= failedBefore[admins.indexOf(twice)]! + 2);
      assert.ok((await promValue(twice.admin, 'istio_agent_num_outgoing_retries')) >= 1);
      const started = await ca('start');
      assert.equal(started.status, 200);
      assert.deepEqual(await started.json(), { serving: true, port: st.ca!.port });
      // The agent's log shows its back-off: retry 1 after 1 s ± 10 % (AGENT_DEFAULTS), retry 2 later than that.
      const retries = [...up.output().slice(mark).matchAll(new RegExp(`\\[${twice.name === 'edge' ? 'expose/productpage' : `${twice.name}/sidecar`}\\].*certificate request failed \\(CA_UNAVAILABLE.*retry (\\d+) in (\\d+) ms`, 'g'))].map((m) => [Number(m[1]), Number(m[2])] as const);
      assert.deepEqual(retries.slice(0, 2).map(([n]) => n), [1, 2], JSON.stringify(retries));
      assert.ok(retries[0]![1] >= 900 && retries[0]![1] <= 1100 && retries[1]![1] > retries[0]![1], JSON.stringify(retries));
      // Rotation resumes: every agent gets a new certificate from the CA that is back, none expired.
      await waitFor(async () => {
        const now = await Promise.all(admins.map((a) => agent(a.admin)));
        return now.every((a, i) => a.state === 'VALID' && a.consecutiveFailures === 0 && a.serial !== atStop[i]!.serial);
      }, 'a new certificate in every agent after the CA came back', WAIT_MS);
      for (const a of admins) assert.equal(await promValue(a.admin, 'weft_agent_cert_expired_total'), 0, `${a.name}: never expired`);
    } finally {
      replies = await l.stop();
      await fetch(`http://127.0.0.1:${st.debugPort}/debug/ca/start`, { method: 'POST' }).catch(() => undefined);
    }
    assert.ok(replies.length >= 40, `load ran (${replies.length} requests)`);
    assert.deepEqual(replies.filter(failed).length, 0, describeFailures(replies));
  });
});
