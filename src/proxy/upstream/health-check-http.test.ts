// The HTTP checker against real HTTP/1.1 and h2c servers.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { envoy_config_core_v3_HealthCheck_HttpHealthCheck, envoy_config_core_v3_HealthCheck } from '../../xds/gen/types.js';
import { decodeHealthCheck, type HttpCheck } from './health-check-config.js';
import { HttpProbe } from './health-check-http.js';
import type { ProbeOutcome } from './health-check-probe.js';
import { HealthCheckStats } from './health-check-stats.js';
import { HealthChecker } from './health-checker.js';
import { UpstreamHost } from './host.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What the server answers; tests flip it. */
let answer: { status: number; body?: string; headers?: Record<string, string> } = { status: 200 };
const seen: Seen[] = [];
let connections = 0;

function respond(res: http.ServerResponse | http2.Http2ServerResponse): void {
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body ?? 'ok');
}

function config(http_health_check: Partial<envoy_config_core_v3_HealthCheck_HttpHealthCheck>, extra: Partial<envoy_config_core_v3_HealthCheck> = {}) {
  const errs = new ConfigErrors();
  const hc = decodeHealthCheck({
    timeout: { seconds: 2 },
    interval: { nanos: 50_000_000 },
    no_traffic_interval: { nanos: 50_000_000 },
    unhealthy_threshold: { value: 2 },
    healthy_threshold: { value: 2 },
    http_health_check: { path: '/healthz', ...http_health_check },
    ...extra,
  }, 'hc', errs);
  assert.equal(errs.issues.length, 0, errs.format());
  return hc!;
}

