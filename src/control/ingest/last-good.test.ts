// An edit that breaks an object keeps its last accepted version serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateObject } from '../validation/index.js';
import { SnapshotAssembler } from './config-snapshot.js';
import { parseDocuments } from './read-documents.js';

const vs = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v1 } }]
    timeout: ${timeout}
`;

test('a broken edit keeps the last accepted version, and says so', () => {
  const a = new SnapshotAssembler(validateObject);
  const s1 = a.build(new Map([['/cfg/vs.yaml', parseDocuments(vs('5s'))]]));
  assert.deepEqual(s1.accepted.map((x) => x.key), ['VirtualService reviews.default']);
  const s2 = a.build(new Map([['/cfg/vs.yaml', parseDocuments(vs('"not-a-duration"'))]]));
  assert.deepEqual(s2.accepted.map((x) => x.key), ['VirtualService reviews.default']);
  const spec = s2.accepted[0]!.obj.spec as { http: { timeout: string }[] };
  assert.equal(spec.http[0]!.timeout, '5s');
  assert.equal(s2.rejected.length, 1);
  assert.ok(s2.rejected[0]!.messages.some((m) => m.code === 'WEFT_INGEST_KEPT_LAST_GOOD'), JSON.stringify(s2.rejected[0]!.messages));
  // Fixed again: the new version is served.
  const s3 = a.build(new Map([['/cfg/vs.yaml', parseDocuments(vs('7s'))]]));
  assert.equal((s3.accepted[0]!.obj.spec as { http: { timeout: string }[] }).http[0]!.timeout, '7s');
  // Deleted: gone.
  const s4 = a.build(new Map());
  assert.equal(s4.accepted.length, 0);
});
