// `weft up` with mesh mTLS on (the default) and off, seen from outside: the CA
// runs from DIR/.weft/ca and keeps its root across restarts; each sidecar
// (and the exposed port's edge) gets a token in a 0600 file, the CA address
// and the root file, and holds a certificate for its own SPIFFE identity;
// the sidecar bootstrap carries Istio's sds-grpc cluster; weft status shows
// identities and certificates. Traffic over mTLS (Bookinfo, STRICT, rotation,
// CA outage) is in weft-up-mtls-traffic.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runWeft } from '../helpers/process-harness.js';
import { closeAgent, commandLine, get, WeftUpProcess, type UpState } from './bookinfo-mesh.js';

const SERVER = "require('http').createServer((q, s) => s.end('ok ' + q.url)).listen(+process.env.PORT, '127.0.0.1')";
const WORKLOADS = `expose:
- { service: web, port: 8080 }
workloads:
- name: web
  serviceAccount: web-sa
  labels: { app: web, version: v1 }
  ports: [{ name: http, port: 8080, protocol: HTTP }]
  command: [node, -e, ${JSON.stringify(SERVER)}]
`;

type MtlsState = Omit<UpState, 'workloads' | 'exposed'> & {
  mtls?: boolean;
  notes: string[];
  ca?: { port: number; dir: string; source: string; rootCert: string; trustDomain: string };
  workloads: (UpState['workloads'][number] & { identity?: string })[];
  exposed: (UpState['exposed'][number] & { admin?: number; identity?: string })[];
};

describe('weft up: mesh mTLS by default', { timeout: 120_000 }, () => {
  let dir: string;
  let up: WeftUpProcess | undefined;
  let st: MtlsState;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-up-mtls-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), WORKLOADS);
    up = new WeftUpProcess(dir, ['--cert-ttl', '1h']);
    st = (await up.ready(60_000)) as unknown as MtlsState;
  });
  after(async () => {
    await up?.kill();
    closeAgent();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the CA from DIR/.weft/ca and hands each sidecar a 0600 token, the CA address and the root file', () => {
    assert.equal(st.mtls, true);
    assert.equal(st.ca?.dir, path.join(dir, '.weft', 'ca'));
    assert.equal(st.ca?.source, 'self-signed');
    assert.equal(fs.readFileSync(st.ca!.rootCert, 'utf8'), fs.readFileSync(path.join(dir, '.weft', 'ca', 'ca-cert.pem'), 'utf8'));
    const stateDir = path.dirname(st.ca!.rootCert);
    for (const name of ['web', 'expose-web-8080']) {
      const token = path.join(stateDir, `${name}.token`);
      assert.equal(fs.statSync(token).mode & 0o777, 0o600, `${name}.token is 0600`);
      assert.ok(fs.readFileSync(token, 'utf8').trim().length >= 43);
    }
    const cmds = up!.childPids.map(commandLine).filter((c): c is string => !!c && c.includes(' proxy '));
    const web = cmds.find((c) => c.includes('web.bootstrap.json'));
    assert.ok(web, cmds.join('\n'));
    assert.ok(web.includes(`--ca-address 127.0.0.1:${st.ca!.port}`) && web.includes(`--ca-root-cert ${st.ca!.rootCert}`) && web.includes(`--ca-token-file ${path.join(stateDir, 'web.token')}`), web);
    assert.ok(web.includes('--cert-ttl 1h'), web);
  });

  it('the sidecar bootstrap has Istio\'s sds-grpc cluster (or the banner says why this proxy cannot take it)', () => {
    const b = JSON.parse(fs.readFileSync(path.join(path.dirname(st.ca!.rootCert), 'web.bootstrap.json'), 'utf8')) as { static_resources: { clusters: { name: string }[] } };
    const has = b.static_resources.clusters.some((c) => c.name === 'sds-grpc');
    assert.ok(has || st.notes.some((n) => n.includes('without the sds-grpc cluster')), JSON.stringify(st.notes));
  });

  it('each sidecar and the edge hold a certificate for their own identity; weft status shows them', async () => {
    const web = st.workloads.find((w) => w.name === 'web')!;
    assert.equal(web.identity, 'spiffe://cluster.local/ns/default/sa/web-sa');
    const agent = (await (await fetch(`http://127.0.0.1:${web.ports.admin}/weft/agent`)).json()) as { identity: string; state: string; notAfter: string };
    assert.equal(agent.identity, web.identity);
    assert.equal(agent.state, 'VALID');
    assert.ok(Date.parse(agent.notAfter) - Date.now() <= 3600_000, '--cert-ttl 1h reached the agent');
    const edge = (await (await fetch(`http://127.0.0.1:${st.exposed[0]!.admin}/weft/agent`)).json()) as { identity: string; state: string };
    assert.deepEqual(edge, { ...edge, identity: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', state: 'VALID' });
    const s = await runWeft(['status', dir], 20_000);
    assert.equal(s.code, 0, s.stdout + s.stderr);
    const line = s.stdout.split('\n').find((l) => l.startsWith('web\t'));
    assert.ok(line?.startsWith('web\tspiffe://cluster.local/ns/default/sa/web-sa\tVALID\t'), s.stdout);
    const json = JSON.parse((await runWeft(['status', dir, '-o', 'json'], 20_000)).stdout) as { workloads: { name: string; certState: string; serial?: string }[] };
    assert.equal(json.workloads.find((w) => w.name === 'web')?.certState, 'VALID');
  });

  it('the exposed port still answers', async () => {
    const r = await get({ port: up!.edgePort }, '/hello');
    assert.equal(r.status, 200);
  });

  it('a restarted weft up signs with the same root', async () => {
    const before = fs.readFileSync(path.join(dir, '.weft', 'ca', 'ca-cert.pem'), 'utf8');
    await up!.kill();
    up = new WeftUpProcess(dir);
    const again = (await up.ready(60_000)) as unknown as MtlsState;
    assert.equal(fs.readFileSync(again.ca!.rootCert, 'utf8'), before);
    const web = again.workloads.find((w) => w.name === 'web')!;
    const agent = (await (await fetch(`http://127.0.0.1:${web.ports.admin}/weft/agent`)).json()) as { state: string };
    assert.equal(agent.state, 'VALID');
  });
});

describe('weft up --no-mtls', { timeout: 90_000 }, () => {
  it('runs no CA and no agents; weft status says mTLS is off', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-up-plain-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), WORKLOADS);
    const up = new WeftUpProcess(dir, ['--no-mtls']);
    try {
      const st = (await up.ready(60_000)) as unknown as MtlsState;
      assert.equal(st.mtls, false);
      assert.equal(st.ca, undefined);
      assert.equal(fs.existsSync(path.join(dir, '.weft', 'ca')), false);
      const web = st.workloads.find((w) => w.name === 'web')!;
      assert.equal((await fetch(`http://127.0.0.1:${web.ports.admin}/weft/agent`)).status, 404);
      assert.match(up.output(), /mTLS +off \(--no-mtls\)/);
      const s = await runWeft(['status', dir], 20_000);
      assert.match(s.stdout, /^MTLS: off/m);
      assert.equal((await get({ port: up.edgePort }, '/x')).status, 200);
    } finally {
      await up.kill();
      closeAgent();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
