// LDS and CDS from files (dynamic_resources with path_config_source or the
// deprecated `path`), as Envoy's filesystem subscription: real files, the real
// watcher, Envoy's atomic-rename convention, rejected files that leave the last
// good config serving, and a swap under load with no failed request.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigErrors } from '../../src/common/errors.js';
import { LogRegistry } from '../../src/common/log.js';
import { loadBootstrapText } from '../../src/proxy/config/bootstrap.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { waitUntil } from '../helpers/net-harness.js';
import { request, startUpstream, type Upstream } from '../helpers/proxy-harness.js';

function lds(cluster: string, version: string): string {
  return `version_info: "${version}"
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: listener_0
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
  filter_chains:
  - filters:
    - name: envoy.filters.network.http_connection_manager
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
        stat_prefix: ingress_http
        http_filters:
        - name: envoy.filters.http.router
          typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        route_config:
          name: local_route
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/" }
              route: { cluster: ${cluster} }
`;
}

function cds(clusters: Record<string, number>, version: string): string {
  return JSON.stringify({
    version_info: version,
    resources: Object.entries(clusters).map(([name, port]) => ({
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      name,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    })),
  });
}

/**
 * GET through a keep-alive agent. A request written on a pooled connection
 * that the proxy closed as idle (an old listener's chains drain after an LDS
 * update) never reached it; RFC 9112 9.3.1 lets a client retry it, as node
 * documents with `reusedSocket`. Anything else is a failure.
 */
function getWithIdleRetry(port: number, agent: http.Agent, stats: { idleRetries: number }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: -1, body: '' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up')) {
        stats.idleRetries++;
        resolve(getWithIdleRetry(port, agent, stats));
      } else resolve({ status: 0, body: `${err.code ?? ''} ${err.message} reused=${req.reusedSocket}` });
    });
  });
}

