// HTTP/2 clients that misbehave on purpose: rapid reset (CVE-2023-44487),
// streams provoked into server resets ("MadeYouReset", CVE-2025-8671),
// header fields RFC 9113 forbids, and many short-lived h2c connections.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { bootstrap, request2, staticCluster, startProxy, startUpstream } from '../helpers/proxy-harness.js';
import { stat, within } from '../helpers/http-test-kit.js';
import { FLAG, FRAME, H2_ERROR, frame, headerBlock, rawH2Connect, requestFields } from '../helpers/h2-raw-client.js';

const TOO_MANY = 'http.ingress_http.downstream_rq_too_many_premature_resets';

/** Stream ids 1, 3, 5, … */
const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => 2 * i + 1);

const rst = (id: number) => {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(H2_ERROR.CANCEL);
  return frame(FRAME.RST_STREAM, 0, id, p);
};
const headers = (id: number, path: string, end = true, extra: [string, string][] = [], method = 'GET') =>
  frame(FRAME.HEADERS, FLAG.END_HEADERS | (end ? FLAG.END_STREAM : 0), id, headerBlock(requestFields(path, extra, method)));
/** A body longer than the content-length its HEADERS declared: a stream error the server answers with RST_STREAM. */
const overlongBody = (id: number) => [headers(id, `/m${id}`, false, [['content-length', '1']], 'POST'), frame(FRAME.DATA, FLAG.END_STREAM, id, Buffer.from('xx'))];

