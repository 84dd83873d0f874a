// The config folder under hostile or mistaken input, with real files in a
// temp dir and the real watcher (each step waits for the snapshot or error
// event it causes, never a fixed sleep): files over the size limit are
// refused unread, a large file parses off the main thread, a YAML syntax
// error keeps the file's objects at their last good versions, and a folder
// deleted and re-created is watched again.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import type { ConfigSnapshot } from './config-snapshot.js';
import { DirectoryConfigSource } from './directory-source.js';
import { nextSnapshot, tempDir } from './test-directory-source.js';
import { parseDocuments } from './read-documents.js';

const vsDoc = (name: string, host: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\nspec:\n  hosts: [${host}]\n  http:\n  - route: [{ destination: { host: ${host} } }]\n`;


const keys = (s: ConfigSnapshot) => s.accepted.map((a) => a.key);
const codes = (s: ConfigSnapshot, file: string) => s.rejected.filter((r) => r.file === file).flatMap((r) => r.messages.map((m) => m.code));

test('a file over the size limit is refused unread, with its own code; its objects keep their last good versions', async (t) => {
  const dir = await tempDir(t);
  const big = path.join(dir, 'big.yaml');
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'reviews'));
  await writeFile(big, vsDoc('ratings', 'ratings'));
  const src = new DirectoryConfigSource(dir, { debounceMs: 20, maxFileBytes: 4096 });
  t.after(() => src.stop());
  assert.deepEqual(keys(await src.start()), ['VirtualService reviews.default', 'VirtualService ratings.default']);

  const refused = nextSnapshot(src, (s) => codes(s, big).includes('WEFT_INGEST_TOO_LARGE'));
  await writeFile(big, vsDoc('ratings', 'ratings') + `# ${'x'.repeat(8192)}\n`);
  const s = await refused;
  assert.deepEqual(keys(s), ['VirtualService reviews.default', 'VirtualService ratings.default']);
  assert.deepEqual(codes(s, big), ['WEFT_INGEST_TOO_LARGE', 'WEFT_INGEST_KEPT_LAST_GOOD']);
  assert.match(s.rejected[0]!.messages[0]!.message, /over the limit of 4096 bytes/);
});

test('a large file parses in the worker: the main thread stays responsive while it does', async (t) => {
  const dir = await tempDir(t);
  // A ConfigMap (skipped as not Istio config) with a long list: heavy to parse, trivial to validate.
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: big }', 'spec:', '  entries:'];
  for (let i = 0; i < 10_000; i++) lines.push(`  - { a: [1, 2, 3], b: "value ${i}" }`);
  const text = lines.join('\n') + '\n';
  await writeFile(path.join(dir, 'big.yaml'), text);
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'reviews'));

  // How long the same parse blocks a thread.
  const t0 = performance.now();
  parseDocuments(text, 'big.yaml');
  const inlineMs = performance.now() - t0;

  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const src = new DirectoryConfigSource(dir, { maxFileBytes: 16 * 1024 * 1024 });
  t.after(() => src.stop());
  const snap = await src.start();
  h.disable();
  assert.deepEqual(keys(snap), ['VirtualService reviews.default']);
  assert.ok(snap.messages.some((m) => m.code === 'WEFT0004'), 'the ConfigMap was parsed and skipped');
  const maxDelayMs = h.max / 1e6;
  assert.ok(inlineMs > 200, `the file is heavy enough to matter (inline parse ${inlineMs.toFixed(0)} ms)`);
  assert.ok(maxDelayMs < inlineMs / 2, `event loop blocked ${maxDelayMs.toFixed(0)} ms at most, while parsing inline takes ${inlineMs.toFixed(0)} ms`);
});

test('a YAML syntax error keeps every object of the file at its last good version', async (t) => {
  const dir = await tempDir(t);
  const f = path.join(dir, 'routes.yaml');
  await writeFile(f, vsDoc('reviews', 'reviews') + '---\n' + vsDoc('ratings', 'ratings'));
  const src = new DirectoryConfigSource(dir, { debounceMs: 20 });
  t.after(() => src.stop());
  assert.deepEqual(keys(await src.start()), ['VirtualService reviews.default', 'VirtualService ratings.default']);

  const broken = nextSnapshot(src, (s) => codes(s, f).includes('WEFT0001'));
  await writeFile(f, vsDoc('reviews', 'reviews').replace('hosts: [reviews]', 'hosts: [reviews') + '---\n' + vsDoc('ratings', 'ratings').replace('  name: ratings', ' name: ratings\n   bad'));
  const s = await broken;
  assert.deepEqual(keys(s), ['VirtualService reviews.default', 'VirtualService ratings.default']);
  assert.ok(codes(s, f).includes('WEFT_INGEST_KEPT_LAST_GOOD'));
  assert.deepEqual(s.accepted.map((a) => a.obj.metadata.generation), [1, 1], 'the last good versions, unchanged');

  // Fixed: the new versions apply.
  const fixed = nextSnapshot(src, (x) => x.rejected.length === 0 && x.accepted.some((a) => (a.obj.spec as { hosts: string[] }).hosts[0] === 'details'));
  await writeFile(f, vsDoc('reviews', 'details') + '---\n' + vsDoc('ratings', 'ratings'));
  assert.deepEqual(keys(await fixed), ['VirtualService reviews.default', 'VirtualService ratings.default']);
});

test('a config folder deleted and re-created is watched again', async (t) => {
  const parent = await tempDir(t);
  const dir = path.join(parent, 'config');
  await mkdir(dir);
  await writeFile(path.join(dir, 'a.yaml'), vsDoc('reviews', 'reviews'));
  const src = new DirectoryConfigSource(dir, { debounceMs: 20 });
  t.after(() => src.stop());
  assert.deepEqual(keys(await src.start()), ['VirtualService reviews.default']);

  const gone = new Promise<Error>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error event within 10000 ms')), 10_000);
    const off = src.onError((e) => {
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
  await rm(dir, { recursive: true });
  assert.match((await gone).message, /ENOENT/);
  assert.deepEqual(keys(src.snapshot!), ['VirtualService reviews.default'], 'the last snapshot stays in force');

  const back = nextSnapshot(src, (s) => keys(s).includes('VirtualService ratings.default'));
  await mkdir(dir);
  await writeFile(path.join(dir, 'b.yaml'), vsDoc('ratings', 'ratings'));
  assert.deepEqual(keys(await back), ['VirtualService ratings.default']);

  // And later changes in the new folder are seen too.
  const later = nextSnapshot(src, (s) => keys(s).includes('VirtualService details.default'));
  await writeFile(path.join(dir, 'c.yaml'), vsDoc('details', 'details'));
  await later;
});