/** Envoy's convention: write next to the file, then rename over it. */
function replace(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function counter(p: ProxyServer, name: string): number {
  return p.ctx.stats.findCounter(name)?.value ?? 0;
}

/** Waits for a stat to reach a value (polls: the file watcher gives the test no event). */
function waitForStat(p: ProxyServer, name: string, atLeast: number): Promise<boolean> {
  return waitUntil(() => counter(p, name) >= atLeast, `${name} >= ${atLeast}`, 10_000);
}

async function start(yaml: string, drainTimeMs = 100): Promise<ProxyServer> {
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(yaml, errs);
  if (!cfg) throw new Error(errs.format());
  const p = new ProxyServer(cfg, { logs: new LogRegistry('error'), drainTimeMs });
  await p.start();
  await waitUntil(() => p.state === 'LIVE', 'LIVE', 10_000);
  return p;
}

describe('LDS and CDS from files (path_config_source)', () => {
  let dir: string;
  let a: Upstream;
  let b: Upstream;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-xds-files-'));
    a = await startUpstream('A');
    b = await startUpstream('B');
  });
  after(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves what the files say and follows an atomic rename; a bad file is rejected and the last good config serves', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'rename-'));
    fs.writeFileSync(path.join(d, 'lds.yaml'), lds('svc', 'l1'));
    fs.writeFileSync(path.join(d, 'cds.json'), cds({ svc: a.port }, 'c1'));
    const p = await start(`
node: { id: n, cluster: c }
dynamic_resources:
  lds_config: { resource_api_version: V3, path_config_source: { path: ${d}/lds.yaml } }
  cds_config: { resource_api_version: V3, path_config_source: { path: ${d}/cds.json } }
`);
    try {
      const port = p.listenerPort('listener_0')!;
      assert.equal((await request({ port })).body.toString(), 'A GET /');
      assert.equal(counter(p, 'listener_manager.lds.update_success'), 1);
      assert.equal(counter(p, 'cluster_manager.cds.update_success'), 1);
      assert.equal(counter(p, 'cluster_manager.cds.update_attempt'), 1);

      replace(path.join(d, 'cds.json'), cds({ svc: b.port }, 'c2'));
      await waitForStat(p, 'cluster_manager.cds.update_success', 2);
      assert.equal((await request({ port })).body.toString(), 'B GET /');

      // Three errors in one file: all reported at once, nothing applied.
      replace(path.join(d, 'cds.json'), JSON.stringify({ version_info: 'c3', resources: [
        { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'svc', type: 'STATIC', lb_policy: 'NO_SUCH_POLICY' },
        { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'other', type: 'STATIC', bogus_field: 1 },
        { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'wrong_type' },
      ] }));
      await waitForStat(p, 'cluster_manager.cds.update_rejected', 1);
      assert.equal(counter(p, 'cluster_manager.cds.update_success'), 2);
      assert.equal((await request({ port })).body.toString(), 'B GET /');
      const nack = p.xds!.status().find((s) => s.type === 'CDS')!;
      assert.equal(nack.version, 'c2');
      assert.match(nack.lastNack ?? '', /lb_policy/);
      assert.match(nack.lastNack ?? '', /bogus_field/);
      assert.match(nack.lastNack ?? '', /wrong_type|Listener/);

      // YAML that does not parse: rejected too; the proxy keeps serving.
      replace(path.join(d, 'lds.yaml'), 'resources: [ {');
      await waitForStat(p, 'listener_manager.lds.update_rejected', 1);
      assert.equal((await request({ port })).body.toString(), 'B GET /');

      // And a good one again.
      replace(path.join(d, 'lds.yaml'), lds('svc', 'l3'));
      await waitForStat(p, 'listener_manager.lds.update_success', 2);
      assert.equal((await request({ port: p.listenerPort('listener_0')! })).body.toString(), 'B GET /');
    } finally {
      await p.shutdown();
    }
  });

  it('watched_directory: a move into the directory makes the file be read again', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'watched-'));
    const cdsFile = path.join(d, 'cds.json');
    fs.writeFileSync(cdsFile, cds({ svc: a.port }, 'c1'));
    fs.writeFileSync(path.join(d, 'lds.yaml'), lds('svc', 'l1'));
    const p = await start(`
dynamic_resources:
  lds_config: { path_config_source: { path: ${d}/lds.yaml } }
  cds_config: { path_config_source: { path: ${cdsFile}, watched_directory: { path: ${d} } } }
`);
    try {
      const port = p.listenerPort('listener_0')!;
      assert.equal((await request({ port })).body.toString(), 'A GET /');
      // As with a Kubernetes ConfigMap: the content changes, then something is moved into the directory.
      replace(cdsFile, cds({ svc: b.port }, 'c2'));
      await waitForStat(p, 'cluster_manager.cds.update_success', 2);
      assert.equal((await request({ port })).body.toString(), 'B GET /');
    } finally {
      await p.shutdown();
    }
  });

  it('the deprecated `path` form works the same', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'path-'));
    fs.writeFileSync(path.join(d, 'lds.yaml'), lds('svc', 'l1'));
    fs.writeFileSync(path.join(d, 'cds.yaml'), cds({ svc: a.port }, 'c1'));
    const errs = new ConfigErrors();
    loadBootstrapText(`dynamic_resources: { lds_config: { path: ${d}/lds.yaml }, cds_config: { path: ${d}/cds.yaml } }`, errs);
    assert.deepEqual(errs.warnings.map((w) => w.path).sort(), ['dynamic_resources.cds_config.path', 'dynamic_resources.lds_config.path']);
    const p = await start(`dynamic_resources: { lds_config: { path: ${d}/lds.yaml }, cds_config: { path: ${d}/cds.yaml } }`);
    try {
      assert.equal((await request({ port: p.listenerPort('listener_0')! })).body.toString(), 'A GET /');
    } finally {
      await p.shutdown();
    }
  });

  it('a file that does not exist refuses the start, naming the field', async () => {
    const errs = new ConfigErrors();
    const cfg = loadBootstrapText(`dynamic_resources: { cds_config: { path_config_source: { path: ${dir}/missing.yaml } } }`, errs);
    assert.ok(cfg, errs.format());
    const p = new ProxyServer(cfg, { logs: new LogRegistry('error') });
    await assert.rejects(p.start(), (err: Error & { code?: string; issues?: { path: string }[] }) => {
      assert.equal(err.code, 'WEFT_CONFIG_REJECTED');
      assert.equal(err.issues?.[0]?.path, 'dynamic_resources.cds_config.path_config_source.path');
      return true;
    });
    await p.shutdown();
  });

  it('refuses sources weft cannot read from files, each by name', () => {
    const errs = new ConfigErrors();
    loadBootstrapText(`
dynamic_resources:
  lds_config: { path_config_source: { path: "" } }
  cds_config: { api_config_source: { api_type: REST } }
`, errs);
    const paths = errs.errors.map((e) => e.path);
    assert.ok(paths.includes('dynamic_resources.lds_config.path_config_source.path'), paths.join(', '));
    assert.ok(paths.includes('dynamic_resources.cds_config.api_config_source'), paths.join(', '));
  });

  it('an RDS listener in an LDS file without an ADS server is rejected, not left warming', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'rds-'));
    fs.writeFileSync(path.join(d, 'lds.yaml'), lds('svc', 'l1').replace(/route_config:[\s\S]*$/, 'rds: { route_config_name: r, config_source: { ads: {} } }\n'));
    const p = await start(`dynamic_resources: { lds_config: { path_config_source: { path: ${d}/lds.yaml } } }`);
    try {
      assert.equal(counter(p, 'listener_manager.lds.update_rejected'), 1);
      assert.match(p.xds!.status().find((s) => s.type === 'LDS')!.lastNack ?? '', /ads_config/);
      assert.deepEqual(p.listenerStatuses(), []);
    } finally {
      await p.shutdown();
    }
  });

  it('swaps clusters and routes under load with no failed request', async () => {
    const d = fs.mkdtempSync(path.join(dir, 'load-'));
    fs.writeFileSync(path.join(d, 'lds.yaml'), lds('svc_a', 'l0'));
    fs.writeFileSync(path.join(d, 'cds.json'), cds({ svc_a: a.port, svc_b: b.port }, 'c0'));
    const p = await start(`
dynamic_resources:
  lds_config: { path_config_source: { path: ${d}/lds.yaml } }
  cds_config: { path_config_source: { path: ${d}/cds.json } }
`, 5000); // weft proxy's default --drain-time-s: old chains close their connections gracefully meanwhile
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const port = p.listenerPort('listener_0')!;
      let stop = false;
      const statuses = new Map<number, number>();
      const bodies = new Set<string>();
      const retries = { idleRetries: 0 };
      const worker = async () => {
        for (let i = 0; i < 2000 && !stop; i++) {
          const r = await getWithIdleRetry(port, agent, retries);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          bodies.add(r.body);
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, worker));
      // Routes flip between the two clusters; the cluster set changes too (a third one comes and goes).
      for (let i = 1; i <= 6; i++) {
        replace(path.join(d, 'lds.yaml'), lds(i % 2 ? 'svc_b' : 'svc_a', `l${i}`));
        await waitForStat(p, 'listener_manager.lds.update_success', i + 1);
        replace(path.join(d, 'cds.json'), cds(i % 2 ? { svc_a: a.port, svc_b: b.port, extra: a.port } : { svc_a: a.port, svc_b: b.port }, `c${i}`));
        await waitForStat(p, 'cluster_manager.cds.update_success', i + 1);
        assert.equal((await getWithIdleRetry(port, agent, retries)).status, 200);
      }
      stop = true;
      await load;
      assert.deepEqual([...statuses.keys()], [200], `statuses: ${JSON.stringify([...statuses])}, bodies: ${[...bodies].join(' | ')}`);
      assert.ok([...statuses.values()][0]! > 50, 'the load ran');
      assert.deepEqual([...bodies].sort(), ['A GET /', 'B GET /']);
    } finally {
      agent.destroy();
      await p.shutdown();
    }
  });
});
