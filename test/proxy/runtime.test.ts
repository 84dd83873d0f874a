// layered_runtime end to end: a static layer and /runtime_modify change the
// fault filter's abort percentage on live traffic; /runtime shows every key
// (known or not) per layer, in Envoy's JSON shape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const FAULT = `          - name: envoy.filters.http.fault
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
              abort: { http_status: 503, percentage: { numerator: 100 } }`;

const RUNTIME = `
layered_runtime:
  layers:
  - name: static
    static_layer:
      fault.http.abort.abort_percent: 0
      some: { unknown: { key: 7 } }
  - name: admin
    admin_layer: {}
`;

describe('layered_runtime with the fault filter and the admin endpoints', { timeout: 10_000 }, () => {
  let up: Upstream;
  let px: RunningProxy;
  const logLines: string[] = [];
  before(async () => {
    up = await startUpstream('service1');
    px = await startProxy(bootstrap({ httpFilters: FAULT, clusters: staticCluster('service1', [up.port]) }) + RUNTIME, {
      logs: new LogRegistry('warning', (l) => logLines.push(l)),
    });
  });
  after(async () => {
    await px.close();
    await up.close();
  });

  const status = async () => (await request({ port: px.port(), path: '/' })).status;
  const post = (path: string, body?: string) => request({ port: px.adminPort, path, method: 'POST', body, ...(body ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) });

  it('the static layer overrides the configured 100% abort', async () => {
    assert.equal(await status(), 200);
  });

  it('/runtime_modify (POST) sets the admin layer, which wins; an empty value removes it', async () => {
    const r = await post('/runtime_modify?fault.http.abort.abort_percent=100');
    assert.equal(r.status, 200);
    assert.equal(await status(), 503);
    assert.equal((await post('/runtime_modify?fault.http.abort.abort_percent=')).status, 200);
    assert.equal(await status(), 200);
  });

  it('/runtime_modify takes form values, refuses GET (405) and an empty request (400)', async () => {
    assert.equal((await post('/runtime_modify', 'fault.http.abort.abort_percent=100')).status, 200);
    assert.equal(await status(), 503);
    assert.equal((await post('/runtime_modify', 'fault.http.abort.abort_percent=')).status, 200);
    assert.equal((await px.admin('/runtime_modify?a=1')).status, 405);
    assert.equal((await post('/runtime_modify')).status, 400);
  });

  it('/runtime lists layers and every key, unknown ones too; unknown keys are logged as a warning', async () => {
    await post('/runtime_modify?fault.http.abort.abort_percent=25');
    const r = await px.admin('/runtime');
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body) as { layers: string[]; entries: Record<string, { layer_values: string[]; final_value: string }> };
    assert.deepEqual(j.layers, ['static', 'admin']);
    assert.deepEqual(j.entries['some.unknown.key'], { layer_values: ['7', ''], final_value: '7' });
    assert.deepEqual(j.entries['fault.http.abort.abort_percent'], { layer_values: ['0', '25'], final_value: '25' });
    assert.equal(logLines.filter((l) => l.includes('[warning][runtime]') && l.includes('"some.unknown.key"')).length, 1);
    assert.equal(logLines.filter((l) => l.includes('fault.http.abort.abort_percent')).length, 0, 'known keys are not reported');
  });
});

describe('/runtime_modify without an admin layer', { timeout: 10_000 }, () => {
  it('answers 503 (Envoy: "No admin layer specified") and changes nothing', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const r = await request({ port: px.adminPort, path: '/runtime_modify?a=1', method: 'POST' });
      assert.equal(r.status, 503);
      assert.deepEqual(JSON.parse((await px.admin('/runtime')).body), { layers: [], entries: {} });
    } finally {
      await px.close();
      await up.close();
    }
  });
});
