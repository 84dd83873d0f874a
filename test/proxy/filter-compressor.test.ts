// envoy.filters.http.compressor end to end: a real upstream, weft's listener,
// node:http and curl clients; bodies decoded with node:zlib.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { stat, within } from '../helpers/http-test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';
import { bootstrap, bootstrapErrors, request, request2, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(200);

const FILTERS = `          - name: envoy.filters.http.compressor
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
              response_direction_config:
                common_config: { min_content_length: 30 }
              compressor_library:
                name: text_optimized
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
                  memory_level: 3
                  window_bits: 10
                  compression_level: BEST_COMPRESSION
          - name: brotli
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
              response_direction_config: {}
              compressor_library:
                name: br
                typed_config: { "@type": type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli, quality: 5 }`;

const ROUTES = `              - match: { prefix: "/nocompress" }
                route: { cluster: service1 }
                typed_per_filter_config:
                  envoy.filters.http.compressor:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                    disabled: true
              - match: { prefix: "/" }
                route: { cluster: service1 }`;

const GZ = 'http.ingress_http.compressor.text_optimized.gzip.response.';
const BR = 'http.ingress_http.compressor.br.brotli.response.';

/** What the upstream answers, by path. */
function answer(req: http.IncomingMessage, res: http.ServerResponse, big: { sawBackPressure: boolean }): void {
  const u = req.url ?? '/';
  if (u === '/small') {
    res.setHeader('content-type', 'text/plain');
    res.end('tiny');
  } else if (u === '/png') {
    res.setHeader('content-type', 'image/png');
    res.end(TEXT);
  } else if (u === '/encoded') {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('content-encoding', 'identity-x');
    res.end(TEXT);
  } else if (u === '/no-transform') {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('cache-control', 'public, no-transform');
    res.end(TEXT);
  } else if (u === '/etag' || u === '/etag-weak') {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('etag', u === '/etag' ? '"abc"' : 'W/"abc"');
    res.end(JSON.stringify({ text: TEXT }));
  } else if (u === '/big') {
    // 4 MiB of incompressible bytes written as fast as the proxy takes them.
    res.setHeader('content-type', 'text/plain');
    let left = 64;
    const chunk = crypto.randomBytes(64 * 1024);
    const pump = (): void => {
      while (left > 0) {
        left--;
        if (!res.write(chunk)) {
          big.sawBackPressure = true;
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  } else {
    res.setHeader('content-type', 'text/html');
    res.setHeader('content-length', String(Buffer.byteLength(TEXT)));
    res.end(TEXT);
  }
}

describe('compressor filter (integration)', () => {
  let up: Upstream;
  let px: RunningProxy;
  const big = { sawBackPressure: false };
  before(async () => {
    up = await startUpstream('service1', (req, _b, res) => answer(req, res, big));
    px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), httpFilters: FILTERS, routes: ROUTES }));
  });
  after(async () => {
    await px?.close();
    await up.close();
  });

  it('gzips a text response: content-encoding, vary, no content-length, body decodes', async () => {
    const r = await request({ port: px.port(), path: '/', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['vary'], 'accept-encoding');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(zlib.gunzipSync(r.body).toString(), TEXT);
    assert.ok(r.body.length < Buffer.byteLength(TEXT) / 5);
    assert.equal(await stat(px, `${GZ}compressed`), 1);
    assert.equal(await stat(px, `${GZ}header_compressor_used`), 1);
    assert.equal(await stat(px, `${GZ}total_uncompressed_bytes`), Buffer.byteLength(TEXT));
    assert.equal(await stat(px, `${GZ}total_compressed_bytes`), r.body.length);
    // The brotli filter saw gzip chosen over it.
    assert.equal(await stat(px, `${BR}header_compressor_overshadowed`), 1);
  });

  it('picks the encoding with the highest q-value (br over gzip), over HTTP/2 too', async () => {
    const r = await request2({ port: px.port(), path: '/', headers: { 'accept-encoding': 'gzip;q=0.5, br;q=0.9' } });
    assert.equal(r.headers['content-encoding'], 'br');
    assert.equal(zlib.brotliDecompressSync(r.body).toString(), TEXT);
    assert.equal(await stat(px, `${BR}header_compressor_used`), 1);
    const id = await request({ port: px.port(), path: '/', headers: { 'accept-encoding': 'identity, gzip;q=0.5' } });
    assert.equal(id.headers['content-encoding'], undefined);
    assert.equal(id.headers['vary'], 'accept-encoding');
    assert.equal(id.body.toString(), TEXT);
    assert.equal(await stat(px, `${GZ}header_identity`), 1);
    const zero = await request({ port: px.port(), path: '/', headers: { 'accept-encoding': 'gzip;q=0, br;q=0' } });
    assert.equal(zero.headers['content-encoding'], undefined);
    assert.equal(await stat(px, `${GZ}header_not_valid`), 1);
  });

  it('curl --compressed gets the decoded body', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile('curl', ['-s', '--compressed', '-H', 'accept-encoding: gzip', `http://127.0.0.1:${px.port()}/`], (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    assert.equal(out, TEXT);
  });

  it('leaves alone: no accept-encoding, small bodies, other types, content-encoding, no-transform, HEAD, per-route disabled', async () => {
    const before = await stat(px, `${GZ}not_compressed`);
    const none = await request({ port: px.port(), path: '/' });
    assert.equal(none.headers['content-encoding'], undefined);
    assert.equal(none.headers['vary'], 'accept-encoding');
    assert.equal(await stat(px, `${GZ}no_accept_header`), 1);
    const ae = { 'accept-encoding': 'gzip' };
    const small = await request({ port: px.port(), path: '/small', headers: ae });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body.toString(), 'tiny');
    assert.equal(await stat(px, `${GZ}content_length_too_small`), 1);
    for (const p of ['/png', '/encoded', '/no-transform']) {
      const r = await request({ port: px.port(), path: p, headers: ae });
      assert.notEqual(r.headers['content-encoding'], 'gzip', p);
      assert.equal(r.body.toString(), TEXT, p);
    }
    const head = await request({ port: px.port(), path: '/', method: 'HEAD', headers: ae });
    assert.equal(head.headers['content-encoding'], undefined);
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(TEXT)));
    const off = await request({ port: px.port(), path: '/nocompress', headers: ae });
    assert.equal(off.headers['content-encoding'], undefined);
    assert.equal(off.body.toString(), TEXT);
    // HEAD counts too: Envoy counts every response it does not compress.
    assert.equal(await stat(px, `${GZ}not_compressed`), before + 6);
  });

  it('drops a strong ETag and keeps a weak one when compressing (Envoy)', async () => {
    const r = await request({ port: px.port(), path: '/etag', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['etag'], undefined);
    assert.equal(JSON.parse(zlib.gunzipSync(r.body).toString()).text, TEXT);
    const weak = await request({ port: px.port(), path: '/etag-weak', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(weak.headers['content-encoding'], 'gzip');
    assert.equal(weak.headers['etag'], 'W/"abc"');
  });

  it('streams a large body with back-pressure from a paused client to the upstream', async () => {
    big.sawBackPressure = false;
    const body = await within(new Promise<Buffer>((resolve, reject) => {
      const req = http.get({ port: px.port(), path: '/big', headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
        assert.equal(res.headers['content-encoding'], 'gzip');
        res.pause();
        // Resume only once the upstream felt the paused reader through the proxy.
        waitUntil(() => big.sawBackPressure, 'upstream back-pressure', 5000).then(() => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.resume();
        }, reject);
      });
      req.on('error', reject);
    }), 15000, 'the large compressed response');
    assert.equal(zlib.gunzipSync(body).length, 64 * 64 * 1024);
  });
});

describe('compressor filter config', () => {
  const withLibrary = (lib: string) => bootstrap({
    clusters: staticCluster('service1', [1]),
    httpFilters: `          - name: envoy.filters.http.compressor
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
              compressor_library:
                name: x
                typed_config: ${lib}`,
  });

  it('refuses other compressor libraries by name, at their path', () => {
    const errs = bootstrapErrors(withLibrary('{ "@type": type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd }'));
    const e = errs.find((x) => x.path.endsWith('compressor_library.typed_config'));
    assert.ok(e, JSON.stringify(errs));
    assert.match(e.message, /envoy\.compression\.gzip\.compressor/);
  });

  it('reports out-of-range gzip fields with their paths, all at once', () => {
    const errs = bootstrapErrors(withLibrary('{ "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip, window_bits: 20, memory_level: 0 }'));
    const paths = errs.map((e) => e.path);
    assert.ok(paths.some((p) => p.endsWith('typed_config.window_bits')), JSON.stringify(paths));
    assert.ok(paths.some((p) => p.endsWith('typed_config.memory_level')), JSON.stringify(paths));
  });
});
