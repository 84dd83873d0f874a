// PeerAuthentication from a config folder through ingest into the model, as
// `weft control` and `weft up` read it: valid policies are accepted and
// compose in the PushContext; an invalid one is rejected with its code and
// the other policies keep applying.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { ConfigObject } from '../../api/networking.js';
import type { Accepted } from '../model/types.js';
import { DirectoryConfigSource } from './directory-source.js';
import { ModelController } from './model-controller.js';
import { tempDir } from './test-directory-source.js';

const MESH_STRICT = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: default, namespace: istio-system }\nspec: { mtls: { mode: STRICT } }\n';
const FINANCE = 'apiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: { name: finance, namespace: foo }\nspec:\n  selector: { matchLabels: { app: finance } }\n  mtls: { mode: UNSET }\n  portLevelMtls:\n    8080: { mode: DISABLE }\n';
const BAD = 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: { name: bad, namespace: foo }\nspec:\n  mtls: { mode: PERMISSIVE }\n  portLevelMtls:\n    8080: { mode: DISABLE }\n';

test('PeerAuthentication: folder → snapshot → PushContext', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'mesh.yaml'), MESH_STRICT);
  await writeFile(path.join(dir, 'finance.yaml'), FINANCE);
  await writeFile(path.join(dir, 'bad.yaml'), BAD);
  const snap = await new DirectoryConfigSource(dir).load();
  assert.deepEqual(snap.accepted.map((a) => a.key).sort(), ['PeerAuthentication default.istio-system', 'PeerAuthentication finance.foo']);
  assert.deepEqual(snap.rejected.flatMap((r) => r.messages.map((m) => `${m.key} ${m.code} ${m.path}`)), ['PeerAuthentication bad.foo WEFT0106 spec.portLevelMtls']);

  const mc = new ModelController();
  mc.applySnapshot({ accepted: snap.accepted as readonly Accepted<ConfigObject>[] });
  const finance = mc.current.peerAuthentication('foo', { app: 'finance' });
  assert.equal(finance.mode, 'STRICT', 'UNSET inherits the mesh policy');
  assert.equal(finance.perPort.get(8080), 'DISABLE');
  assert.deepEqual(finance.policies, ['PeerAuthentication default.istio-system', 'PeerAuthentication finance.foo']);
  assert.equal(mc.current.peerAuthentication('bar', {}).mode, 'STRICT');
  mc.close();
});
