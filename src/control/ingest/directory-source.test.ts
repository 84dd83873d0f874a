import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ValidationResult } from '../validation/index.js';
import type { NetworkingObject } from '../../api/networking.js';
import { DirectoryConfigSource } from './directory-source.js';
import { nextSnapshot, tempDir } from './test-directory-source.js';

// A stand-in validator so these tests exercise the source, not validation
// rules: a document is an error when it has no kind or its spec says `bad: true`.
function fakeValidate(doc: unknown, file?: string): ValidationResult {
  const d = doc as { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: { bad?: boolean } };
  const key = `${d?.kind ?? '?'} ${d?.metadata?.name ?? '?'}.${d?.metadata?.namespace ?? 'default'}`;
  if (!d?.kind || d.spec?.bad) return { messages: [{ code: 'WEFT0012', severity: 'error', key, path: d?.kind ? 'spec.bad' : 'kind', message: 'bad document', ...(file ? { file } : {}) }] };
  if (d.kind === 'Service') return { messages: [{ code: 'WEFT0004', severity: 'warning', key, path: '', message: 'not Istio config; skipped' }] };
  return { object: doc as NetworkingObject, messages: [] };
}

const vsDoc = (name: string, host: string, ns?: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  hosts: [${host}]\n`;


test('load: multi-document files, one subfolder level, bad documents rejected alone, nothing dropped silently', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'a.yaml'), `${vsDoc('reviews', 'reviews')}---\n${vsDoc('broken', 'x').replace('hosts', 'bad: true\n  hosts')}---\n---\n${vsDoc('ratings', 'ratings', 'prod')}`);
  await writeFile(path.join(dir, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews' }, spec: { host: 'reviews' } }] }));
  await writeFile(path.join(dir, 'c.yml'), 'kind: [unclosed\n---\n' + vsDoc('after-syntax-error', 'details'));
  await writeFile(path.join(dir, 'h.json'), '{"kind": "VirtualService",');
  await writeFile(path.join(dir, 'd.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: k8s\n');
  await writeFile(path.join(dir, 'notes.txt'), 'kind: VirtualService');
  await mkdir(path.join(dir, 'sub', 'deeper'), { recursive: true });
  await mkdir(path.join(dir, '..data'));
  await writeFile(path.join(dir, 'sub', 'e.yaml'), vsDoc('in-sub', 'sub'));
  await writeFile(path.join(dir, 'sub', 'deeper', 'f.yaml'), vsDoc('too-deep', 'deep'));
  await writeFile(path.join(dir, '..data', 'g.yaml'), vsDoc('hidden', 'hidden'));

  const src = new DirectoryConfigSource(dir, { validate: fakeValidate });
  const snap = await src.load();
  assert.deepEqual(snap.accepted.map((a) => a.key), [
    'VirtualService reviews.default',
    'VirtualService ratings.prod',
    'DestinationRule reviews.default',
    'VirtualService after-syntax-error.default',
    'VirtualService in-sub.default',
  ]);
  assert.deepEqual(snap.rejected.map((r) => `${path.basename(r.file)}#${r.index}@${r.line} ${r.messages[0]!.code}`), ['a.yaml#1@8 WEFT0012', 'c.yml#-1@2 WEFT0001', 'h.json#-1@1 WEFT0001']);
  assert.equal(snap.rejected[0]!.key, 'VirtualService broken.default');
  assert.deepEqual(snap.messages.map((m) => m.code), ['WEFT0004']);
  assert.equal(snap.files.length, 6);
  const reviews = snap.accepted[0]!;
  assert.equal(reviews.obj.metadata.namespace, 'default');
  assert.equal(reviews.obj.metadata.generation, 1);
  assert.equal(reviews.file, path.join(dir, 'a.yaml'));
  assert.ok(Object.isFrozen(reviews.obj.metadata));
});

