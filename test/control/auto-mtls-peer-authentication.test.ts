// Auto mTLS against the server's PeerAuthentication, end to end through two
// weft proxies: the control plane's translation for a client sidecar
// (productpage-v1: its outbound cluster and endpoints for reviews) and for
// the server sidecar (reviews-v1 in local mode: its inbound listener and
// cluster in front of a real app), run as real proxies on real sockets. The
// workload certificates (SPIFFE identities from one test root) are set in
// each proxy's `sds-grpc` secrets, as the node agent sets them.
//   no policy (PERMISSIVE)      → the client originates Istio mTLS
//   reviews DISABLE (workload)  → the client sends plaintext, the server's
//                                  plaintext-only listener takes it
//   reviews portLevelMtls 9080 DISABLE under mesh STRICT → plaintext too
//   namespace DISABLE + DestinationRule ISTIO_MUTUAL → mTLS is sent and the
//                                  plaintext-only server refuses it (503 UF:
//                                  the conflict weft analyze reports, WEFT0334)
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { DestinationRule } from '../../src/api/networking.js';
import type { PeerAuthentication, PeerAuthenticationSpec } from '../../src/api/security.js';
import { BOOKINFO_SERVICES, destinationRule, host } from '../../src/control/translate/test-bookinfo.js';
import { TestPushContext } from '../../src/control/translate/test-push-context.js';
import { makeTestPki, OPENSSL_MISSING, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { request, type RunningProxy } from '../helpers/proxy-harness.js';
import { clientBootstrap, ENDPOINTS, OUT_CLUSTER, serverBootstrap, startSidecar } from '../helpers/mtls-sidecar-pair.js';


const pa = (name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const REVIEWS_SELECTOR = { selector: { matchLabels: { app: 'reviews' } } };


function push(policies: PeerAuthentication[], destinationRules: DestinationRule[] = []) {
  return new TestPushContext({ services: BOOKINFO_SERVICES, endpoints: ENDPOINTS, peerAuthentications: policies, destinationRules, mesh: { workloadCertificates: true } });
}





/** Sum of every stat line ending in `suffix` (e.g. every listener's ssl.handshake). */
async function statSum(px: RunningProxy, re: RegExp): Promise<number> {
  const body = (await px.admin('/stats')).body;
  let n = 0;
  for (const line of body.split('\n')) {
    const m = /^(\S+): (\d+)$/.exec(line);
    if (m && re.test(m[1]!)) n += Number(m[2]);
  }
  return n;
}

interface Outcome {
  status: number;
  body: string;
  /** The client's endpoint carried the mTLS mark. */
  marked: boolean;
  /** Upstream TLS handshakes of the client's reviews cluster. */
  clientHandshakes: number;
  /** TLS handshakes the server sidecar's listener completed. */
  serverHandshakes: number;
  /** What the app saw (the server sidecar forwards to it). */
  appHits: number;
}

describe('auto mTLS and the server\'s PeerAuthentication, through two weft proxies', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let app: http.Server;
  let appPort: number;
  let appHits = 0;
  before(async () => {
    pki = makeTestPki('weft-auto-mtls-pa-');
    app = http.createServer((_req, res) => {
      appHits++;
      res.end('reviews ok');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => app.close(() => r()));
    pki.cleanup();
  });

  async function run(policies: PeerAuthentication[], destinationRules: DestinationRule[] = []): Promise<Outcome> {
    const p = push(policies, destinationRules);
    const server = await startSidecar(serverBootstrap(p, appPort), pki, 'bookinfo-reviews');
    let client: RunningProxy | undefined;
    try {
      const c = clientBootstrap(p, server.port('inbound_9080'));
      client = await startSidecar(c.bootstrap, pki, 'bookinfo-productpage');
      const before = appHits;
      const res = await request({ port: client.port(), path: '/reviews/0', headers: { host: 'reviews:9080' }, agent: false });
      return {
        status: res.status, body: res.body.toString(), marked: c.marked,
        clientHandshakes: await statSum(client, new RegExp(`^cluster\\.${OUT_CLUSTER.replace(/[.|]/g, '\\$&')}\\.ssl\\.handshake$`)),
        serverHandshakes: await statSum(server, /^listener\..*\.ssl\.handshake$/),
        appHits: appHits - before,
      };
    } finally {
      await client?.close();
      await server.close();
    }
  }

  it('no policy (PERMISSIVE): the client originates Istio mTLS and the server terminates it', async () => {
    const o = await run([]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: true, clientHandshakes: 1, serverHandshakes: 1, appHits: 1 });
  });

  it('reviews DISABLE (workload selector): the client sends plaintext, with no DestinationRule', async () => {
    const o = await run([pa('reviews', 'default', { ...REVIEWS_SELECTOR, mtls: { mode: 'DISABLE' } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: false, clientHandshakes: 0, serverHandshakes: 0, appHits: 1 });
  });

  it('mesh STRICT, reviews portLevelMtls 9080 DISABLE: plaintext to that port', async () => {
    const o = await run([pa('default', 'istio-system', { mtls: { mode: 'STRICT' } }), pa('reviews', 'default', { ...REVIEWS_SELECTOR, portLevelMtls: { 9080: { mode: 'DISABLE' } } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: false, clientHandshakes: 0, serverHandshakes: 0, appHits: 1 });
  });

  it('mesh STRICT: mTLS again (the server takes nothing else)', async () => {
    const o = await run([pa('default', 'istio-system', { mtls: { mode: 'STRICT' } })]);
    assert.deepEqual(o, { status: 200, body: 'reviews ok', marked: true, clientHandshakes: 1, serverHandshakes: 1, appHits: 1 });
  });

  it('an explicit DestinationRule ISTIO_MUTUAL wins over a DISABLE namespace: mTLS is sent and the plaintext-only server refuses it', async () => {
    const o = await run([pa('default', 'default', { mtls: { mode: 'DISABLE' } })], [destinationRule('reviews', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } })]);
    assert.equal(o.status, 503);
    assert.equal(o.appHits, 0);
    assert.equal(o.serverHandshakes, 0);
  });
});
