// HTTP/1.1 through the proxy with real sockets: connection reuse, pipelining,
// framing (chunked, Content-Length, bodyless statuses), Expect: 100-continue,
// HTTP/1.0, absolute-form targets, large bodies and back-pressure.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { oneSocketAgent, parseResponses, rawConnect, rawRoundTrip, stat, startCountingUpstream, within, type CountingUpstream } from '../helpers/http-test-kit.js';

/** Upstream behaviour by path, so one proxy serves the whole suite. */
function upstreamHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (url.startsWith('/echo')) {
      res.setHeader('x-up-te', String(req.headers['transfer-encoding'] ?? ''));
      res.setHeader('x-up-cl', String(req.headers['content-length'] ?? ''));
      res.setHeader('x-up-expect', String(req.headers.expect ?? ''));
      res.setHeader('x-up-host', String(req.headers.host ?? ''));
      res.setHeader('x-up-url', url);
      res.setHeader('x-up-sha', crypto.createHash('sha256').update(body).digest('hex'));
      res.end(body);
    } else if (url === '/chunked') {
      // No Content-Length: node:http sends chunked; three writes, three chunks.
      res.write('alpha-');
      setImmediate(() => {
        res.write('beta-');
        setImmediate(() => res.end('gamma'));
      });
    } else if (url === '/head') {
      res.setHeader('content-length', '11');
      res.setHeader('content-type', 'text/plain');
      res.end(req.method === 'HEAD' ? undefined : 'hello world');
    } else if (url === '/204') {
      res.statusCode = 204;
      res.end();
    } else if (url === '/304') {
      res.statusCode = 304;
      res.setHeader('etag', '"v1"');
      res.end();
    } else if (url.startsWith('/big/')) {
      const n = Number(url.slice(5));
      const buf = Buffer.alloc(n, 0x61);
      for (let i = 0; i < n; i += 4096) buf[i] = (i / 4096) & 0xff;
      res.setHeader('content-length', String(n));
      res.setHeader('x-sha', crypto.createHash('sha256').update(buf).digest('hex'));
      res.end(buf);
    } else {
      res.setHeader('content-type', 'text/plain');
      res.end(`ok ${req.method} ${url}`);
    }
  });
}