function check(probe: HttpProbe): Promise<ProbeOutcome> {
  return new Promise((resolve) => probe.start(resolve));
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HTTP/1.1 health check', () => {
  let server: http.Server;
  let port: number;
  const stats = new HealthCheckStats(new StatsStore(), 'cluster.c.');
  const target = () => ({ address: '127.0.0.1', port, clusterName: 'service_a' });
  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => respond(res));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends GET path with Host = cluster name and Envoy\'s user agent; 200 is healthy', async () => {
    answer = { status: 200 };
    const hc = config({ request_headers_to_add: [{ header: { key: 'x-probe', value: 'yes' } }] });
    const probe = new HttpProbe(target(), hc, hc.check as HttpCheck, stats);
    assert.deepEqual(await check(probe), { ok: true, degraded: false });
    const s = seen.at(-1)!;
    assert.equal(s.method, 'GET');
    assert.equal(s.url, '/healthz');
    assert.equal(s.headers.host, 'service_a');
    assert.equal(s.headers['user-agent'], 'Envoy/HC');
    assert.equal(s.headers['x-probe'], 'yes');
    probe.close();
  });

  it('honours host, method and request_headers_to_remove', async () => {
    answer = { status: 200 };
    const hc = config({ host: 'health.local', method: 'HEAD', request_headers_to_remove: ['user-agent'] });
    const probe = new HttpProbe(target(), hc, hc.check as HttpCheck, stats);
    assert.equal((await check(probe)).ok, true);
    const s = seen.at(-1)!;
    assert.equal(s.method, 'HEAD');
    assert.equal(s.headers.host, 'health.local');
    assert.equal(s.headers['user-agent'], undefined);
    probe.close();
  });

  it('a status outside expected_statuses fails at once; inside retriable_statuses it is retriable', async () => {
    answer = { status: 503 };
    const plain = config({});
    const p1 = new HttpProbe(target(), plain, plain.check as HttpCheck, stats);
    assert.deepEqual(await check(p1), { ok: false, network: false, retriable: false, reason: 'status 503' });
    const retry = config({ retriable_statuses: [{ start: 503, end: 504 }] });
    const p2 = new HttpProbe(target(), retry, retry.check as HttpCheck, stats);
    const o = await check(p2);
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.retriable, true);
    answer = { status: 204 };
    const wide = config({ expected_statuses: [{ start: 200, end: 300 }] });
    const p3 = new HttpProbe(target(), wide, wide.check as HttpCheck, stats);
    assert.equal((await check(p3)).ok, true);
    for (const p of [p1, p2, p3]) p.close();
  });

  it('matches receive payloads in the body, x-envoy-degraded, and service_name_matcher (verify_cluster)', async () => {
    const hc = config({ receive: [{ text: Buffer.from('status').toString('hex') }, { text: Buffer.from('up').toString('hex') }], service_name_matcher: { prefix: 'service_' } });
    const probe = new HttpProbe(target(), hc, hc.check as HttpCheck, stats);
    answer = { status: 200, body: 'status: up', headers: { 'x-envoy-upstream-healthchecked-cluster': 'service_a' } };
    assert.deepEqual(await check(probe), { ok: true, degraded: false });
    answer = { status: 200, body: 'status: down', headers: { 'x-envoy-upstream-healthchecked-cluster': 'service_a' } };
    assert.equal((await check(probe)).ok, false);
    answer = { status: 200, body: 'status: up', headers: { 'x-envoy-upstream-healthchecked-cluster': 'other' } };
    assert.equal((await check(probe)).ok, false);
    answer = { status: 200, body: 'status: up', headers: { 'x-envoy-upstream-healthchecked-cluster': 'service_a', 'x-envoy-degraded': '' } };
    assert.deepEqual(await check(probe), { ok: true, degraded: true });
    assert.equal(stats.verifyCluster.value, 3);
    probe.close();
  });

  it('reuses one connection when reuse_connection, and opens one per check otherwise', async () => {
    answer = { status: 200 };
    const reuse = config({});
    const p1 = new HttpProbe(target(), reuse, reuse.check as HttpCheck, stats);
    const before1 = connections;
    for (let i = 0; i < 3; i++) assert.equal((await check(p1)).ok, true);
    assert.equal(connections - before1, 1);
    p1.close();
    const fresh = config({}, { reuse_connection: { value: false } });
    const p2 = new HttpProbe(target(), fresh, fresh.check as HttpCheck, stats);
    const before2 = connections;
    for (let i = 0; i < 3; i++) assert.equal((await check(p2)).ok, true);
    assert.equal(connections - before2, 3);
    p2.close();
  });

  it('a refused connection is a network failure', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const dead = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const hc = config({});
    const probe = new HttpProbe({ address: '127.0.0.1', port: dead, clusterName: 'c' }, hc, hc.check as HttpCheck, stats);
    const o = await check(probe);
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.network, true);
    probe.close();
  });

  it('drives a host unhealthy and back as the server flips (real timers)', async () => {
    answer = { status: 200 };
    const host = new UpstreamHost('127.0.0.1', port, 1, 0, '', '127.0.0.1', true);
    let changes = 0;
    const store = new StatsStore();
    const cluster = { hosts: [host], statPrefix: 'cluster.flip.', config: { name: 'flip' }, onHealthChanged: () => changes++ };
    const checker = new HealthChecker(cluster, config({}), { clock: systemClock, random: Math.random, stats: store, log: new LogRegistry('off').logger('t') });
    try {
      checker.onHostsChanged();
      assert.equal(host.healthy, false);
      checker.start();
      await checker.firstChecksDone;
      assert.equal(host.healthy, true);
      answer = { status: 500 };
      await until(() => !host.healthy, 'host to fail its check');
      assert.ok(host.healthFlags.has('failed_active_hc'));
      answer = { status: 200 };
      await until(() => host.healthy, 'host to pass healthy_threshold checks');
      assert.ok(changes >= 3);
      assert.ok(store.findCounter('cluster.flip.health_check.failure')!.value >= 1);
      assert.equal(store.findGauge('cluster.flip.health_check.healthy')!.value, 1);
    } finally {
      checker.close();
    }
  });
});

describe('HTTP/2 health check (codec_client_type HTTP2)', () => {
  let server: http2.Http2Server;
  let port: number;
  let sessions = 0;
  const stats = new HealthCheckStats(new StatsStore(), 'cluster.c.');
  before(async () => {
    server = http2.createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      respond(res);
    });
    server.on('session', () => sessions++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  it('checks over one h2c session, with :authority from host', async () => {
    const hc = config({ codec_client_type: 'HTTP2', host: 'h2.local' });
    const probe = new HttpProbe({ address: '127.0.0.1', port, clusterName: 'c' }, hc, hc.check as HttpCheck, stats);
    answer = { status: 200 };
    assert.equal((await check(probe)).ok, true);
    assert.equal(seen.at(-1)!.headers[':authority'], 'h2.local');
    assert.equal(seen.at(-1)!.headers['user-agent'], 'Envoy/HC');
    answer = { status: 503 };
    const o = await check(probe);
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.network, false);
    assert.equal(sessions, 1);
    probe.close();
  });
});
