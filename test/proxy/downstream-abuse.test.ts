// Clients that misbehave on purpose over HTTP/1.1: connections closed before
// a byte, pipelined floods, forbidden trailers, a malformed request pipelined
// after a good one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
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
