// envoy.filters.http.buffer end to end: the upstream sees the request only
// once its body is complete (with a content-length), over HTTP/1.1 and
// HTTP/2; bodies over max_request_bytes get 413; BufferPerRoute.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { stat, within } from '../helpers/http-test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';
import { bootstrap, bootstrapErrors, request, request2, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const FILTERS = `          - name: envoy.filters.http.buffer
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
              max_request_bytes: 1024`;

const ROUTES = `              - match: { prefix: "/unbuffered" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.buffer:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                    disabled: true
              - match: { prefix: "/bigger" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.buffer:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                    buffer: { max_request_bytes: 4096 }
              - match: { prefix: "/" }
                route: { cluster: service1 }`;

describe('buffer filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  let headersSeen = 0;
  before(async () => {
    up = await startUpstream('service1', (req, body, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.headers['content-length'] ?? '-'} ${body.length}`);
    });
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS, routes: ROUTES }));
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('holds a streamed request until its last byte, then sends it whole with a content-length', async () => {
    const before = up.requests.length;
    const res = await within(new Promise<string>((resolve, reject) => {
      // Chunked, in two writes: the upstream must not see the request before the second.
      const req = http.request({ port: px.port(), path: '/', method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (r) => {
        const cs: Buffer[] = [];
        r.on('data', (c: Buffer) => cs.push(c));
        r.on('end', () => resolve(Buffer.concat(cs).toString()));
      });
      req.on('error', reject);
      req.write('a'.repeat(300));
      // No upstream request may start while the body is incomplete; give the proxy a round trip to (wrongly) forward it.
      request({ port: px.port(), path: '/probe' }).then(() => {
        headersSeen = up.requests.filter((r) => r.url === '/').length - before;
        req.end('b'.repeat(200));
      }, reject);
    }), 5000, 'the buffered request');
    assert.equal(headersSeen, 0);
    assert.equal(res, '500 500');
  });

  it('answers 413 Payload Too Large past max_request_bytes, and counts it', async () => {
    const seen = up.requests.length;
    const r = await request({ port: px.port(), path: '/', method: 'POST', body: 'x'.repeat(2000) });
    assert.equal(r.status, 413);
    assert.equal(r.body.toString(), 'Payload Too Large');
    assert.match(String(r.headers['x-weft-error']), /^WEFT_REQUEST_TOO_LARGE /);
    assert.equal(up.requests.length, seen);
    assert.equal(await stat(px, 'http.ingress_http.downstream_rq_too_large'), 1);
  });

  it('HTTP/2 bodies are buffered the same way; requests without a body pass at once', async () => {
    const r = await request2({ port: px.port(), path: '/', method: 'POST', body: 'y'.repeat(700) });
    assert.equal(r.body.toString(), '700 700');
    const g = await request({ port: px.port(), path: '/' });
    assert.equal(g.status, 200);
  });

  it('BufferPerRoute: disabled passes big bodies; buffer overrides the limit', async () => {
    assert.equal((await request({ port: px.port(), path: '/unbuffered', method: 'POST', body: 'x'.repeat(5000) })).body.toString(), '5000 5000');
    assert.equal((await request({ port: px.port(), path: '/bigger', method: 'POST', body: 'x'.repeat(3000) })).status, 200);
    assert.equal((await request({ port: px.port(), path: '/bigger', method: 'POST', body: 'x'.repeat(5000) })).status, 413);
    await waitUntil(async () => (await stat(px, 'http.ingress_http.downstream_rq_too_large')) === 2, 'the second 413 counted');
  });
});

describe('buffer filter config', () => {
  it('max_request_bytes is required and positive', () => {
    const yaml = (v: string) => bootstrap({ clusters: staticCluster('service1', [1]), httpFilters: `          - name: envoy.filters.http.buffer
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer${v} }` });
    assert.ok(bootstrapErrors(yaml('')).some((e) => e.path.endsWith('typed_config.max_request_bytes')));
    assert.ok(bootstrapErrors(yaml(', max_request_bytes: 0')).some((e) => e.path.endsWith('typed_config.max_request_bytes')));
  });
});
