// The TCP checker against a real TCP server that answers PING with PONG, or not.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { envoy_config_core_v3_HealthCheck } from '../../xds/gen/types.js';
import { decodeHealthCheck, type TcpCheck } from './health-check-config.js';
import type { ProbeOutcome } from './health-check-probe.js';
import { TcpProbe } from './health-check-tcp.js';
import { HealthChecker } from './health-checker.js';
import { UpstreamHost } from './host.js';

const hex = (s: string) => Buffer.from(s).toString('hex');

function config(extra: Partial<envoy_config_core_v3_HealthCheck>) {
  const errs = new ConfigErrors();
  const hc = decodeHealthCheck({
    timeout: { nanos: 150_000_000 },
    interval: { nanos: 30_000_000 },
    no_traffic_interval: { nanos: 30_000_000 },
    unhealthy_threshold: { value: 2 },
    healthy_threshold: { value: 1 },
    tcp_health_check: { send: { text: hex('PING') }, receive: [{ text: hex('PO') }, { text: hex('NG') }] },
    ...extra,
  }, 'hc', errs);
  assert.equal(errs.issues.length, 0, errs.format());
  return hc!;
}

function check(probe: TcpProbe): Promise<ProbeOutcome> {
  return new Promise((resolve) => probe.start(resolve));
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TCP health check', () => {
  let server: net.Server;
  let port: number;
  let mode: 'pong' | 'wrong' | 'close' = 'pong';
  let connections = 0;
  let closedByPeer = 0;
  const sockets = new Set<net.Socket>();
  before(async () => {
    server = net.createServer((s) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('end', () => {
        closedByPeer++;
        s.end();
      });
      s.on('error', () => {});
      s.on('data', (d) => {
        if (!d.toString().includes('PING')) return;
        if (mode === 'pong') {
          s.write('PO');
          setTimeout(() => s.write('..NG'), 5); // split across reads, with bytes in between
        } else if (mode === 'wrong') s.write('NOPE');
        else s.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const target = () => ({ address: '127.0.0.1', port, clusterName: 'c' });

  it('connect-only (no send, no receive): healthy on connect, and the connection is closed', async () => {
    const hc = config({ tcp_health_check: {} });
    const probe = new TcpProbe(target(), hc, hc.check as TcpCheck);
    const peerCloses = closedByPeer;
    assert.deepEqual(await check(probe), { ok: true, degraded: false });
    await until(() => closedByPeer > peerCloses, 'the probe to close its connection');
    probe.close();
  });

  it('sends the payload and passes once every receive block has arrived, reusing the connection', async () => {
    mode = 'pong';
    const hc = config({});
    const probe = new TcpProbe(target(), hc, hc.check as TcpCheck);
    const before1 = connections;
    assert.equal((await check(probe)).ok, true);
    assert.equal((await check(probe)).ok, true);
    assert.equal(connections - before1, 1);
    probe.close();
  });

  it('opens a connection per check when reuse_connection is false', async () => {
    mode = 'pong';
    const hc = config({ reuse_connection: { value: false } });
    const probe = new TcpProbe(target(), hc, hc.check as TcpCheck);
    const before1 = connections;
    assert.equal((await check(probe)).ok, true);
    assert.equal((await check(probe)).ok, true);
    assert.equal(connections - before1, 2);
    probe.close();
  });

  it('a closed connection or a refused connect is a network failure', async () => {
    mode = 'close';
    const hc = config({});
    const probe = new TcpProbe(target(), hc, hc.check as TcpCheck);
    const o = await check(probe);
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.network, true);
    probe.close();
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const dead = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const p2 = new TcpProbe({ address: '127.0.0.1', port: dead, clusterName: 'c' }, hc, hc.check as TcpCheck);
    const o2 = await check(p2);
    assert.equal(!o2.ok && o2.network, true);
    p2.close();
  });

  it('a wrong answer times out; the host goes unhealthy after unhealthy_threshold and recovers (real timers)', async () => {
    mode = 'pong';
    const host = new UpstreamHost('127.0.0.1', port, 1, 0, '', '127.0.0.1', true);
    const store = new StatsStore();
    const cluster = { hosts: [host], statPrefix: 'cluster.tcp.', config: { name: 'tcp' }, onHealthChanged: () => {} };
    const checker = new HealthChecker(cluster, config({}), { clock: systemClock, random: Math.random, stats: store, log: new LogRegistry('off').logger('t') });
    try {
      checker.onHostsChanged();
      checker.start();
      await checker.firstChecksDone;
      assert.equal(host.healthy, true);
      mode = 'wrong';
      await until(() => !host.healthy, 'the host to time out twice');
      assert.ok(store.findCounter('cluster.tcp.health_check.network_failure')!.value >= 2);
      mode = 'pong';
      await until(() => host.healthy, 'the host to recover');
    } finally {
      checker.close();
    }
  });
});
