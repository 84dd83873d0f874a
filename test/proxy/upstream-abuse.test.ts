// Upstreams that break HTTP/1.1 on purpose: an extra, unrequested response
// (response-queue poisoning) and a 101 Switching Protocols nobody asked for.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { bootstrap, request, staticCluster, startProxy } from '../helpers/proxy-harness.js';
import { rawConnect, stat, within } from '../helpers/http-test-kit.js';
import { waitUntil } from '../helpers/net-harness.js';

/** A raw upstream: `onRequest(socket, n)` runs when the n-th request head (0-based, any connection) has arrived. */
async function rawUpstream(onRequest: (socket: net.Socket, n: number) => void): Promise<{ port: number; heads: string[]; close(): Promise<void> }> {
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        heads.push(buf.slice(0, end));
        buf = buf.slice(end + 4);
        onRequest(socket, heads.length - 1);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    heads,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

describe('upstream protocol abuse', () => {
  it('an extra response after a complete one closes the connection; the waiting request never gets its bytes', async () => {
    let px: Awaited<ReturnType<typeof startProxy>> | undefined;
    const up = await rawUpstream((socket, n) => {
      if (n === 0) {
        // Answer the first request only once the second waits for this (only) connection,
        // with a second, unrequested response in the same write.
        void waitUntil(async () => (await stat(px!, 'cluster.service1.upstream_rq_pending_active')) === 1, 'a pending request').then(() => {
          socket.write(ok('first') + ok('ATTACKER'));
        });
      } else socket.write(ok(`real${n}`));
    });
    px = await startProxy(bootstrap({
      clusters: staticCluster('service1', [up.port], `    circuit_breakers: { thresholds: [{ max_connections: 1 }] }`),
    }));
    try {
      const first = request({ port: px.port(), path: '/a' });
      await waitUntil(() => up.heads.length === 1, 'the first request upstream');
      const second = request({ port: px.port(), path: '/b' });
      const [r1, r2] = await within(Promise.all([first, second]), 5000, 'both responses');
      assert.equal(r1.body.toString(), 'first');
      assert.equal(r2.status, 200);
      assert.equal(r2.body.toString(), 'real1');
      assert.equal(await stat(px, 'cluster.service1.upstream_cx_protocol_error'), 1);
      assert.equal(await stat(px, 'cluster.service1.upstream_cx_total'), 2);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('bytes arriving on an idle upstream connection close it; the next request uses a fresh one', async () => {
    let firstSocket: net.Socket | undefined;
    const up = await rawUpstream((socket, n) => {
      if (n === 0) firstSocket = socket;
      socket.write(ok(`r${n}`));
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      assert.equal((await request({ port: px.port() })).body.toString(), 'r0');
      firstSocket!.write(ok('ATTACKER'));
      await waitUntil(async () => (await stat(px, 'cluster.service1.upstream_cx_protocol_error')) === 1, 'the protocol error');
      const r = await request({ port: px.port() });
      assert.equal(r.body.toString(), 'r1');
      assert.equal(await stat(px, 'cluster.service1.upstream_cx_total'), 2);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('a 101 to a request that asked for no upgrade is a 502 UPE, not a tunnel', async () => {
    const up = await rawUpstream((socket, n) => {
      if (n === 0) socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\nRAW-TUNNEL-BYTES');
      else socket.write(ok('routed'));
    });
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]) }));
    try {
      const c = await rawConnect(px.port());
      c.write('GET /x HTTP/1.1\r\nhost: a\r\n\r\n');
      const got = await c.until((b) => b.includes('\r\n\r\n') && b.includes('protocol error'));
      const text = got.toString('latin1');
      assert.match(text, /^HTTP\/1\.1 502 /);
      assert.match(text, /\r\nx-weft-error: WEFT_UPSTREAM_PROTOCOL_ERROR /i);
      assert.doesNotMatch(text, /RAW-TUNNEL-BYTES/);
      // The client's next bytes are a new request, routed as such, not tunnelled.
      c.write('GET /y HTTP/1.1\r\nhost: a\r\n\r\n');
      await c.until((b) => b.includes('routed'));
      assert.match(up.heads[1]!, /^GET \/y HTTP\/1\.1/);
      c.destroy();
      assert.equal(await stat(px, 'cluster.service1.upstream_cx_protocol_error'), 1);
      assert.equal(await stat(px, 'http.ingress_http.downstream_cx_upgrades_total'), 0);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
