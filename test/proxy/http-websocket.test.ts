// WebSocket (HTTP/1.1 Upgrade) through the proxy: with upgrade_configs the
// handshake reaches the upstream and bytes flow both ways as a raw tunnel;
// without it Envoy refuses the upgrade with 403 and never contacts the upstream.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { bootstrap, staticCluster, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { parseResponses, rawConnect, stat, within } from '../helpers/http-test-kit.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const acceptFor = (key: string) => crypto.createHash('sha1').update(key + WS_GUID).digest('base64');

interface WsUpstream {
  port: number;
  upgrades: http.IncomingMessage[];
  plainRequests: http.IncomingMessage[];
  close(): Promise<void>;
}

/** Accepts WebSocket upgrades and echoes every byte back; on /early it also sends "up:" in the same write as its 101. */
async function startWsUpstream(): Promise<WsUpstream> {
  const upgrades: http.IncomingMessage[] = [];
  const plainRequests: http.IncomingMessage[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    plainRequests.push(req);
    res.end('plain');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    upgrades.push(req);
    sockets.add(socket);
    socket.on('error', () => undefined);
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const early = req.url === '/early' ? 'up:' : '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n${early}`);
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    upgrades,
    plainRequests,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const KEY = crypto.randomBytes(16).toString('base64');
const handshake = (path: string) => `GET ${path} HTTP/1.1\r\nhost: ws.example\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${KEY}\r\nsec-websocket-version: 13\r\n\r\n`;

describe('WebSocket upgrade with upgrade_configs', () => {
  let up: WsUpstream;
  let px: RunningProxy;
  before(async () => {
    up = await startWsUpstream();
    px = await startProxy(bootstrap({ clusters: staticCluster('ws', [up.port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: ws }`, hcmExtra: '          upgrade_configs: [{ upgrade_type: websocket }]' }));
  });
  after(async () => {
    await px?.close();
    await up?.close();
  });

  it('the handshake reaches the upstream and bytes flow both ways', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write(handshake('/ws'));
      const buf = await c.until((b) => b.indexOf('\r\n\r\n') >= 0);
      const start = buf.indexOf('\r\n\r\n') + 4;
      const [r] = parseResponses(buf.subarray(0, start), [], false);
      assert.equal(r!.status, 101);
      assert.equal(r!.headers.upgrade?.toLowerCase(), 'websocket');
      assert.equal(r!.headers.connection?.toLowerCase(), 'upgrade');
      assert.equal(r!.headers['sec-websocket-accept'], acceptFor(KEY));
      // Upstream saw a real upgrade request.
      assert.equal(up.upgrades.length, 1);
      assert.match(String(up.upgrades[0]!.headers.upgrade), /^websocket/i);
      assert.equal(up.upgrades[0]!.headers['sec-websocket-key'], KEY);
      // Bytes both ways, small and large.
      c.write('hello');
      await c.until((b) => b.subarray(start).toString() === 'hello');
      const big = crypto.randomBytes(512 * 1024);
      c.write(big);
      await c.until((b) => b.length >= start + 5 + big.length, 5000);
      assert.ok(c.received().subarray(start + 5).equals(big));
      assert.ok((await stat(px, 'http.ingress_http.downstream_cx_upgrades_total')) >= 1);
      // Closing the client ends the tunnel (the proxy closes its side too).
      c.socket.end();
      await c.closed();
    } finally {
      c.destroy();
    }
  });

  it('the upstream sees exactly one Upgrade value and one Connection: upgrade', async () => {
    const c = await rawConnect(px.port());
    const n = up.upgrades.length;
    try {
      c.write(handshake('/ws'));
      await c.until((b) => b.indexOf('\r\n\r\n') >= 0);
      const req = up.upgrades[n]!;
      assert.equal(req.headers.upgrade, 'websocket');
      assert.equal(String(req.headers.connection).toLowerCase(), 'upgrade');
    } finally {
      c.destroy();
    }
  });

  it('bytes the upstream sends together with its 101 reach the client', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write(handshake('/early'));
      const buf = await c.until((b) => b.indexOf('\r\n\r\n') >= 0 && b.length >= b.indexOf('\r\n\r\n') + 7, 1000);
      assert.equal(buf.subarray(buf.indexOf('\r\n\r\n') + 4).toString(), 'up:');
    } finally {
      c.destroy();
    }
  });

  it('a plain request on the same listener is still proxied normally', async () => {
    const c = await rawConnect(px.port());
    try {
      c.write('GET /plain HTTP/1.1\r\nhost: ws.example\r\n\r\n');
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 1);
      const [r] = parseResponses(buf, [], false);
      assert.equal(r!.status, 200);
      assert.equal(r!.body.toString(), 'plain');
    } finally {
      c.destroy();
    }
  });
});

describe('WebSocket upgrade without upgrade_configs', () => {
  it('is refused with 403 (Envoy: upgrade_failed) and the upstream is never asked to upgrade', async () => {
    const up = await startWsUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('ws', [up.port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: ws }` }));
    const c = await rawConnect(px.port());
    try {
      c.write(handshake('/ws'));
      const buf = await within(c.until((b) => parseResponses(b, [], false).length >= 1), 3000, 'the refusal');
      const [r] = parseResponses(buf, [], false);
      assert.equal(r!.status, 403);
      assert.equal(up.upgrades.length, 0);
      assert.equal(up.plainRequests.length, 0);
    } finally {
      c.destroy();
      await px.close();
      await up.close();
    }
  });

  it('the upgrade is never honoured: no 101 and no tunnel', async () => {
    const up = await startWsUpstream();
    const px = await startProxy(bootstrap({ clusters: staticCluster('ws', [up.port]), routes: `              - match: { prefix: "/" }\n                route: { cluster: ws }` }));
    const c = await rawConnect(px.port());
    try {
      c.write(handshake('/ws'));
      const buf = await c.until((b) => parseResponses(b, [], false).length >= 1);
      const [r] = parseResponses(buf, [], false);
      assert.notEqual(r!.status, 101);
      assert.equal(up.upgrades.length, 0);
    } finally {
      c.destroy();
      await px.close();
      await up.close();
    }
  });
});
