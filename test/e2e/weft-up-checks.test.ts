// `weft up` says what is true: a copy of the demo started from another folder
// is refused with the missing file named (it used to crash-loop every app
// under a "mesh running" banner); an app that exits before it listens makes
// the banner say "NOT running"; each config change is one line; --access-log,
// loopback binding and Istio's stats tags, seen from outside with real requests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WEFT_BIN, within } from '../helpers/process-harness.js';
import { BOOKINFO, closeAgent, get, waitFor, WeftUpProcess, type UpState } from './bookinfo-mesh.js';

const SERVER = "require('http').createServer((q, s) => s.end('ok ' + q.url)).listen(+process.env.PORT, '127.0.0.1')";
const WORKLOADS = `expose:
- { service: web, port: 8080 }
workloads:
- name: web
  labels: { app: web, version: v1 }
  ports: [{ name: http, port: 8080, protocol: HTTP }]
  command: [node, -e, ${JSON.stringify(SERVER)}]
- name: crashy
  ports: [{ port: 9090 }]
  command: [node, -e, "process.exit(3)"]
`;

describe('weft up: the demo copied elsewhere', { timeout: 30_000 }, () => {
  it('is refused before anything starts, naming each missing file at its path (exit 1)', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-up-copy-'));
    try {
      fs.cpSync(BOOKINFO, path.join(tmp, 'bookinfo'), { recursive: true, filter: (f) => !f.includes(`${path.sep}.weft`) });
      // As a user would: the folder copied, its workloads pointing at the repository root (../..) that is not there.
      const r = await runWeftIn(tmp, ['up', 'bookinfo']);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /workloads\[0\]\.command\[1\]: file dist\/examples\/bookinfo\/productpage\.js not found in /);
      assert.doesNotMatch(r.out, /mesh running/);
      const check = await runWeftIn(tmp, ['up', 'bookinfo', '--check']);
      assert.equal(check.code, 1, check.out);
      assert.match(check.out, /workloads\[5\]\.command\[1\]: file dist\/examples\/bookinfo\/ratings\.js not found/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('weft up --access-log with an app that crashes', { timeout: 60_000 }, () => {
  let up: WeftUpProcess;
  let dir: string;
  let st: UpState & { notes: string[] };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-up-checks-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'workloads.yaml'), WORKLOADS);
    up = new WeftUpProcess(dir, ['--access-log']);
    await waitFor(() => /weft up: mesh (running|NOT running)/.test(up.output()), 'the banner', 40_000);
    st = JSON.parse(fs.readFileSync(path.join(dir, '.weft', 'state.json'), 'utf8')) as UpState & { notes: string[] };
  });

  after(async () => {
    await up?.kill();
    closeAgent();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the banner says NOT running, and why, when an app exits before it listens', () => {
    assert.match(up.output(), /weft up: mesh NOT running: 1 of 2 workloads are not running/);
    assert.match(up.output(), /NOT RUNNING crashy: exited \(code 3\) before listening on 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(up.output(), /mesh running/);
  });

  it('one line per config change applied or rejected, with the object and the code', async () => {
    fs.writeFileSync(path.join(dir, 'config', 'web.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: web }\nspec:\n  hosts: [web]\n  http: [{ route: [{ destination: { host: web } }] }]\n');
    await waitFor(() => up.output().includes('weft up: config applied: VirtualService web.default created'), 'the applied line', 10_000);
    fs.writeFileSync(path.join(dir, 'config', 'bad.yaml'), 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: bad }\nspec:\n  hosts: [web]\n  http: [{ retrys: 1, route: [{ destination: { host: web } }] }]\n');
    const line = await waitFor(() => up.output().split('\n').find((l) => l.startsWith('weft up: config rejected: VirtualService bad.default')), 'the rejected line', 10_000);
    assert.match(line, /\[.*bad\.yaml:1\]: WEFT\d{4} spec\.http\[0\]\.retrys: /);
    fs.rmSync(path.join(dir, 'config', 'web.yaml'));
    await waitFor(() => up.output().includes('weft up: config applied: VirtualService web.default removed'), 'the removed line', 10_000);
  });

  it('--access-log: the exposed listener logs each request in Istio\'s default text format plus the peers\' identities', async () => {
    const r = await get({ port: Number(new URL(st.exposed[0]!.url).port) }, '/hello');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok /hello');
    await waitFor(() => /\[expose\/web\] \[[^\]]+\] "GET \/hello HTTP\/1\.1" 200 - /.test(up.output()), 'the edge access log line', 5000);
  });

  it('--access-log: the sidecar logs each request, prefixed by its workload', async () => {
    await get({ port: Number(new URL(st.exposed[0]!.url).port) }, '/sidecar');
    await waitFor(() => /\[web\/sidecar\] \[[^\]]+\] "GET \/sidecar HTTP\/1\.1" 200 - /.test(up.output()), 'the sidecar access log line', 3000);
  });

  it('every listener weft up starts binds 127.0.0.1 by default', async () => {
    const web = st.workloads.find((w) => w.name === 'web')!;
    const dump = JSON.stringify(await (await fetch(`http://127.0.0.1:${web.ports.admin}/config_dump`)).json());
    const inbound = [...dump.matchAll(/"address":\{"socket_address":\{"address":"([^"]+)","port_value":(\d+)\}/g)].map((m) => [m[1], Number(m[2])] as const);
    const mine = inbound.filter(([, p]) => p === web.ports.inbound['8080'] || p === web.ports.outbound);
    assert.equal(mine.length, 2, dump.slice(0, 2000));
    assert.deepEqual(mine.map(([a]) => a), ['127.0.0.1', '127.0.0.1']);
  });

  it('Prometheus output makes one label of the cluster (Istio\'s stats tags)', async () => {
    const web = st.workloads.find((w) => w.name === 'web')!;
    assert.deepEqual(st.notes.filter((n) => n.includes('stats tag rules')), [], 'the proxy took every stats tag rule');
    const r = await get({ port: web.ports.outbound, via: 'http://web:8080' }, '/metrics-test');
    assert.equal(r.status, 200);
    const text = await (await fetch(`http://127.0.0.1:${web.ports.admin}/stats/prometheus`)).text();
    assert.match(text, /^envoy_cluster_upstream_rq_total\{cluster_name="outbound\|8080\|\|web\.default\.svc\.cluster\.local"\} [1-9]/m);
    assert.doesNotMatch(text, /^envoy_cluster_outbound/m);
  });
});

function runWeftIn(cwd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [WEFT_BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return within(new Promise((resolve) => child.on('close', (code) => resolve({ code, out }))), 20_000, `weft ${args.join(' ')}`);
}

