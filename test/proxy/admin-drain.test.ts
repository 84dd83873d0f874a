// POST /drain_listeners: the listener stops accepting, requests in flight
// finish with `connection: close`, idle keep-alive connections are closed,
// and the proxy reports it is no longer ready.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { bootstrap, staticCluster, startProxy, startUpstream } from '../helpers/proxy-harness.js';
import { tcpConnect, tryConnect } from '../helpers/net-harness.js';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nhost: test\r\n\r\n`;

describe('admin: /drain_listeners', { timeout: 10_000 }, () => {
  it('refuses new connections, closes keep-alive after the in-flight response, /ready 503', async () => {
    let release: (() => void) | undefined;
    let onArrive!: () => void;
    const arrived = new Promise<void>((r) => (onArrive = r));
    const up = await startUpstream('slow', (req, _body, res: http.ServerResponse) => {
      if (req.url !== '/slow') return void res.end('fast');
      release = () => res.end('slow done');
      onArrive();
    });
    const upPort = up.port;
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [upPort]) }));
    try {
      const port = px.port();
      // An idle keep-alive connection and one with a request in flight.
      const idle = await tcpConnect(port);
      idle.socket.write(GET('/fast'));
      await idle.waitFor('fast');
      const busy = await tcpConnect(port);
      busy.socket.write(GET('/slow'));
      await arrived;

      assert.equal((await px.admin('/drain_listeners', 'POST')).status, 200);

      assert.equal(await tryConnect(port), 'ECONNREFUSED', 'the listener no longer accepts');
      const ready = await px.admin('/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body, 'DRAINING\n');
      assert.equal((JSON.parse((await px.admin('/server_info')).body) as { state: string }).state, 'DRAINING');

      await idle.ended; // the idle keep-alive connection is closed by the proxy (FIN)
      idle.socket.destroy();

      release!();
      const raw = (await busy.waitFor('slow done')).toString();
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(raw, /\r\nconnection: close\r\n/i);
      await busy.ended; // the proxy closes the connection after the response
      busy.socket.destroy();
      assert.match((await px.admin('/stats?filter=drain_close')).body, /^http\.ingress_http\.downstream_cx_drain_close: [1-9]/m);
    } finally {
      await px.close();
      await up.close();
    }
  });
});
