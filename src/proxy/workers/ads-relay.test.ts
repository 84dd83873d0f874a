// The primary's ADS relay against a real control plane (XdsServer over gRPC),
// with the workers played by the test: what each worker's xDS client would
// send (a request on open, an ACK per response) goes through onMessage().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../common/clock.js';
import { LogRegistry } from '../../common/log.js';
import { Snapshot, SnapshotCache } from '../../control/cache/index.js';
import { XdsServer } from '../../control/server/index.js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import { ADS_SOTW_METHOD } from '../xds-client/ads-stream.js';
import { AdsRelayPrimary } from './ads-relay.js';
import type { PrimaryMessage } from './protocol.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESP = 'envoy.service.discovery.v3.DiscoveryResponse';
const cluster = (name: string) => ({ name, type: 'STATIC', connect_timeout: { seconds: 1, nanos: 0 } });

/** A worker's xDS client, reduced to CDS: requests on open, ACKs every response (unless it is dead). */
class FakeWorker {
  version = '';
  nonce = '';
  dead = false;
  readonly versions: string[] = [];
  private readonly waiters = new Map<string, () => void>();
  /** Resolves when this worker has received `version` (bounded). */
  received(version: string, ms = 5000): Promise<void> {
    if (this.versions.includes(version)) return Promise.resolve();
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for worker ${this.slot} to receive ${version}`)), ms);
      this.waiters.set(version, () => {
        clearTimeout(t);
        res();
      });
    });
  }
  constructor(readonly slot: number, private readonly relay: () => AdsRelayPrimary) {}
  private request(): void {
    const bytes = encodeBinary(REQ, { node: { id: 'sidecar-1', cluster: 'test' }, type_url: CDS, version_info: this.version, response_nonce: this.nonce });
    this.relay().onMessage(this.slot, { t: 'ads-send', bytes });
  }
  on(m: PrimaryMessage): void {
    if (this.dead) return;
    if (m.t === 'ads-opened') this.request();
    if (m.t === 'ads-msg') {
      const r = decodeBinary(RESP, Buffer.from(m.bytes)) as { version_info?: string; nonce?: string };
      this.version = r.version_info ?? '';
      this.nonce = r.nonce ?? '';
      this.versions.push(this.version);
      this.waiters.get(this.version)?.();
      this.request();
    }
  }
}

describe('AdsRelayPrimary', { timeout: 20_000 }, () => {
  let server: XdsServer;
  let cache: SnapshotCache;
  let port = 0;
  before(async () => {
    cache = new SnapshotCache();
    server = new XdsServer({ cache });
    port = await server.listen('127.0.0.1:0');
  });
  after(async () => {
    await server.close();
  });

  it('the leader exits before it ACKed: the next leader\'s requests reach the control plane, updates keep coming', async () => {
    cache.setSnapshot('sidecar-1', Snapshot.create('v1', { clusters: [cluster('a')] }));
    const w = [0, 1].map((slot) => new FakeWorker(slot, () => relay));
    // Worker 0 is dead as soon as it received v1: it never ACKs it (it crashed while applying it).
    const w0 = w[0]!;
    const origOn = w0.on.bind(w0);
    w0.on = (m) => {
      if (m.t === 'ads-msg') w0.dead = true;
      else origOn(m);
    };
    const live = new Set([0, 1]);
    const relay: AdsRelayPrimary = new AdsRelayPrimary(() => [...live], (slot, m) => w[slot]!.on(m), systemClock, Math.random, new LogRegistry('critical').logger('xds'));
    try {
      for (const s of [0, 1]) relay.onMessage(s, { t: 'ads-start', method: ADS_SOTW_METHOD, authority: '', target: `127.0.0.1:${port}` });
      await w[1]!.received('v1');
      // Worker 1's ACK of v1 went nowhere (it was not the leader); now the leader is gone.
      live.delete(0);
      relay.workerGone(0);
      cache.setSnapshot('sidecar-1', Snapshot.create('v2', { clusters: [cluster('a'), cluster('b')] }));
      await w[1]!.received('v2');
      assert.equal(server.status().length, 1, 'still one xDS connection');
    } finally {
      relay.stop();
    }
  });
});
