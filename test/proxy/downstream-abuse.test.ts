// Clients that misbehave on purpose over HTTP/1.1: connections closed before
// a byte, pipelined floods, forbidden trailers, a malformed request pipelined
// after a good one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, it } from 'node:test';
import { bootstrap, staticCluster, startProxy, startUpstream } from '../helpers/proxy-harness.js';
import { parseResponses, rawConnect, stat, within } from '../helpers/http-test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';

const HTTP_INSPECTOR = `    listener_filters:
    - name: envoy.filters.listener.http_inspector
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }`;

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

/**
 * Opens `n` connections and closes each without sending a byte: 'end' sends
 * FIN and waits for the proxy to close its side too; 'destroy' closes at once.
 */
async function openAndClose(port: number, n: number, how: 'end' | 'destroy', first?: Buffer): Promise<void> {
  await within(Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    s.resume(); // read (and drop) what the proxy sends, so its FIN is seen
    s.once('connect', () => {
      if (first) s.write(first);
      if (how === 'end') s.end();
      else s.destroy();
    });
    s.once('close', () => resolve());
    s.once('error', reject);
  }))), 5000, `the proxy to close ${n} connections`);
}

describe('downstream connections that close before a byte', () => {
  for (const [name, listenerExtra] of [['AUTO codec sniffing', ''], ['http_inspector listener filter', HTTP_INSPECTOR]] as const) {
    for (const how of ['end', 'destroy'] as const) {
      it(`${name}: ${how === 'end' ? 'FIN' : 'close'} before the first byte releases the connection and its fd`, async () => {
        const up = await startUpstream('s');
        const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), listenerExtra }));
        try {
          const baseline = openFds();
          await openAndClose(px.port(), 200, how);
          await waitUntil(async () => (await stat(px, 'listener.127.0.0.1_0.downstream_cx_active')) === 0 && (await stat(px, 'listener.127.0.0.1_0.downstream_cx_total')) === 200, 'downstream_cx_active back to 0', 5000);
          await waitUntil(() => openFds() <= baseline, `fd count back to ${baseline}`, 5000);
        } finally {
          await px.close();
          await up.close();
        }
      });
    }
  }

  it('h2c: a client that sends the preface and half-closes releases the connection and its fd', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const baseline = openFds();
      // Preface plus an empty SETTINGS frame, then FIN.
      const preface = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
      await openAndClose(px.port(), 50, 'end', preface);
      await waitUntil(async () => (await stat(px, 'listener.127.0.0.1_0.downstream_cx_active')) === 0, 'downstream_cx_active back to 0', 5000);
      assert.equal(await stat(px, 'http.ingress_http.downstream_cx_active'), 0);
      await waitUntil(() => openFds() <= baseline, `fd count back to ${baseline}`, 5000);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('HTTP/1.1 pipelining', () => {
  it('a malformed request pipelined after a good one gets a 400 after the good response, then the connection closes', async () => {
    const up = await startUpstream('s');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawConnect(px.port());
      c.write('GET /ok HTTP/1.1\r\nhost: a\r\n\r\nGET /bad HTTP/1.1\r\nhost: a\r\nno colon here\r\n\r\n');
      const got = await c.closed();
      const rs = parseResponses(got);
      assert.deepEqual(rs.map((r) => r.status), [200, 400]);
      assert.equal(rs[0]!.body.toString(), 's GET /ok');
      assert.match(rs[1]!.headers['x-weft-error'] ?? '', /^WEFT_BAD_REQUEST /);
      assert.equal(rs[1]!.headers.connection, 'close');
      assert.equal(up.requests.length, 1);
      assert.equal(await stat(px, 'http.ingress_http.downstream_cx_protocol_error'), 1);
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('HTTP/1.1 pipelined flood', () => {
  it('stops reading pipelined bytes past the read-ahead limit while a request is in flight, and goes on after its response', async () => {
    const held: (() => void)[] = [];
    const up = await startUpstream('s', (req, _b, res) => {
      if (req.url === '/slow') held.push(() => res.end('slow done'));
      else res.end('fast');
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawConnect(px.port());
      c.write('GET /slow HTTP/1.1\r\nhost: a\r\n\r\n');
      await waitUntil(() => held.length === 1, 'the slow request upstream');
      // 24 MiB of pipelined requests: far more than the kernel's socket buffers hold.
      const one = 'GET /fast HTTP/1.1\r\nhost: a\r\n\r\n';
      const flood = Buffer.from(one.repeat(Math.ceil((24 << 20) / one.length)), 'latin1');
      c.write(flood);
      const rx = () => stat(px, 'http.ingress_http.downstream_cx_rx_bytes_total');
      // The proxy reads up to its limit, then stops: the client's send buffer stops draining.
      await waitUntil(async () => (await rx()) >= 1 << 20, 'the proxy to read 1 MiB');
      let last = -1;
      let still = 0;
      await waitUntil(() => {
        const pending = c.socket.writableLength;
        still = pending === last ? still + 1 : 0;
        last = pending;
        return pending === 0 || still >= 5;
      }, 'the client\'s send buffer to settle or drain', 10000);
      const read = await rx();
      assert.ok(c.socket.writableLength > 0, 'the proxy must not read the whole flood while /slow is in flight');
      assert.ok(read <= (1 << 20) + (256 << 10), `read ahead ${read} bytes`);
      // The response goes out, and the pipelined requests are served after it.
      held[0]!();
      await c.until((b) => b.includes('slow done') && b.includes('fast'), 5000);
      c.destroy();
    } finally {
      await px.close();
      await up.close();
    }
  });
});

describe('forbidden request trailers (RFC 9110 §6.5.1)', () => {
  it('HTTP/1.1: content-length, host, transfer-encoding and authorization trailers are dropped; others pass', async () => {
    const up = await startUpstream('s', (_q, _b, res) => res.end('ok'));
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawConnect(px.port());
      c.write('POST /t HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n'
        + 'x-checksum: abc\r\ncontent-length: 99\r\nhost: evil.example\r\ntransfer-encoding: chunked\r\nauthorization: Bearer x\r\n\r\n');
      await c.until((b) => b.includes('\r\n\r\nok') || /\r\n\r\n2\r\nok/.test(b.toString()));
      c.destroy();
      assert.deepEqual(up.requests.map((r) => r.trailers), [{ 'x-checksum': 'abc' }]);
    } finally {
      await px.close();
      await up.close();
    }
  });

  // (nghttp2 itself resets a stream whose trailers carry content-length.)
  it('HTTP/2: host and authorization trailers are dropped; others pass', async () => {
    const up = await startUpstream('s', (_q, _b, res) => res.end('ok'));
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    const session = http2.connect(`http://127.0.0.1:${px.port()}`);
    try {
      const req = session.request({ ':method': 'POST', ':path': '/t' }, { waitForTrailers: true });
      req.on('wantTrailers', () => req.sendTrailers({ 'x-checksum': 'abc', host: 'evil.example', authorization: 'Bearer x' }));
      req.end('hello');
      req.resume();
      await within(new Promise<void>((r) => req.on('end', () => r())), 3000, 'the h2 response');
      assert.deepEqual(up.requests.map((r) => r.trailers), [{ 'x-checksum': 'abc' }]);
    } finally {
      session.destroy();
      await px.close();
      await up.close();
    }
  });
});
