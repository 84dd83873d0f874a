// Telemetry from a config folder through ingest into the model, as `weft
// control` and `weft up` read it: valid objects are accepted and apply by
// scope in the PushContext; an invalid one is rejected with every error at
// its path, and the others keep applying.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigObject } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import { DirectoryConfigSource } from './directory-source.js';
import { ModelController } from './model-controller.js';
import { tempDir } from './test-directory-source.js';

const MESH = 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: { name: mesh-default, namespace: istio-system }\nspec:\n  accessLogging:\n  - providers: [{ name: envoy }]\n';
const NS = 'apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata: { name: ns, namespace: foo }\nspec:\n  metrics:\n  - overrides:\n    - match: { metric: REQUEST_COUNT }\n      disabled: true\n';
const WORKLOAD = 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: { name: finance, namespace: foo }\nspec:\n  selector: { matchLabels: { app: finance } }\n  accessLogging:\n  - disabled: true\n';
const BAD = 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: { name: bad, namespace: foo }\nspec:\n  targetRefs: [{ kind: Gateway, name: gw }]\n  metrics:\n  - overrides:\n    - tagOverrides:\n        size: { value: request.size }\n';

test('Telemetry: folder → snapshot → PushContext', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'mesh.yaml'), MESH);
  await writeFile(path.join(dir, 'ns.yaml'), NS);
  await writeFile(path.join(dir, 'workload.yaml'), WORKLOAD);
  await writeFile(path.join(dir, 'bad.yaml'), BAD);
  const snap = await new DirectoryConfigSource(dir).load();
  assert.deepEqual(snap.accepted.map((a) => a.key).sort(), ['Telemetry finance.foo', 'Telemetry mesh-default.istio-system', 'Telemetry ns.foo']);
  assert.deepEqual(snap.rejected.flatMap((r) => r.messages.map((m) => `${m.key} ${m.code} ${m.path}`)), [
    'Telemetry bad.foo WEFT0016 spec.targetRefs',
    'Telemetry bad.foo WEFT0118 spec.metrics[0].overrides[0].tagOverrides.size.value',
  ]);

  const mc = new ModelController();
  mc.applySnapshot({ accepted: snap.accepted as readonly Accepted<ConfigObject>[] });
  const finance = mc.current.telemetry('foo', { app: 'finance' });
  assert.deepEqual([finance.root?.key, finance.namespace?.key, finance.workload?.key], ['Telemetry mesh-default.istio-system', 'Telemetry ns.foo', 'Telemetry finance.foo']);
  const other = mc.current.telemetry('bar', { app: 'x' });
  assert.deepEqual([other.root?.key, other.namespace, other.workload], ['Telemetry mesh-default.istio-system', undefined, undefined]);
  const root = mc.current.telemetry('istio-system', {});
  assert.equal(root.namespace, undefined, 'in the root namespace the mesh-wide object is the root scope only');
  mc.close();
});
