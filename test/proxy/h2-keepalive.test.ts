// HTTP/2 connection_keepalive on upstream connections, end to end: a real h2c
// server behind a relay that can stop forwarding (a peer that silently went
// away). PINGs flow on the idle connection; once they go unanswered the
// connection is closed (http2.keepalive_timeout) and the next request gets a
// new one.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '../helpers/net-harness.js';
import { bootstrap, request, startProxy, staticCluster, type RunningProxy } from '../helpers/proxy-harness.js';

/** A TCP relay that counts client PING frames and can turn into a black hole. */
async function startRelay(target: number) {
  const state = { pings: 0, blackhole: false, sockets: new Set<net.Socket>() };
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    state.sockets.add(down).add(up);
    let buf = Buffer.alloc(0);
    let prefaceSeen = false;
    down.on('data', (c: Buffer) => {
      if (state.blackhole) return;
      up.write(c);
      // Count PING frames (type 6, not ACK) sent by the proxy.
      buf = Buffer.concat([buf, c]);
      if (!prefaceSeen && buf.length >= 24) {
        buf = buf.subarray(24);
        prefaceSeen = true;
      }
      while (prefaceSeen && buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        if (buf[3] === 6 && (buf[4]! & 1) === 0) state.pings++;
        buf = buf.subarray(9 + len);
      }
    });
    up.on('data', (c: Buffer) => {
      if (!state.blackhole) down.write(c);
    });
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    state,
    close: () => new Promise<void>((r) => {
      for (const s of state.sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

describe('HTTP/2 upstream connection_keepalive', () => {
  let h2: http2.Http2Server;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let px: RunningProxy;
  before(async () => {
    h2 = http2.createServer((_req, res) => res.end('h2 upstream'));
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    relay = await startRelay((h2.address() as net.AddressInfo).port);
    px = await startProxy(bootstrap({
      routes: `              - match: { prefix: "/" }
                route: { cluster: backend }`,
      clusters: staticCluster('backend', [relay.port], `    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config:
          http2_protocol_options:
            connection_keepalive: { interval: 0.1s, timeout: 0.3s, interval_jitter: { value: 0 } }`),
    }));
  });
  after(async () => {
    await px.close();
    await relay.close();
    await new Promise<void>((r) => h2.close(() => r()));
  });

  const stat = async (name: string): Promise<number> => {
    const m = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)$`, 'm').exec((await px.admin('/stats')).body);
    return m ? Number(m[1]) : 0;
  };

  it('PINGs an idle connection and keeps it while the PINGs are answered', async () => {
    const r = await request({ port: px.port() });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'h2 upstream');
    const before = relay.state.pings;
    await waitUntil(() => relay.state.pings >= before + 3, 'three PINGs on the idle connection', 10_000);
    assert.equal(await stat('cluster.backend.http2.keepalive_timeout'), 0);
    assert.equal(await stat('cluster.backend.upstream_cx_total'), 1);
    assert.equal(await stat('cluster.backend.upstream_cx_active'), 1);
  });

  it('closes a connection whose PING is not answered, and the next request gets a new one', async () => {
    relay.state.blackhole = true;
    await waitUntil(async () => (await stat('cluster.backend.http2.keepalive_timeout')) === 1, 'keepalive_timeout', 10_000);
    assert.equal(await stat('cluster.backend.upstream_cx_active'), 0);
    relay.state.blackhole = false;
    const r = await request({ port: px.port() });
    assert.equal(r.status, 200);
    assert.equal(await stat('cluster.backend.upstream_cx_total'), 2);
  });
});
