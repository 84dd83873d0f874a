// HTTP/2 through the proxy: h2c prior knowledge downstream (codec AUTO and
// HTTP2), translation to an HTTP/1.1 upstream, an HTTP/2 upstream chosen by
// HttpProtocolOptions, and many concurrent streams on one connection.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, request2, staticCluster, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { H2_UPSTREAM_OPTIONS, stat, startCountingUpstream, startH2Upstream, within, type CountingUpstream, type H2Upstream } from '../helpers/http-test-kit.js';

/** Sends `n` requests concurrently on ONE h2c session; returns their bodies in order. */
async function concurrentStreams(port: number, n: number, path: (i: number) => string): Promise<{ status: number; body: string }[]> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  try {
    return await within(Promise.all(Array.from({ length: n }, (_, i) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': path(i) });
      let status = 0;
      let body = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
      req.end();
    }))), 5000, `${n} concurrent streams`);
  } finally {
    session.close();
  }
}

describe('HTTP/2 downstream to an HTTP/1.1 upstream', () => {
  let up: CountingUpstream;
  let auto: RunningProxy;
  let h2only: RunningProxy;
  before(async () => {
    up = await startCountingUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.setHeader('x-up-version', req.httpVersion);
        res.setHeader('x-up-host', String(req.headers.host));
        res.setHeader('x-up-framing', req.headers['content-length'] ? 'content-length' : String(req.headers['transfer-encoding']));
        res.setHeader('x-up-len', String(body.length));
        res.setHeader('x-up-sha', crypto.createHash('sha256').update(body).digest('hex'));
        res.end(`h1 ${req.method} ${req.url}`);
      });
    });
    auto = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    h2only = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          codec_type: HTTP2' }));
  });
  after(async () => {
    await auto?.close();
    await h2only?.close();
    await up?.close();
  });

  it('codec_type AUTO serves h2c prior knowledge and HTTP/1.1 on the same listener', async () => {
    const r2 = await request2({ port: auto.port(), path: '/x?y=1', authority: 'svc.example' });
    assert.equal(r2.status, 200);
    assert.equal(r2.body.toString(), 'h1 GET /x?y=1');
    assert.equal(r2.headers['x-up-version'], '1.1');
    assert.equal(r2.headers['x-up-host'], 'svc.example');
    assert.equal(r2.headers.server, 'envoy');
    const r1 = await request({ port: auto.port(), path: '/z' });
    assert.equal(r1.body.toString(), 'h1 GET /z');
    assert.equal(await stat(auto, 'http.ingress_http.downstream_cx_http2_total'), 1);
    assert.equal(await stat(auto, 'http.ingress_http.downstream_cx_http1_total'), 1);
    assert.ok((await stat(auto, 'http.ingress_http.downstream_rq_http2_total')) >= 1);
  });

  it('codec_type HTTP2 serves h2c prior knowledge, translated to HTTP/1.1 upstream', async () => {
    const r = await request2({ port: h2only.port(), path: '/only2?y=1', authority: 'svc.example' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'h1 GET /only2?y=1');
    assert.equal(r.headers['x-up-version'], '1.1');
    assert.equal(r.headers['x-up-host'], 'svc.example');
    assert.equal(r.headers.server, 'envoy');
    assert.ok((await stat(h2only, 'http.ingress_http.downstream_cx_http2_total')) >= 1);
    assert.ok((await stat(h2only, 'http.ingress_http.downstream_rq_http2_total')) >= 1);
  });

  it('an h2 request body (1 MB) reaches the HTTP/1.1 upstream intact, with framing added', async () => {
    const body = crypto.randomBytes(1024 * 1024);
    const r = await request2({ port: h2only.port(), path: '/post', method: 'POST', body });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-up-len'], String(body.length));
    assert.equal(r.headers['x-up-framing'], 'chunked');
    assert.equal(r.headers['x-up-sha'], crypto.createHash('sha256').update(body).digest('hex'));
  });

  it('100 concurrent streams on one h2 connection are all answered correctly', async () => {
    const rs = await concurrentStreams(h2only.port(), 100, (i) => `/c/${i}`);
    rs.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.body, `h1 GET /c/${i}`);
    });
  });
});

describe('HTTP/2 upstream (explicit_http_config.http2_protocol_options)', () => {
  let up: H2Upstream;
  let px: RunningProxy;
  /** Same config with an HTTP2-only downstream codec (h2 clients). */
  let px2: RunningProxy;
  before(async () => {
    up = await startH2Upstream((stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => undefined);
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        const path = String(headers[':path']);
        // A stream the proxy reset cannot be answered.
        if (stream.closed || stream.destroyed) return;
        stream.respond({
          ':status': 200,
          'x-up-authority': String(headers[':authority']),
          'x-up-method': String(headers[':method']),
          'x-up-sha': crypto.createHash('sha256').update(body).digest('hex'),
        });
        stream.end(path.startsWith('/big') ? Buffer.alloc(2 * 1024 * 1024, 0x63) : `h2 ${headers[':method']} ${path}`);
      });
    });
    const cfg = { clusters: staticCluster('h2svc', [up.port], H2_UPSTREAM_OPTIONS), routes: `              - match: { prefix: "/" }\n                route: { cluster: h2svc }` };
    px = await startProxy(bootstrap(cfg));
    px2 = await startProxy(bootstrap({ ...cfg, hcmExtra: '          codec_type: HTTP2' }));
  });
  after(async () => {
    await px?.close();
    await px2?.close();
    await up?.close();
  });

  it('an HTTP/1.1 client reaches the h2c upstream', async () => {
    const r = await request({ port: px.port(), path: '/a', host: '127.0.0.1', headers: { host: 'h2.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'h2 GET /a');
    assert.equal(r.headers['x-up-authority'], 'h2.example');
    assert.ok((await stat(px, 'cluster.h2svc.upstream_cx_http2_total')) >= 1);
  });

  it('an h2 client reaches the h2c upstream; a 2 MB response body arrives intact', async () => {
    const d = await request2({ port: px2.port(), path: '/big' });
    assert.equal(d.status, 200);
    assert.equal(d.body.length, 2 * 1024 * 1024);
    assert.ok(d.body.every((b) => b === 0x63));
  });

  it('a request body reaches the h2c upstream intact (h2 and HTTP/1.1 clients)', async () => {
    const body = crypto.randomBytes(512 * 1024);
    const sha = crypto.createHash('sha256').update(body).digest('hex');
    const r = await request2({ port: px2.port(), path: '/up', method: 'PUT', body });
    assert.equal(r.status, 200, String(r.headers['x-weft-error']));
    assert.equal(r.headers['x-up-method'], 'PUT');
    assert.equal(r.headers['x-up-sha'], sha);
    const r1 = await request({ port: px.port(), path: '/up1', method: 'POST', body });
    assert.equal(r1.status, 200, String(r1.headers['x-weft-error']));
    assert.equal(r1.headers['x-up-sha'], sha);
  });

  it('many concurrent streams are multiplexed on one upstream connection', async () => {
    const sessions = up.sessions();
    const streams = up.streams();
    const rs = await concurrentStreams(px2.port(), 200, (i) => `/m/${i}`);
    rs.forEach((r, i) => assert.equal(r.body, `h2 GET /m/${i}`));
    // All of px2's requests in this suite shared one upstream h2 connection.
    assert.equal(await stat(px2, 'cluster.h2svc.upstream_cx_total'), 1);
    assert.ok(up.sessions() - sessions <= 1);
    assert.equal(up.streams() - streams, 200);
  });
});
