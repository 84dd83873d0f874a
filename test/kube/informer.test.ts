// The informer against the API server double, through @kubernetes/client-node:
// chunked lists, watch events, bookmarks, 410 → relist, a broken watch and an
// unreachable server (last state kept, recovery), resync.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/common/clock.js';
import { Informer, type InformerEvent } from '../../src/kube/informer.js';
import { KUBE_RESOURCES } from '../../src/kube/kube-resources.js';
import type { KubeApiDouble } from '../helpers/kube-api-double.js';
import { ns, pod, recordingLog, startDouble, until } from './kube-test-kit.js';

const fast = { initialBackoffMs: 10, maxBackoffMs: 50 };

describe('informer (list+watch against the API server double)', () => {
  let double: KubeApiDouble | undefined;
  const informers: Informer[] = [];
  afterEach(async () => {
    for (const i of informers.splice(0)) i.stop();
    await double?.stop();
  });

  it('lists in pages at one resourceVersion, then follows watch events', async () => {
    const d = await startDouble();
    double = d.double;
    d.double.put(ns('shop'));
    for (let i = 0; i < 7; i++) d.double.put(pod(`p${i}`, 'shop', { app: 'x' }, { ip: `10.0.0.${i + 1}` }));
    const inf = new Informer(d.client, KUBE_RESOURCES.pods, { pageSize: 3, ...fast });
    informers.push(inf);
    const events: InformerEvent[] = [];
    inf.onEvent((e) => events.push(e));
    inf.start();
    await inf.whenSynced();
    assert.equal(inf.list().length, 7);
    assert.equal(inf.stats.pages, 3);
    const lists = d.double.requests.filter((r) => r.path === '/api/v1/pods' && r.query.watch === undefined);
    assert.deepEqual(lists.map((r) => r.query.limit), ['3', '3', '3']);
    assert.equal(lists[1]!.query.continue !== undefined, true);
    assert.equal(events.filter((e) => e.type === 'add').length, 7);
    assert.equal(inf.get('shop', 'p0')?.kind, 'Pod', 'list items get their kind back');

    await until(() => inf.state === 'watching' && d.double.watchCount('pods') === 1, 'the watch');
    d.double.put({ ...pod('p0', 'shop', { app: 'y' }), metadata: { name: 'p0', namespace: 'shop', labels: { app: 'y' } } });
    d.double.remove('v1', 'Pod', 'shop', 'p1');
    d.double.put(pod('p9', 'shop', { app: 'x' }));
    await until(() => inf.get('shop', 'p9') !== undefined && inf.get('shop', 'p1') === undefined && inf.get('shop', 'p0')?.metadata.labels?.app === 'y', 'watch events applied');
    assert.deepEqual(events.slice(7).map((e) => e.type), ['synced', 'update', 'delete', 'add']);
    assert.equal(inf.resourceVersion, d.double.resourceVersion);
  });

  it('moves its resourceVersion on with bookmarks', async () => {
    const d = await startDouble();
    double = d.double;
    d.double.put(ns('shop'));
    const inf = new Informer(d.client, KUBE_RESOURCES.pods, fast);
    informers.push(inf);
    inf.start();
    await inf.whenSynced();
    await until(() => d.double.watchCount('pods') === 1, 'the watch');
    const watch = d.double.requests.find((r) => r.path === '/api/v1/pods' && r.query.watch === 'true');
    assert.equal(watch?.query.allowWatchBookmarks, 'true');
    // Writes to another kind move the global revision; a bookmark carries it to the pod watcher.
    d.double.put(ns('other'));
    d.double.put(ns('third'));
    d.double.bookmark();
    await until(() => inf.stats.bookmarks === 1, 'a bookmark');
    assert.equal(inf.resourceVersion, d.double.resourceVersion);
    // After a compaction, a re-watch from the bookmarked version is still valid: no relist.
    d.double.compact();
    d.double.breakWatches();
    await until(() => d.double.watchCount('pods') === 1 && inf.stats.watches === 2, 're-watch');
    assert.equal(inf.stats.expired, 0);
    assert.equal(inf.stats.lists, 1);
  });

  it('relists on 410 Expired and turns the difference into events', async () => {
    const d = await startDouble();
    double = d.double;
    d.double.put(ns('shop'));
    d.double.put(pod('keep', 'shop', {}));
    d.double.put(pod('gone', 'shop', {}));
    const inf = new Informer(d.client, KUBE_RESOURCES.pods, fast);
    informers.push(inf);
    const events: InformerEvent[] = [];
    inf.onEvent((e) => events.push(e));
    inf.start();
    await inf.whenSynced();
    await until(() => d.double.watchCount('pods') === 1, 'the watch');
    await d.double.goOffline();
    // While the server is away: the history moves on and is compacted.
    d.double.remove('v1', 'Pod', 'shop', 'gone');
    d.double.put(pod('new', 'shop', {}));
    d.double.compact();
    await until(() => inf.state === 'stale', 'the informer to notice');
    assert.deepEqual(inf.list().map((p) => p.metadata.name).sort(), ['gone', 'keep'], 'the last known state keeps serving');
    await d.double.goOnline();
    await until(() => inf.stats.expired === 1 && inf.get('shop', 'new') !== undefined && inf.state === 'watching', 'relist after 410');
    assert.deepEqual(inf.list().map((p) => p.metadata.name).sort(), ['keep', 'new']);
    assert.equal(inf.stats.lists, 2);
    const after = events.slice(events.findIndex((e) => e.type === 'synced') + 1);
    assert.deepEqual(after.map((e) => (e.type === 'synced' || e.type === 'resync' ? e.type : `${e.type} ${e.obj.metadata.name}`)).sort(), ['add new', 'delete gone', 'synced']);
  });

  it('waits for an API server that is down at start, says so, and syncs when it comes', async () => {
    const d = await startDouble();
    double = d.double;
    d.double.put(ns('shop'));
    d.double.put(pod('a', 'shop', {}));
    await d.double.goOffline();
    const log = recordingLog();
    const inf = new Informer(d.client, KUBE_RESOURCES.pods, { ...fast, log });
    informers.push(inf);
    inf.start();
    await until(() => inf.stats.errors >= 2, 'retries');
    assert.equal(inf.state, 'waiting');
    assert.equal(inf.hasSynced, false);
    assert.ok(log.lines.some((l) => l.startsWith('warn') && l.includes(`waiting for the Kubernetes API server at ${d.double.url}`)), log.lines.join('\n'));
    assert.equal(log.lines.filter((l) => l.startsWith('warn')).length, 1, 'said once, not per retry');
    await d.double.goOnline();
    await inf.whenSynced();
    assert.equal(inf.get('shop', 'a')?.metadata.name, 'a');
    await until(() => inf.state === 'watching', 'watching');
    assert.ok(log.lines.some((l) => l.includes('answers again')));
  });

  it('re-delivers every object on resync (manual clock)', async () => {
    const d = await startDouble();
    double = d.double;
    d.double.put(ns('shop'));
    d.double.put(pod('a', 'shop', {}));
    const clock = new ManualClock();
    const inf = new Informer(d.client, KUBE_RESOURCES.pods, { clock, resyncMs: 60_000 });
    informers.push(inf);
    const events: string[] = [];
    inf.onEvent((e) => events.push(e.type));
    inf.start();
    await inf.whenSynced();
    clock.advance(60_000);
    assert.deepEqual(events, ['add', 'synced', 'update', 'resync']);
    assert.equal(inf.stats.resyncs, 1);
  });
});