describe('HTTP/1.1 data path', () => {
  let up: CountingUpstream;
  let px: RunningProxy;
  before(async () => {
    up = await startCountingUpstream(upstreamHandler);
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
  });
  after(async () => {
    await px?.close();
    await up?.close();
  });

  it('keep-alive: two requests on one client socket use one downstream and one upstream connection', async () => {
    // Own cluster so earlier tests' connections do not count.
    const u = await startCountingUpstream(upstreamHandler);
    const p = await startProxy(bootstrap({ clusters: staticCluster('reuse', [u.port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: reuse }` }));
    const agent = oneSocketAgent();
    try {
      const a = await request({ port: p.port(), path: '/one', agent });
      const b = await request({ port: p.port(), path: '/two', agent });
      assert.equal(a.body.toString(), 'ok GET /one');
      assert.equal(b.body.toString(), 'ok GET /two');
      assert.equal(await stat(p, 'http.ingress_http.downstream_cx_total'), 1);
      assert.equal(await stat(p, 'cluster.reuse.upstream_cx_total'), 1);
      assert.equal(await stat(p, 'cluster.reuse.upstream_rq_total'), 2);
      assert.equal(u.connections(), 1);
    } finally {
      agent.destroy();
      await p.close();
      await u.close();
    }
  });

  it('pipelined requests on one raw socket are answered in order', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('GET /p1 HTTP/1.1\r\nhost: a\r\n\r\nGET /p2 HTTP/1.1\r\nhost: a\r\n\r\nGET /p3 HTTP/1.1\r\nhost: a\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 3);
      const rs = parseResponses(buf, [], false);
      assert.deepEqual(rs.map((r) => [r.status, r.body.toString()]), [[200, 'ok GET /p1'], [200, 'ok GET /p2'], [200, 'ok GET /p3']]);
    } finally {
      c.destroy();
    }
  });

  it('a chunked request body reaches the upstream intact (re-chunked, no Content-Length invented)', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('POST /echo HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n');
      c.write('1;ext=1\r\n,\r\n');
      c.write('6\r\n world\r\n0\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, ['POST'], false).length >= 1);
      const [r] = parseResponses(buf, ['POST'], false);
      assert.equal(r!.status, 200);
      assert.equal(r!.body.toString(), 'hello, world');
      assert.equal(r!.headers['x-up-te'], 'chunked');
      assert.equal(r!.headers['x-up-cl'], '');
    } finally {
      c.destroy();
    }
  });

  it('a chunked response is forwarded chunked and intact', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('GET /chunked HTTP/1.1\r\nhost: a\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 1);
      const [r] = parseResponses(buf, [], false);
      assert.equal(r!.status, 200);
      assert.equal(r!.headers['transfer-encoding'], 'chunked');
      assert.equal(r!.headers['content-length'], undefined);
      assert.equal(r!.body.toString(), 'alpha-beta-gamma');
    } finally {
      c.destroy();
    }
  });

  it('Expect: 100-continue gets a 100 before the body is sent; Expect is not forwarded', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n');
      await c.until((b) => b.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
      c.write('12345');
      const buf = await c.until((b) => parseResponses(b, ['POST', 'POST'], false).length >= 2);
      const rs = parseResponses(buf, ['POST', 'POST'], false);
      assert.equal(rs[0]!.status, 100);
      assert.equal(rs[1]!.status, 200);
      assert.equal(rs[1]!.body.toString(), '12345');
      assert.equal(rs[1]!.headers['x-up-expect'], '');
      assert.equal(rs[1]!.headers['x-up-cl'], '5');
    } finally {
      c.destroy();
    }
  });

  it('HEAD keeps Content-Length but sends no body, and the connection stays usable', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('HEAD /head HTTP/1.1\r\nhost: a\r\n\r\nGET /after-head HTTP/1.1\r\nhost: a\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, ['HEAD', 'GET'], false).length >= 2);
      const rs = parseResponses(buf, ['HEAD', 'GET'], false);
      assert.equal(rs[0]!.status, 200);
      assert.equal(rs[0]!.headers['content-length'], '11');
      assert.equal(rs[0]!.body.length, 0);
      assert.equal(rs[1]!.body.toString(), 'ok GET /after-head');
    } finally {
      c.destroy();
    }
  });

  it('204 and 304 carry no body and no chunked framing; the connection stays usable', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('GET /204 HTTP/1.1\r\nhost: a\r\n\r\nGET /304 HTTP/1.1\r\nhost: a\r\n\r\nGET /after HTTP/1.1\r\nhost: a\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 3);
      const rs = parseResponses(buf, [], false);
      assert.deepEqual(rs.map((r) => r.status), [204, 304, 200]);
      for (const r of rs.slice(0, 2)) {
        assert.equal(r.headers['transfer-encoding'], undefined, r.head);
        assert.equal(r.body.length, 0);
      }
      assert.equal(rs[1]!.headers.etag, '"v1"');
      assert.equal(rs[2]!.body.toString(), 'ok GET /after');
    } finally {
      c.destroy();
    }
  });

  it('an absolute-form target routes by its authority and is sent upstream in origin form', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('GET http://abs.example.com/echo/abs?q=1 HTTP/1.1\r\nhost: ignored.example\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 1);
      const [r] = parseResponses(buf, [], false);
      assert.equal(r!.status, 200);
      assert.equal(r!.headers['x-up-url'], '/echo/abs?q=1');
      assert.equal(r!.headers['x-up-host'], 'abs.example.com');
    } finally {
      c.destroy();
    }
  });

  it('8 MB each way (upload and download) arrives intact', async () => {
    const body = crypto.randomBytes(8 * 1024 * 1024);
    const sha = crypto.createHash('sha256').update(body).digest('hex');
    const r = await request({ port: px.port(), path: '/echo/big', method: 'POST', body });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-up-sha'], sha);
    assert.equal(r.body.length, body.length);
    assert.equal(crypto.createHash('sha256').update(r.body).digest('hex'), sha);
    const d = await request({ port: px.port(), path: `/big/${8 * 1024 * 1024 + 3}` });
    assert.equal(d.body.length, 8 * 1024 * 1024 + 3);
    assert.equal(crypto.createHash('sha256').update(d.body).digest('hex'), d.headers['x-sha']);
  });
});

/** Resolves when `count()` has not changed for `quietMs` (bounded by `maxMs`). */
async function stalled(count: () => number, quietMs = 200, maxMs = 8000): Promise<number> {
  return within(new Promise<number>((resolve) => {
    let last = count();
    let since = Date.now();
    const iv = setInterval(() => {
      const n = count();
      if (n !== last) {
        last = n;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) {
        clearInterval(iv);
        resolve(n);
      }
    }, 20);
  }), maxMs, 'the transfer to stall');
}

describe('HTTP/1.1 back-pressure', () => {
  const TOTAL = 64 * 1024 * 1024;
  const CHUNK = Buffer.alloc(256 * 1024, 0x62);

  it('download: a client that stops reading stops the upstream (the proxy does not buffer the whole body)', async () => {
    let written = 0;
    let release!: () => void;
    const up = await startCountingUpstream((_req, res) => {
      res.setHeader('content-length', String(TOTAL));
      const pump = () => {
        while (written < TOTAL) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const got = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: px.port(), path: '/dl' }, (res) => {
          let n = 0;
          res.once('data', (c: Buffer) => {
            n += c.length;
            res.pause();
            void stalled(() => written).then((w) => {
              assert.ok(w < TOTAL / 2, `upstream wrote ${w} of ${TOTAL} bytes while the client read nothing`);
              res.on('data', (c2: Buffer) => (n += c2.length));
              res.on('end', () => resolve(n));
              res.resume();
            }, reject);
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
        release = () => req.destroy();
      });
      assert.equal(got, TOTAL);
    } finally {
      release?.();
      await px.close();
      await up.close();
    }
  });

  it('upload: an upstream that stops reading stops the client (the proxy does not buffer the whole body)', async () => {
    let upReq: http.IncomingMessage | undefined;
    let received = 0;
    let onReq!: () => void;
    const gotReq = new Promise<void>((r) => (onReq = r));
    const u = await startCountingUpstream((req, res) => {
      upReq = req;
      req.pause();
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.end(String(received)));
      onReq();
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [u.port]) }));
    let sent = 0;
    try {
      const result = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: px.port(), path: '/ul', method: 'POST', headers: { 'content-length': String(TOTAL) } }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        const pump = () => {
          while (sent < TOTAL) {
            sent += CHUNK.length;
            if (!req.write(CHUNK)) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
        void gotReq.then(() => stalled(() => sent)).then((s) => {
          assert.ok(s < TOTAL / 2, `client sent ${s} of ${TOTAL} bytes while the upstream read nothing`);
          upReq!.resume();
        }).catch((e) => {
          upReq?.resume();
          reject(e);
        });
      });
      assert.equal(result, String(TOTAL));
    } finally {
      await px.close();
      await u.close();
    }
  });
});

describe('HTTP/1.0', () => {
  it('is refused with 426 and x-weft-error by default', async () => {
    const up = await startCountingUpstream(upstreamHandler);
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const buf = await rawRoundTrip(px.port(), 'GET / HTTP/1.0\r\nhost: a\r\n\r\n');
      const [r] = parseResponses(buf);
      assert.equal(r!.status, 426);
      assert.match(r!.headers['x-weft-error'] ?? '', /^WEFT_\w+ /);
      assert.equal(r!.headers.connection, 'close');
      assert.equal(up.connections(), 0);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('is served with accept_http_10, using default_host_for_http_10 when Host is absent', async () => {
    const up = await startCountingUpstream(upstreamHandler);
    const px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port]),
      hcmExtra: '          http_protocol_options: { accept_http_10: true, default_host_for_http_10: legacy.example }',
    }));
    try {
      const buf = await rawRoundTrip(px.port(), 'GET /echo/10 HTTP/1.0\r\n\r\n');
      const [r] = parseResponses(buf);
      assert.equal(r!.status, 200);
      assert.equal(r!.headers['x-up-host'], 'legacy.example');
      assert.equal(r!.body.toString(), '');
      // Without keep-alive the proxy closes after the response (rawRoundTrip waited for the close).
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('an HTTP/1.0 request is answered with an HTTP/1.0 status line (as Envoy does)', async () => {
    const up = await startCountingUpstream(upstreamHandler);
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          http_protocol_options: { accept_http_10: true }' }));
    try {
      const buf = await rawRoundTrip(px.port(), 'GET / HTTP/1.0\r\nhost: a\r\n\r\n');
      assert.match(buf.toString('latin1'), /^HTTP\/1\.0 200 /);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
