// The control plane with --mesh-config and --trace-receiver: the mesh config
// file turns tracing on (a Zipkin provider pointing at a ServiceEntry in the
// config folder), a changed file is applied, a bad one is reported with every
// path while the last good one keeps serving, a bad first file stops start-up;
// the trace receiver answers on the debug address beside /debug/config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { tempDir } from '../../src/control/ca/ca-test-kit.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { translateProxy } from '../../src/control/translate/translate-proxy.js';
import { proxyInfoFromNode } from '../../src/control/model/index.js';

const CONFIG = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: zipkin, namespace: istio-system }
spec:
  hosts: [zipkin.istio-system.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{ number: 9411, name: http, protocol: HTTP }]
  resolution: STATIC
  endpoints: [{ address: 127.0.0.1 }]
`;

const MESH = (sampling: number) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: istio, namespace: istio-system }
data:
  mesh: |-
    defaultConfig:
      tracing: { sampling: ${sampling} }
    defaultProviders: { tracing: [zipkin] }
    extensionProviders:
    - name: zipkin
      zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411 }
`;

const NODE = { id: 'sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local', cluster: 'productpage.default', metadata: { NAMESPACE: 'default', LABELS: { app: 'productpage', version: 'v1' } } };

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** random_sampling of the outbound HCM (port 9411) the control plane would send productpage now (undefined: no tracing). */
function sampling(cp: ControlPlane): number | undefined {
  const out = translateProxy(proxyInfoFromNode(NODE), cp.push_);
  const l = (out.resources.listeners as { name: string; filter_chains: { filters: { typed_config: { tracing?: { random_sampling?: { value: number } } } }[] }[] }[]).find((x) => x.name === '0.0.0.0_9411')!;
  return l.filter_chains.at(-1)!.filters.at(-1)!.typed_config.tracing?.random_sampling?.value;
}

describe('control plane: mesh config file and trace receiver', { timeout: 30_000 }, () => {
  const { dir, cleanup } = tempDir('weft-mesh-cp-');
  const configDir = path.join(dir, 'config');
  const meshFile = path.join(dir, 'mesh.yaml');
  let cp: ControlPlane;
  const lines: string[] = [];

  before(async () => {
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'zipkin.yaml'), CONFIG);
    fs.writeFileSync(meshFile, MESH(5));
    cp = new ControlPlane({
      configDir, meshConfigFile: meshFile, traceReceiver: true, xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', debounceMs: 10,
      logs: new LogRegistry('info', (l) => lines.push(l)),
    });
    await cp.start();
  });

  after(async () => {
    await cp?.stop();
    cleanup();
  });

  it('the file turns tracing on with its sampling', () => {
    assert.equal(sampling(cp), 5);
  });

  it('a changed file is applied; a bad one is reported with its paths and the last good one keeps serving', async () => {
    fs.writeFileSync(meshFile, MESH(50));
    await until(() => sampling(cp) === 50, 'sampling 50');
    fs.writeFileSync(meshFile, MESH(500).replace('port: 9411', 'port: 0'));
    await until(() => lines.some((l) => l.includes('mesh config rejected')), 'the rejection');
    const rejected = lines.filter((l) => l.includes('mesh config rejected')).join('\n');
    assert.match(rejected, /data\.mesh\.defaultConfig\.tracing\.sampling: sampling 500 must be in the range 0\.\.100 \(WEFT0102\)/);
    assert.match(rejected, /data\.mesh\.extensionProviders\[0\]\.zipkin\.port/);
    assert.equal(sampling(cp), 50);
    const status = (await (await fetch(`http://127.0.0.1:${cp.debugPort}/debug/config`)).json()) as { meshConfig: { file: string; messages: { path: string }[] } };
    assert.equal(status.meshConfig.file, meshFile);
    assert.ok(status.meshConfig.messages.some((m) => m.path === 'data.mesh.defaultConfig.tracing.sampling'));
  });

  it('serves the trace receiver on the debug address', async () => {
    const span = { traceId: '1'.repeat(32), id: '2'.repeat(16), name: 'x', kind: 'SERVER', timestamp: Date.now() * 1000, duration: 5, localEndpoint: { serviceName: 'productpage.default' } };
    const r = await fetch(`http://127.0.0.1:${cp.debugPort}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([span]) });
    assert.equal(r.status, 202);
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${cp.debugPort}/api/v2/services`)).json(), ['productpage.default']);
    const metrics = await (await fetch(`http://127.0.0.1:${cp.debugPort}/metrics`)).text();
    assert.match(metrics, /zipkin_collector_spans_total\{transport="http"\} 1/);
  });

  it('a bad first file stops start-up with every message', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'rootNamespace: bad_ns\nenableTracing: maybe\n');
    const other = new ControlPlane({ configDir, meshConfigFile: bad, xdsAddress: '127.0.0.1:0', logs: new LogRegistry('error', () => undefined) });
    await assert.rejects(other.start(), (e: Error) => e.message.includes('rootNamespace') && e.message.includes('enableTracing'));
    await other.stop();
  });
});
