// The gRPC checker against a real @grpc/grpc-js server (grpc.health.v1 with a
// hand-written codec) and a raw h2c server for the corner cases.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { systemClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import type { envoy_config_core_v3_HealthCheck_GrpcHealthCheck } from '../../xds/gen/types.js';
import { decodeHealthCheck, type GrpcCheck } from './health-check-config.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, GrpcProbe } from './health-check-grpc.js';
import type { ProbeOutcome } from './health-check-probe.js';
import { HealthChecker } from './health-checker.js';
import { UpstreamHost } from './host.js';

function config(grpc_health_check: envoy_config_core_v3_HealthCheck_GrpcHealthCheck) {
  const errs = new ConfigErrors();
  const hc = decodeHealthCheck({
    timeout: { seconds: 2 },
    interval: { nanos: 40_000_000 },
    no_traffic_interval: { nanos: 40_000_000 },
    unhealthy_threshold: { value: 2 },
    healthy_threshold: { value: 1 },
    grpc_health_check,
  }, 'hc', errs);
  assert.equal(errs.issues.length, 0, errs.format());
  return hc!;
}

function check(probe: GrpcProbe): Promise<ProbeOutcome> {
  return new Promise((resolve) => probe.start(resolve));
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** HealthCheckRequest, read by hand (service: field 1, length-delimited). */
function readRequest(b: Buffer): { service: string } {
  if (b.length === 0) return { service: '' };
  assert.equal(b[0], 0x0a);
  return { service: b.subarray(2, 2 + b[1]!).toString() };
}

describe('gRPC health check codec', () => {
  it('frames HealthCheckRequest{service} and reads HealthCheckResponse.status', () => {
    assert.deepEqual([...encodeHealthCheckRequest('')], [0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeHealthCheckRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
    const frame = (msg: number[]) => Buffer.from([0, 0, 0, 0, msg.length, ...msg]);
    assert.equal(decodeHealthCheckResponse(frame([0x08, 1])), 1);
    assert.equal(decodeHealthCheckResponse(frame([])), 0);
    assert.equal(decodeHealthCheckResponse(frame([0x12, 1, 0x41, 0x08, 2])), 2); // unknown field skipped
    assert.equal(typeof decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 5, 0x08])), 'string');
    assert.equal(typeof decodeHealthCheckResponse(Buffer.from([1, 0, 0, 0, 0])), 'string');
  });
});

describe('gRPC health check against @grpc/grpc-js', () => {
  let server: grpc.Server;
  let port: number;
  /** Per-service serving status (1 SERVING, 2 NOT_SERVING); missing: NOT_FOUND. */
  const statuses = new Map<string, number>([['', 1], ['reviews', 1]]);
  const asked: string[] = [];
  before(async () => {
    server = new grpc.Server();
    const def: grpc.ServiceDefinition = {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: { service: string }) => Buffer.from(v.service),
        requestDeserialize: readRequest,
        responseSerialize: (status: number) => Buffer.from(status ? [0x08, status] : []),
        responseDeserialize: (b: Buffer) => b[1] ?? 0,
      },
    };
    server.addService(def, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => {
        asked.push(call.request.service);
        const s = statuses.get(call.request.service);
        if (s === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else cb(null, s);
      },
    });
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
  });
  after(() => server.forceShutdown());
  const target = () => ({ address: '127.0.0.1', port, clusterName: 'c' });

  it('SERVING is healthy, NOT_SERVING and an unknown service are not', async () => {
    const hc = config({ service_name: 'reviews' });
    const probe = new GrpcProbe(target(), hc, hc.check as GrpcCheck);
    assert.deepEqual(await check(probe), { ok: true, degraded: false });
    assert.equal(asked.at(-1), 'reviews');
    statuses.set('reviews', 2);
    const o = await check(probe);
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.network, false);
    assert.match(!o.ok ? o.reason : '', /NOT_SERVING/);
    statuses.delete('reviews');
    const o2 = await check(probe);
    assert.match(!o2.ok ? o2.reason : '', /grpc-status 5/);
    statuses.set('reviews', 1);
    probe.close();
  });

  it('checks the empty service name by default and flips a host with real timers', async () => {
    const host = new UpstreamHost('127.0.0.1', port, 1, 0, '', '127.0.0.1', true);
    const store = new StatsStore();
    const cluster = { hosts: [host], statPrefix: 'cluster.g.', config: { name: 'g' }, onHealthChanged: () => {} };
    const checker = new HealthChecker(cluster, config({}), { clock: systemClock, random: Math.random, stats: store, log: new LogRegistry('off').logger('t') });
    try {
      checker.onHostsChanged();
      checker.start();
      await checker.firstChecksDone;
      assert.equal(host.healthy, true);
      assert.equal(asked.at(-1), '');
      statuses.set('', 2);
      await until(() => !host.healthy, 'NOT_SERVING to mark the host unhealthy');
      statuses.set('', 1);
      await until(() => host.healthy, 'SERVING to bring it back');
      assert.ok(store.findCounter('cluster.g.health_check.success')!.value >= 2);
    } finally {
      checker.close();
    }
  });
});

describe('gRPC health check against a raw h2c server', () => {
  let server: http2.Http2Server;
  let port: number;
  let reply: (s: http2.ServerHttp2Stream) => void = () => {};
  let lastHeaders: http2.IncomingHttpHeaders = {};
  before(async () => {
    server = http2.createServer();
    server.on('stream', (s, h) => {
      lastHeaders = h;
      s.on('error', () => {});
      s.on('data', () => {});
      s.on('end', () => reply(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  it('sends POST /grpc.health.v1.Health/Check with :authority and initial_metadata', async () => {
    reply = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]));
    };
    const hc = config({ authority: 'health.svc', initial_metadata: [{ header: { key: 'x-md', value: 'v' } }] });
    const probe = new GrpcProbe({ address: '127.0.0.1', port, clusterName: 'c' }, hc, hc.check as GrpcCheck);
    assert.equal((await check(probe)).ok, true);
    assert.equal(lastHeaders[':method'], 'POST');
    assert.equal(lastHeaders[':path'], '/grpc.health.v1.Health/Check');
    assert.equal(lastHeaders[':authority'], 'health.svc');
    assert.equal(lastHeaders['content-type'], 'application/grpc');
    assert.equal(lastHeaders['x-md'], 'v');
    probe.close();
  });

  it('a trailers-only error, a non-200 status or a reset stream fails', async () => {
    const hc = config({});
    const probe = new GrpcProbe({ address: '127.0.0.1', port, clusterName: 'c' }, hc, hc.check as GrpcCheck);
    reply = (s) => s.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
    const o1 = await check(probe);
    assert.match(!o1.ok ? o1.reason : '', /grpc-status 12/);
    reply = (s) => {
      s.respond({ ':status': 503 });
      s.end();
    };
    const o2 = await check(probe);
    assert.match(!o2.ok ? o2.reason : '', /non-200/);
    reply = (s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    const o3 = await check(probe);
    assert.equal(!o3.ok && o3.network, true);
    probe.close();
  });
});
