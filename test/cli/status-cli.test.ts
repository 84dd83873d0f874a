// `weft status` against a real control plane: a rejected VirtualService (a
// typo) is listed with its code, field path and FILE:LINE, and the exit code
// says something is wrong; with every document accepted it exits 0.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LogRegistry } from '../../src/common/log.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { tempDir } from '../helpers/net-harness.js';
import { runWeft } from '../helpers/process-harness.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews } }]
`;

async function controlPlane(dir: string): Promise<ControlPlane> {
  const cp = new ControlPlane({ configDir: dir, xdsAddress: '127.0.0.1:0', debugAddress: '127.0.0.1:0', logs: new LogRegistry('error', () => undefined) });
  await cp.start();
  return cp;
}

describe('weft status', { timeout: 30_000 }, () => {
  const tmp = tempDir('weft-status-');
  let good: ControlPlane;
  let bad: ControlPlane;
  before(async () => {
    for (const d of ['good', 'bad']) fs.mkdirSync(path.join(tmp.dir, d));
    tmp.file('good/reviews.yaml', VS);
    tmp.file('bad/reviews.yaml', VS);
    tmp.file('bad/ratings.yaml', VS.replace('reviews', 'ratings').replace('  http:', '  htpp:'));
    good = await controlPlane(path.join(tmp.dir, 'good'));
    bad = await controlPlane(path.join(tmp.dir, 'bad'));
  });
  after(async () => {
    await good.stop();
    await bad.stop();
    tmp.cleanup();
  });

  it('every document accepted: exit 0', async () => {
    const r = await runWeft(['status', '--control', `127.0.0.1:${good.debugPort}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^CONFIG: every document accepted$/m);
  });

  it('a typo in a VirtualService: listed with code, path and FILE:LINE; exit 3', async () => {
    const r = await runWeft(['status', '--control', `127.0.0.1:${bad.debugPort}`]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /^CONFIG: 1 document rejected/m);
    const file = path.join(tmp.dir, 'bad', 'ratings.yaml');
    const line = r.stdout.split('\n').find((l) => l.includes('REJECTED WEFT0010'));
    assert.ok(line, r.stdout);
    assert.ok(line.includes('(VirtualService ratings.default) spec.htpp:') && line.endsWith(`at ${file}:6`), line);
    const json = await runWeft(['status', '--control', `127.0.0.1:${bad.debugPort}`, '-o', 'json']);
    assert.equal(json.code, 3);
    const out = JSON.parse(json.stdout) as { rejected: { key: string; messages: { code: string }[] }[] };
    assert.deepEqual(out.rejected.map((x) => [x.key, x.messages[0]!.code]), [['VirtualService ratings.default', 'WEFT0010']]);
  });
});
