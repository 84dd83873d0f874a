import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CachedResource } from '../../src/control/cache/cached-resource.js';
import { deltaResponseBytes, sotwResponseBytes } from '../../src/control/cache/response-bytes.js';
import { CLUSTER_TYPE_URL } from '../../src/xds/type-urls.js';
import { grpcFrame, ResponseReader, type ResponseHead } from './ads-sim.js';

const clusters = ['a', 'b'].map((n) => new CachedResource(CLUSTER_TYPE_URL, n, { name: n, type: 'STATIC' }));

test('the simulated proxy reads version, type, nonce (and delta names and versions) whatever the chunking', () => {
  const sotw = sotwResponseBytes('v1', CLUSTER_TYPE_URL, 'n1', Buffer.concat(clusters.map((c) => c.sotwField())));
  const delta = deltaResponseBytes('v2', CLUSTER_TYPE_URL, 'n2', clusters, ['gone']);
  for (const size of [1, 7, 1 << 20]) {
    const got: ResponseHead[] = [];
    const r = new ResponseReader(false, (h) => got.push(h));
    const wire = Buffer.concat([grpcFrame(sotw), grpcFrame(sotw)]);
    for (let i = 0; i < wire.length; i += size) r.push(wire.subarray(i, i + size));
    assert.equal(got.length, 2);
    assert.deepEqual({ v: got[1].version, t: got[1].typeUrl, n: got[1].nonce, c: got[1].count }, { v: 'v1', t: CLUSTER_TYPE_URL, n: 'n1', c: 2 });
    const dgot: ResponseHead[] = [];
    const d = new ResponseReader(true, (h) => dgot.push(h));
    const dwire = grpcFrame(delta);
    for (let i = 0; i < dwire.length; i += size) d.push(dwire.subarray(i, i + size));
    assert.equal(dgot[0].version, 'v2');
    assert.deepEqual([...dgot[0].resources!], clusters.map((c) => [c.name, c.version()]));
    assert.deepEqual(dgot[0].removed, ['gone']);
  }
});
