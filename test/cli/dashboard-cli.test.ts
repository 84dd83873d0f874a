// The dashboard from the command line, as real processes: `weft control`
// serving it on a loopback debug address (and not on another without
// --dashboard-listen-any), scraping the targets of --scrape-targets; bad
// dashboard options rejected together; `weft dashboard` without a running
// mesh; `weft dashboard --prometheus` serving against a Prometheus that is
// not there (the embedded store answers, with the warning).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/net-harness.js';
import { closedPort } from '../helpers/proxy-harness.js';
import { runWeft, WEFT_BIN, within } from '../helpers/process-harness.js';

function start(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; out: () => string }> {
  const child = spawn(process.execPath, [WEFT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return within(new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, out: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`weft ${args[0]} exited ${code}: ${out}`)));
  }), 15_000, `weft ${args.join(' ')}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('weft control and weft dashboard: the dashboard from the command line', () => {
  const tmp = tempDir('weft-dash-cli-');
  const children: ChildProcess[] = [];
  let metrics: http.Server | undefined;

  after(async () => {
    for (const c of children) await stop(c);
    metrics?.close();
    tmp.cleanup();
  });

  it('weft control: every bad dashboard option at once, exit 2', async () => {
    const targets = tmp.file('bad-targets.json', JSON.stringify([{ url: 'ftp://x', namespace: 'default' }, { url: 'http://127.0.0.1:1/m', namespace: 'd', workload: 'w', kind: 'pod', extra: 1 }]));
    const r = await runWeft(['control', '--config', tmp.dir, '--scrape-targets', targets, '--prometheus', 'localhost:9090']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--prometheus: "localhost:9090"|--prometheus: localhost: is not supported/);
    assert.match(r.stderr, /\[0\]\.workload: required/);
    assert.match(r.stderr, /\[0\]\.url: http only/);
    assert.match(r.stderr, /\[1\]\.extra: unknown field/);
    assert.match(r.stderr, /\[1\]\.kind: one of sidecar, ingress, control-plane/);
  });

  it('weft control: the dashboard on the loopback debug address, scraping the --scrape-targets endpoints', async () => {
    metrics = http.createServer((_req, res) => res.end('# TYPE istio_requests_total counter\nistio_requests_total{reporter="destination"} 1\n'));
    await new Promise<void>((r) => metrics!.listen(0, '127.0.0.1', r));
    const port = (metrics.address() as AddressInfo).port;
    const targets = tmp.file('targets.json', JSON.stringify([{ url: `http://127.0.0.1:${port}/metrics`, namespace: 'default', workload: 'reviews-v1', app: 'reviews', version: 'v1', service: 'reviews.default.svc.cluster.local' }]));
    const c = await start(['control', '--config', tmp.dir, '--xds-address', '127.0.0.1:0', '--debug-address', '127.0.0.1:0', '--trace-receiver', '--scrape-targets', targets], /dashboard (http:\/\/127\.0\.0\.1:(\d+)\/dashboard\/) \(embedded store, 1 scrape targets\)/);
    children.push(c.child);
    const base = `http://127.0.0.1:${c.match[2]}`;
    const t = await within((async () => {
      for (;;) {
        const list = (await (await fetch(`${base}/api/dashboard/targets`)).json()) as { id: string; health: string; series: number }[];
        if (list[0]?.health === 'up') return list;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(), 10_000, 'the target scraped');
    assert.deepEqual(t.map((x) => [x.id, x.health, x.series]), [['default/reviews-v1', 'up', 1]]);
    const g = (await (await fetch(`${base}/api/dashboard/graph?window=1m`)).json()) as { nodes: { id: string; service?: string }[] };
    assert.deepEqual(g.nodes.map((n) => [n.id, n.service]), [['wl:default/reviews-v1', 'reviews.default.svc.cluster.local']]);
    assert.equal((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location'), '/dashboard/');
    // A request target URL() refuses (the trace receiver parses every path first) is answered 400; the control plane keeps serving.
    const raw = await within(new Promise<string>((resolve, reject) => {
      const sock = netConnect(Number(c.match[2]), '127.0.0.1', () => sock.write('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
    }), 5000, 'an answer to GET //[');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.equal((await fetch(`${base}/api/dashboard/status`)).status, 200);
    await stop(c.child);
  });

  it('weft control: a non-loopback debug address serves no dashboard unless asked', async () => {
    const c = await start(['control', '--config', tmp.dir, '--xds-address', '127.0.0.1:0', '--debug-address', '0.0.0.0:0'], /dashboard off: --debug-address 0\.0\.0\.0:0 is not a loopback address \(--dashboard-listen-any serves it there\)[\s\S]*debug on port (\d+)/);
    children.push(c.child);
    const r = await fetch(`http://127.0.0.1:${c.match[1]}/api/dashboard/status`);
    assert.equal(r.status, 404);
    await r.arrayBuffer();
    await stop(c.child);
  });

  it('weft up --prometheus: not an http(s) URL is a usage error', async () => {
    const r = await runWeft(['up', tmp.dir, '--prometheus', 'ftp://127.0.0.1:9090']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /weft up: --prometheus: ftp: is not supported \(http or https\)/);
  });

  it('weft dashboard DIR without a running weft up: exit 1, saying so', async () => {
    const r = await runWeft(['dashboard', tmp.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no running weft up in .*state\.json not found/);
  });

  it('weft dashboard --prometheus: refuses a non-loopback address without --listen-any', async () => {
    const r = await runWeft(['dashboard', '--prometheus', 'http://127.0.0.1:9090', '--address', '0.0.0.0:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a loopback address; pass --listen-any/);
  });

  it('weft dashboard --prometheus: serves the API; a Prometheus that is not there is answered for by the embedded store, with the warning', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const c = await start(['dashboard', '--prometheus', dead], /(http:\/\/127\.0\.0\.1:\d+)\/dashboard\/\n/);
    children.push(c.child);
    const q = (await (await fetch(`${c.match[1]}/api/v1/query?query=vector(1)`)).json()) as { status: string; data: { result: { value: [number, string] }[] }; warnings: string[] };
    assert.equal(q.status, 'success');
    assert.equal(q.data.result[0]!.value[1], '1');
    assert.match(q.warnings[0]!, new RegExp(`^prometheus at ${dead.replaceAll('.', '\\.')} unreachable: ECONNREFUSED`));
    const st = (await (await fetch(`${c.match[1]}/api/dashboard/status`)).json()) as { source: string; prometheus: { healthy: boolean } };
    assert.equal(st.source, 'prometheus');
    assert.equal(st.prometheus.healthy, false);
    await stop(c.child);
  });
});