test('duplicates: the object defined first keeps its key, the other is rejected; order follows first sight', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'one'));
  await writeFile(path.join(dir, 'b.yaml'), vsDoc('reviews', 'two', 'default') + '---\n' + vsDoc('zeta', 'z'));
  const src = new DirectoryConfigSource(dir, { validate: fakeValidate });
  let snap = await src.load();
  assert.deepEqual(snap.accepted.map((a) => `${a.key}@${path.basename(a.file!)}`), ['VirtualService reviews.default@a.yaml', 'VirtualService zeta.default@b.yaml']);
  assert.equal(snap.rejected.length, 1);
  assert.equal(snap.rejected[0]!.messages[0]!.code, 'WEFT_INGEST_DUPLICATE');
  assert.match(snap.rejected[0]!.messages[0]!.message, /defined twice: at .*a\.yaml:\d+ .* and at .*b\.yaml:\d+/);

  // A new file sorting first does not take over an existing object; new objects come after old ones.
  await writeFile(path.join(dir, '0.yaml'), vsDoc('reviews', 'zero') + '---\n' + vsDoc('alpha', 'a'));
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'one-edited'));
  snap = await src.load();
  assert.deepEqual(snap.accepted.map((a) => `${a.key}@${path.basename(a.file!)}`), ['VirtualService reviews.default@a.yaml', 'VirtualService zeta.default@b.yaml', 'VirtualService alpha.default@0.yaml']);
  assert.equal(snap.accepted[0]!.obj.metadata.generation, 2);
  assert.equal(snap.accepted[1]!.obj.metadata.generation, 1);
  assert.deepEqual(snap.rejected.map((r) => path.basename(r.file)), ['0.yaml', 'b.yaml']);
});

test('watch: a change is re-emitted after the debounce window, including files in new subfolders', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'reviews'));
  const src = new DirectoryConfigSource(dir, { validate: fakeValidate, debounceMs: 20 });
  t.after(() => src.stop());
  const first = await src.start();
  assert.equal(first.accepted.length, 1);

  const added = nextSnapshot(src, (s) => s.accepted.length === 2);
  await writeFile(path.join(dir, 'b.yaml'), vsDoc('ratings', 'ratings'));
  const s2 = await added;
  assert.ok(s2.version > first.version);
  assert.equal(src.snapshot, s2);

  const broken = nextSnapshot(src, (s) => s.rejected.length === 1);
  await writeFile(path.join(dir, 'b.yaml'), vsDoc('ratings', 'ratings').replace('hosts', 'bad: true\n  hosts'));
  const s3 = await broken;
  // The rest is still served, and the broken object keeps its last accepted version.
  assert.deepEqual(s3.accepted.map((a) => a.key), ['VirtualService reviews.default', 'VirtualService ratings.default']);
  assert.ok(s3.rejected[0]!.messages.some((m) => m.code === 'WEFT_INGEST_KEPT_LAST_GOOD'));

  await mkdir(path.join(dir, 'team'));
  const sub = nextSnapshot(src, (s) => s.accepted.some((a) => a.key === 'VirtualService team-vs.default'));
  await writeFile(path.join(dir, 'team', 'c.yaml'), vsDoc('team-vs', 'team'));
  await sub;
});

test('poll mode: changes are seen without fs.watch', async (t) => {
  const dir = await tempDir(t);
  const src = new DirectoryConfigSource(dir, { validate: fakeValidate, poll: true, pollIntervalMs: 20, debounceMs: 10 });
  t.after(() => src.stop());
  assert.equal((await src.start()).accepted.length, 0);
  const got = nextSnapshot(src, (s) => s.accepted.length === 1);
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'reviews'));
  assert.equal((await got).accepted[0]!.key, 'VirtualService reviews.default');
});

test('with the real validator: errors carry codes and lines, other kinds are skipped with a warning', async (t) => {
  const dir = await tempDir(t);
  const good = vsDoc('reviews', 'reviews') + '  http:\n  - route:\n    - destination:\n        host: reviews\n';
  const bad = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: no-host\nspec:\n  subsets:\n  - name: v1\n';
  await writeFile(path.join(dir, 'mixed.yaml'), `${good}---\n${bad}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: k8s\n`);
  const snap = await new DirectoryConfigSource(dir).load();
  assert.deepEqual(snap.accepted.map((a) => a.key), ['VirtualService reviews.default']);
  assert.equal(snap.rejected.length, 1);
  const r = snap.rejected[0]!;
  assert.equal(r.key, 'DestinationRule no-host.default');
  assert.equal(r.line, 12);
  assert.ok(r.messages.every((m) => /^WEFT\d{4}$/.test(m.code) && m.file === path.join(dir, 'mixed.yaml')));
  assert.ok(r.messages.some((m) => m.severity === 'error' && m.line !== undefined && m.line >= 12));
  assert.ok(snap.messages.some((m) => m.code === 'WEFT0004'));
});

test('load fails when the folder cannot be read', async () => {
  await assert.rejects(new DirectoryConfigSource(path.join(os.tmpdir(), 'weft-no-such-dir-' + process.pid)).load(), /ENOENT/);
});
