// The connection manager's request handling through real sockets:
// x-request-id, x-forwarded-for / -proto, max_request_headers_kb, and the
// timeouts (stream_idle_timeout, request_headers_timeout, route timeout and
// its x-envoy-upstream-rq-timeout-ms override), each with a small configured
// value and a hung upstream.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';
import { parseResponses, rawConnect, stat, within } from '../helpers/http-test-kit.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request headers: x-request-id, x-forwarded-*', () => {
  let up: Upstream;
  let internal: RunningProxy;
  let edge: RunningProxy;
  before(async () => {
    up = await startUpstream('s');
    internal = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    edge = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          use_remote_address: true' }));
  });
  after(async () => {
    await internal?.close();
    await edge?.close();
    await up?.close();
  });

  const seen = () => up.requests.at(-1)!.headers;

  it('x-request-id is generated (UUID v4) when absent, fresh per request', async () => {
    await request({ port: internal.port() });
    const a = String(seen()['x-request-id']);
    await request({ port: internal.port() });
    const b = String(seen()['x-request-id']);
    assert.match(a, UUID);
    assert.match(b, UUID);
    assert.notEqual(a, b);
  });

  it('x-request-id is preserved when present on an internal request', async () => {
    await request({ port: internal.port(), headers: { 'x-request-id': 'keep-me-1' } });
    assert.equal(seen()['x-request-id'], 'keep-me-1');
    // With use_remote_address, a loopback client is internal too: kept.
    await request({ port: edge.port(), headers: { 'x-request-id': 'keep-me-2' } });
    assert.equal(seen()['x-request-id'], 'keep-me-2');
  });

  it('x-forwarded-for is passed through untouched without use_remote_address', async () => {
    await request({ port: internal.port(), headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(seen()['x-forwarded-for'], '203.0.113.9');
    await request({ port: internal.port() });
    assert.equal(seen()['x-forwarded-for'], undefined);
  });

  it('x-forwarded-for gets the peer address appended with use_remote_address: true', async () => {
    await request({ port: edge.port(), headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(seen()['x-forwarded-for'], '203.0.113.9,127.0.0.1');
    await request({ port: edge.port() });
    assert.equal(seen()['x-forwarded-for'], '127.0.0.1');
  });

  it('x-forwarded-proto: set when absent; trusted from an internal hop; overwritten at the edge', async () => {
    await request({ port: internal.port() });
    assert.equal(seen()['x-forwarded-proto'], 'http');
    await request({ port: internal.port(), headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(seen()['x-forwarded-proto'], 'https');
    await request({ port: edge.port(), headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(seen()['x-forwarded-proto'], 'http');
  });
});

describe('max_request_headers_kb', () => {
  it('a header section over the limit is answered 431 and never reaches the upstream', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          max_request_headers_kb: 2' }));
    try {
      const ok = await request({ port: px.port(), headers: { 'x-pad': 'a'.repeat(1000) } });
      assert.equal(ok.status, 200);
      const c = await rawConnect(px.port());
      c.write(`GET / HTTP/1.1\r\nhost: a\r\nx-pad: ${'b'.repeat(3000)}\r\n\r\n`);
      const [r] = parseResponses(await c.closed());
      assert.equal(r!.status, 431);
      assert.match(r!.headers['x-weft-error'] ?? '', /^WEFT_HEADERS_TOO_LARGE /);
      assert.equal(up.requests.length, 1);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

/** An upstream that accepts requests and never answers (until closed). */
async function startHungUpstream(): Promise<{ port: number; got: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer(() => n++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    got: () => n,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('timeouts', () => {
  it('stream_idle_timeout: 408 "stream timeout" when the upstream sends nothing', async () => {
    const up = await startHungUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          stream_idle_timeout: 0.2s' }));
    try {
      const t0 = Date.now();
      const r = await within(request({ port: px.port() }), 3000, 'the idle timeout');
      assert.equal(r.status, 408);
      assert.equal(r.body.toString(), 'stream timeout');
      assert.match(String(r.headers['x-weft-error']), /^WEFT_STREAM_IDLE_TIMEOUT /);
      assert.ok(Date.now() - t0 >= 150);
      assert.equal(await stat(px, 'http.ingress_http.downstream_rq_idle_timeout'), 1);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('request_headers_timeout: an incomplete header section is cut off (counted) after the timeout', async () => {
    const up = await startHungUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          request_headers_timeout: 0.2s' }));
    try {
      const c = await rawConnect(px.port());
      c.write('GET / HTTP/1.1\r\nhost: a\r\nx-partial: ');
      await c.closed(3000);
      assert.equal(await stat(px, 'http.ingress_http.downstream_rq_header_timeout'), 1);
      assert.equal(up.got(), 0);
      // A complete request on a fresh connection is not affected.
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('request_headers_timeout: Envoy answers 408 "request header timeout" before closing', async () => {
    const up = await startHungUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          request_headers_timeout: 0.2s' }));
    try {
      const c = await rawConnect(px.port());
      c.write('GET / HTTP/1.1\r\nhost: a\r\nx-partial: ');
      const [r] = parseResponses(await c.closed(3000));
      assert.equal(r?.status, 408);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('route timeout: 504 UT "upstream request timeout" with WEFT_UPSTREAM_TIMEOUT on a hung upstream', async () => {
    const up = await startHungUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: service1, timeout: 0.2s }` }));
    try {
      const r = await within(request({ port: px.port() }), 3000, 'the route timeout');
      assert.equal(r.status, 504);
      assert.equal(r.body.toString(), 'upstream request timeout');
      assert.match(String(r.headers['x-weft-error']), /^WEFT_UPSTREAM_TIMEOUT /);
      assert.equal(await stat(px, 'cluster.service1.upstream_rq_timeout'), 1);
      assert.equal(up.got(), 1);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('x-envoy-upstream-rq-timeout-ms overrides the route timeout (and is not forwarded)', async () => {
    let seenHeader: string | undefined = 'unset';
    let seenExpected: string | undefined;
    const server = http.createServer((req) => {
      seenHeader = req.headers['x-envoy-upstream-rq-timeout-ms'] as string | undefined;
      seenExpected = req.headers['x-envoy-expected-rq-timeout-ms'] as string | undefined;
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: service1, timeout: 30s }` }));
    try {
      const t0 = Date.now();
      const r = await within(request({ port: px.port(), headers: { 'x-envoy-upstream-rq-timeout-ms': '150' } }), 3000, 'the header timeout');
      assert.equal(r.status, 504);
      assert.ok(Date.now() - t0 < 2500);
      assert.equal(seenHeader, undefined);
      assert.equal(seenExpected, '150');
    } finally {
      await px.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