describe('HTTP/2 premature resets', () => {
  it('rapid reset: HEADERS then RST_STREAM, 1,000 times on one connection, ends in GOAWAY with almost no upstream work', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawH2Connect(px.port());
      c.write(Buffer.concat(ids(1000).flatMap((id) => [headers(id, `/r${id}`), rst(id)])));
      const goaway = await c.waitFrame((f) => f.type === FRAME.GOAWAY, 5000, 'GOAWAY');
      assert.equal(goaway.payload.readUInt32BE(4), H2_ERROR.ENHANCE_YOUR_CALM);
      await c.closed();
      assert.equal(await stat(px, TOO_MANY), 1);
      // Envoy's rule: 500 streams or half of them reset prematurely; the streams reset in the
      // same read as their HEADERS never start, so the upstream sees (almost) none.
      assert.ok(up.requests.length < 10, `${up.requests.length} requests reached the upstream`);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('MadeYouReset: streams the server resets (body longer than its content-length) count against the same budget', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawH2Connect(px.port());
      c.write(Buffer.concat(ids(1000).flatMap(overlongBody)));
      // The server resets each such stream with PROTOCOL_ERROR …
      const reset = await c.waitFrame((f) => f.type === FRAME.RST_STREAM, 5000, 'a server RST_STREAM');
      assert.equal(reset.payload.readUInt32BE(0), H2_ERROR.PROTOCOL_ERROR);
      // … and past the budget closes the connection.
      const goaway = await c.waitFrame((f) => f.type === FRAME.GOAWAY, 5000, 'GOAWAY');
      assert.equal(goaway.payload.readUInt32BE(4), H2_ERROR.ENHANCE_YOUR_CALM);
      await c.closed();
      assert.equal(await stat(px, TOO_MANY), 1);
      const resets = c.frames.filter((f) => f.type === FRAME.RST_STREAM).length;
      assert.ok(resets >= 250 && resets < 1000, `${resets} server resets before the close`);
      assert.ok(up.requests.length < 10, `${up.requests.length} requests reached the upstream`);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('600 requests that complete normally on one connection are not premature resets', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawH2Connect(px.port());
      for (const batch of [ids(600).slice(0, 300), ids(600).slice(300)]) {
        c.write(Buffer.concat(batch.map((id) => headers(id, `/ok${id}`))));
        const last = batch[batch.length - 1]!;
        await c.waitFrame((f) => f.stream === last && f.type === FRAME.DATA && (f.flags & FLAG.END_STREAM) !== 0, 10000, `the end of stream ${last}`);
      }
      assert.equal(up.requests.length, 600);
      assert.equal(c.frames.filter((f) => f.type === FRAME.GOAWAY || f.type === FRAME.RST_STREAM).length, 0);
      assert.equal(await stat(px, TOO_MANY), 0);
      c.destroy();
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('HTTP/2 request header fields RFC 9113 forbids', () => {
  const resetCases: [string, [string, string]][] = [
    ['an upper-case name', ['X-Upper', 'a']],
    ['connection', ['connection', 'close']],
    ['keep-alive', ['keep-alive', '1']],
    ['transfer-encoding', ['transfer-encoding', 'chunked']],
    ['upgrade', ['upgrade', 'websocket']],
    ['te other than trailers', ['te', 'gzip']],
  ];
  for (const [name, field] of resetCases) {
    it(`${name}: the stream is reset with PROTOCOL_ERROR and nothing goes upstream`, async () => {
      const up = await startUpstream('s');
      const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
      try {
        const c = await rawH2Connect(px.port());
        c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, headerBlock(requestFields('/bad', [field]))));
        const f = await c.waitFrame((x) => x.stream === 1 && (x.type === FRAME.RST_STREAM || x.type === FRAME.HEADERS), 3000, 'the answer to stream 1');
        assert.equal(f.type, FRAME.RST_STREAM);
        assert.equal(f.payload.readUInt32BE(0), H2_ERROR.PROTOCOL_ERROR);
        assert.equal(up.requests.length, 0);
        c.destroy();
      } finally {
        await px.close();
        await up.close();
      }
    });
  }

  // node:http2 (nghttp2 without an invalid-header callback) drops these fields
  // before weft sees the request: they can never reach an upstream.
  const droppedCases: [string, [string, string]][] = [
    ['a name with a space', ['x bad', 'v']],
    ['a name with a colon', ['x:bad', 'v']],
    ['a value with CR', ['x-cr', 'a\rb']],
    ['a value with LF', ['x-lf', 'a\nx-injected: 1']],
    ['a value with NUL', ['x-nul', 'a\0b']],
  ];
  for (const [name, field] of droppedCases) {
    it(`${name}: never forwarded upstream`, async () => {
      const up = await startUpstream('s');
      const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
      try {
        const c = await rawH2Connect(px.port());
        c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, headerBlock(requestFields('/bad', [field, ['x-good', 'yes']]))));
        const f = await c.waitFrame((x) => x.stream === 1 && (x.type === FRAME.RST_STREAM || x.type === FRAME.HEADERS), 3000, 'the answer to stream 1');
        if (f.type === FRAME.HEADERS) {
          assert.equal(up.requests.length, 1);
          const seen = up.requests[0]!.headers;
          assert.equal(seen['x-good'], 'yes');
          for (const k of Object.keys(seen)) assert.ok(![field[0], 'x-injected', 'x', 'bad'].includes(k), `forwarded ${k}`);
          for (const v of Object.values(seen)) assert.doesNotMatch(String(v), /[\r\n\0]/);
        } else assert.equal(up.requests.length, 0);
        c.destroy();
      } finally {
        await px.close();
        await up.close();
      }
    });
  }
});

describe('h2c connections release their memory when closed', () => {
  it('closed sessions are garbage-collected (no timer keeps them for the idle timeout)', async () => {
    // A child with --expose-gc: captures each proxy-side session in a WeakRef.
    const harness = new URL('../helpers/proxy-harness.js', import.meta.url).href;
    const kit = new URL('../helpers/http-test-kit.js', import.meta.url).href;
    const script = `
      import http2 from 'node:http2';
      const refs = [];
      const create = http2.createServer;
      http2.createServer = (...a) => { const s = create(...a); s.on('session', (x) => refs.push(new WeakRef(x))); return s; };
      const { startProxy, bootstrap, staticCluster, startUpstream, request2 } = await import(${JSON.stringify(harness)});
      const { stat } = await import(${JSON.stringify(kit)});
      const up = await startUpstream('s');
      const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
      for (let i = 0; i < 20; i++) await request2({ port: px.port() });
      for (let i = 0; i < 500 && (await stat(px, 'http.ingress_http.downstream_cx_active')) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < 5; i++) { await new Promise((r) => setImmediate(r)); globalThis.gc(); }
      process.stdout.write(JSON.stringify({ sessions: refs.length, alive: refs.filter((r) => r.deref()).length }));
      await px.close(); await up.close();
    `;
    const out = await within(new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited ${code}: ${text}`))));
    }), 20000, 'the child process');
    const r = JSON.parse(out) as { sessions: number; alive: number };
    assert.equal(r.sessions, 20);
    assert.equal(r.alive, 0);
  });

  it('the idle timeout still closes an idle h2c connection', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          common_http_protocol_options: { idle_timeout: 0.2s }' }));
    try {
      assert.equal((await request2({ port: px.port() })).status, 200);
      const c = await rawH2Connect(px.port());
      await c.closed(3000);
      assert.equal(await stat(px, 'http.ingress_http.downstream_cx_idle_timeout'), 1);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
