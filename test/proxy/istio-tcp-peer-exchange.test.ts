// Istio's TCP metadata exchange (envoy.filters.network.metadata_exchange on
// the server sidecar's inbound chain, its upstream twin in the client
// sidecar's cluster filters, ALPN istio-peer-exchange over mTLS) between two
// real weft sidecars in front of a TCP echo server: each side's istio_tcp_*
// series name the peer's workload, and the applications never see a frame
// byte. Then the ways it does not happen: a peer without the filter, a
// malformed frame from a raw TLS client, and plaintext. Skips: openssl absent
// (certificates) for the mTLS parts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { parsePrometheusText, type PromSample } from '../../src/stats/prometheus-text-parser.js';
import { OPENSSL_MISSING } from '../../src/proxy/tls/tls-test-kit.js';
import { encodeExchangeFrame, frameOf } from '../../src/proxy/filters/tcp-metadata-exchange/wire.js';
import { makeTestPki, type TestPki } from '../../src/proxy/tls/tls-test-kit.js';
import { tcpMetadataExchangeFilter } from '../../src/control/translate/telemetry-filters.js';
import { startProxy } from '../helpers/proxy-harness.js';
import { MX_MAGIC } from '../../src/proxy/filters/tcp-metadata-exchange/defaults.js';
import { CLIENT_SPIFFE, SERVER_SPIFFE, startTcpMesh, TCP_SVC, type TcpMesh } from '../helpers/istio-tcp-sidecars.js';
import { echoOnce, waitUntil } from '../helpers/net-harness.js';
import type { RunningProxy } from '../helpers/proxy-harness.js';

const CONNECTIONS = 3;
const MESSAGE = 'm'.repeat(100);

/** The one series of `family` on a sidecar's /stats/prometheus. */
async function sampleOf(px: RunningProxy, family: string): Promise<PromSample | undefined> {
  const r = await px.admin('/stats/prometheus');
  const fam = parsePrometheusText(r.body).get(family);
  assert.ok(!fam || fam.samples.length === 1, `one series of ${family}: ${JSON.stringify(fam?.samples)}`);
  return fam?.samples[0];
}

/** A counter's value on /stats (0 when absent). */
async function counter(px: RunningProxy, name: string): Promise<number> {
  const body = (await px.admin('/stats')).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

async function mxCounters(px: RunningProxy): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of ['alpn_protocol_not_found', 'alpn_protocol_found', 'initial_header_not_found', 'header_not_found', 'metadata_added']) out[n] = await counter(px, `metadata_exchange.${n}`);
  return out;
}

/** CONNECTIONS echo round trips through the client sidecar; each app sees exactly its own bytes. */
async function load(mesh: TcpMesh): Promise<void> {
  for (let i = 0; i < CONNECTIONS; i++) assert.equal((await echoOnce(mesh.client.port('outbound'), MESSAGE)).toString(), MESSAGE);
  for (const px of [mesh.client, mesh.server]) {
    await waitUntil(async () => (await sampleOf(px, 'istio_tcp_connections_closed_total'))?.value === CONNECTIONS, 'every connection closed');
  }
}

describe('TCP metadata exchange between two sidecars over mTLS', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let mesh: TcpMesh;
  before(async () => {
    mesh = await startTcpMesh({ mtls: true, exchange: { server: true, client: true } });
    await load(mesh);
  });
  after(() => mesh?.close());

  it('server side (reporter=destination) names the client workload it read from the exchange', async () => {
    const opened = (await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!;
    assert.equal(opened.value, CONNECTIONS);
    const l = opened.labels;
    assert.equal(l.reporter, 'destination');
    assert.equal(l.source_workload, 'ratings-v1');
    assert.equal(l.source_workload_namespace, 'default');
    assert.equal(l.source_app, 'ratings');
    assert.equal(l.source_version, 'v1');
    assert.equal(l.source_canonical_service, 'ratings');
    assert.equal(l.source_canonical_revision, 'v1');
    assert.equal(l.source_cluster, 'Kubernetes');
    assert.equal(l.source_principal, CLIENT_SPIFFE);
    assert.equal(l.destination_workload, 'mongodb-v1');
    assert.equal(l.destination_principal, SERVER_SPIFFE);
    assert.equal(l.connection_security_policy, 'mutual_tls');
    // The frames are not application bytes: the counts are the echo's.
    assert.equal((await sampleOf(mesh.server, 'istio_tcp_received_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
    assert.equal((await sampleOf(mesh.server, 'istio_tcp_sent_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
  });

  it('client side (reporter=source) names the server workload it read from the exchange', async () => {
    const l = (await sampleOf(mesh.client, 'istio_tcp_connections_opened_total'))!.labels;
    assert.equal(l.reporter, 'source');
    assert.equal(l.source_workload, 'ratings-v1');
    assert.equal(l.destination_workload, 'mongodb-v1');
    assert.equal(l.destination_workload_namespace, 'default');
    assert.equal(l.destination_app, 'mongodb');
    assert.equal(l.destination_version, 'v1');
    assert.equal(l.destination_canonical_service, 'mongodb');
    assert.equal(l.destination_canonical_revision, 'v1');
    assert.equal(l.destination_cluster, 'Kubernetes');
    assert.equal(l.destination_principal, SERVER_SPIFFE);
    assert.equal(l.destination_service, TCP_SVC);
    assert.equal((await sampleOf(mesh.client, 'istio_tcp_sent_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
    assert.equal((await sampleOf(mesh.client, 'istio_tcp_received_bytes_total'))!.value, CONNECTIONS * MESSAGE.length);
  });

  it('counts Istio\'s metadata_exchange.* stats on both sides', async () => {
    const want = { alpn_protocol_not_found: 0, alpn_protocol_found: CONNECTIONS, initial_header_not_found: 0, header_not_found: 0, metadata_added: CONNECTIONS };
    assert.deepEqual(await mxCounters(mesh.server), want);
    assert.deepEqual(await mxCounters(mesh.client), want);
  });
});

describe('TCP metadata exchange with a peer that does not run it', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  it('server runs it, client sidecar does not (offers no istio-peer-exchange): no exchange, unknown client workload, traffic intact', async () => {
    const mesh = await startTcpMesh({ mtls: true, exchange: { server: true } });
    try {
      await load(mesh);
      const l = (await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!.labels;
      assert.equal(l.source_workload, 'unknown');
      assert.equal(l.source_app, 'unknown');
      assert.equal(l.source_principal, CLIENT_SPIFFE);
      assert.equal((await mxCounters(mesh.server)).alpn_protocol_not_found, CONNECTIONS);
      assert.equal((await mxCounters(mesh.server)).metadata_added, 0);
      assert.equal((await sampleOf(mesh.client, 'istio_tcp_connections_opened_total'))!.labels.destination_workload, 'unknown');
    } finally {
      await mesh.close();
    }
  });

  it('client runs it, server sidecar does not (offers no istio-peer-exchange): unknown server workload', async () => {
    const mesh = await startTcpMesh({ mtls: true, exchange: { client: true } });
    try {
      await load(mesh);
      const l = (await sampleOf(mesh.client, 'istio_tcp_connections_opened_total'))!.labels;
      assert.equal(l.destination_workload, 'unknown');
      assert.equal(l.destination_principal, SERVER_SPIFFE);
      assert.deepEqual(await mxCounters(mesh.client), { alpn_protocol_not_found: CONNECTIONS, alpn_protocol_found: 0, initial_header_not_found: 0, header_not_found: 0, metadata_added: 0 });
    } finally {
      await mesh.close();
    }
  });
});

describe('a malformed exchange from a raw TLS client', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let mesh: TcpMesh;
  before(async () => {
    mesh = await startTcpMesh({ mtls: true, exchange: { server: true } });
  });
  after(() => mesh?.close());

  /**
   * Connects to the server sidecar with the client's certificate and Istio's
   * ALPN, sends `bytes`, half-closes, and returns what came back (the
   * sidecar's frame first, then the echo of what reached the app).
   */
  function rawExchange(bytes: Buffer): Promise<{ alpn: string | false; data: Buffer }> {
    const pki = mesh.pki!;
    return new Promise((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1', port: mesh.server.port('inbound'), servername: 'mongodb',
        ca: fs.readFileSync(pki.root.certPath), cert: fs.readFileSync(pki.client.certPath), key: fs.readFileSync(pki.client.keyPath),
        ALPNProtocols: ['istio-peer-exchange', 'istio'], rejectUnauthorized: false,
      });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no close; got ${Buffer.concat(chunks).length} bytes`));
      }, 5000);
      s.on('secureConnect', () => {
        s.write(bytes);
        s.end();
      });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ alpn: s.alpnProtocol ?? false, data: Buffer.concat(chunks) });
      });
    });
  }

  /** The sidecar's own frame at the start of `data`; returns what follows it. */
  function afterFrame(data: Buffer): Buffer {
    assert.equal(data.readUInt32BE(0), MX_MAGIC, 'the sidecar writes its frame first');
    return data.subarray(8 + data.readUInt32BE(4));
  }

  it('wrong magic: initial_header_not_found, every byte reaches the app, the peer is unknown', async () => {
    const before = await mxCounters(mesh.server);
    const r = await rawExchange(Buffer.from('hello, not a frame'));
    assert.equal(r.alpn, 'istio-peer-exchange');
    assert.equal(afterFrame(r.data).toString(), 'hello, not a frame');
    const now = await mxCounters(mesh.server);
    assert.equal(now.initial_header_not_found - before.initial_header_not_found, 1);
    assert.equal(now.alpn_protocol_found - before.alpn_protocol_found, 1);
  });

  it('right magic, a payload that is no Any of a Struct: header_not_found, the bytes after the header reach the app', async () => {
    const before = await mxCounters(mesh.server);
    const r = await rawExchange(Buffer.concat([frameOf(Buffer.from([0xff, 0xff, 0xff])), Buffer.from('tail')]));
    assert.equal(afterFrame(r.data).toString('latin1'), '\xff\xff\xfftail');
    assert.equal((await mxCounters(mesh.server)).header_not_found - before.header_not_found, 1);
  });

  it('an announced length past the bound: header_not_found at once, no buffering of it', async () => {
    const before = await mxCounters(mesh.server);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(MX_MAGIC, 0);
    header.writeUInt32BE(0x7fffffff, 4);
    const r = await rawExchange(Buffer.concat([header, Buffer.from('x')]));
    assert.equal(afterFrame(r.data).toString(), 'x');
    assert.equal((await mxCounters(mesh.server)).header_not_found - before.header_not_found, 1);
  });

  it('a frame cut short by the client\'s FIN: the held bytes pass on, counted, the connection ends normally', async () => {
    const before = await mxCounters(mesh.server);
    const r = await rawExchange(Buffer.from([0x3d, 0x23]));
    assert.deepEqual([...afterFrame(r.data)], [0x3d, 0x23]);
    assert.equal((await mxCounters(mesh.server)).initial_header_not_found - before.initial_header_not_found, 1);
  });

  it('every one of those connections was reported with an unknown source workload', async () => {
    await waitUntil(async () => (await sampleOf(mesh.server, 'istio_tcp_connections_closed_total'))?.value === 4, 'four connections closed');
    const l = (await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!.labels;
    assert.equal(l.source_workload, 'unknown');
    assert.equal(l.source_principal, CLIENT_SPIFFE);
  });
});

describe('TCP metadata exchange over plaintext', { timeout: 60_000 }, () => {
  it('no TLS, no ALPN: no exchange (alpn_protocol_not_found), traffic intact, peers unknown', async () => {
    const mesh = await startTcpMesh({ mtls: false, exchange: { server: true, client: true } });
    try {
      await load(mesh);
      const want = { alpn_protocol_not_found: CONNECTIONS, alpn_protocol_found: 0, initial_header_not_found: 0, header_not_found: 0, metadata_added: 0 };
      assert.deepEqual(await mxCounters(mesh.server), want);
      assert.deepEqual(await mxCounters(mesh.client), want);
      assert.equal((await sampleOf(mesh.server, 'istio_tcp_connections_opened_total'))!.labels.source_workload, 'unknown');
      assert.equal((await sampleOf(mesh.client, 'istio_tcp_connections_opened_total'))!.labels.destination_workload, 'unknown');
    } finally {
      await mesh.close();
    }
  });
});

describe('the exchange before an HCM (Istio puts it in inbound HTTP chains too)', { skip: OPENSSL_MISSING, timeout: 60_000 }, () => {
  let pki: TestPki;
  let px: RunningProxy;
  before(async () => {
    pki = makeTestPki('weft-mx-hcm-');
    const cert = pki.issue('server', { uris: [SERVER_SPIFFE] });
    const hcm = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: 'inbound_0.0.0.0_9080',
      route_config: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'ok' } } }] }] },
      http_filters: [{ name: 'r', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    };
    const ts = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: { tls_certificates: [{ certificate_chain: { filename: cert.certPath }, private_key: { filename: cert.keyPath } }], alpn_protocols: ['istio-peer-exchange', 'h2', 'http/1.1'] },
      },
    };
    px = await startProxy(`admin: ${JSON.stringify({ address: { socket_address: { address: '127.0.0.1', port_value: 0 } } })}\nstatic_resources: ${JSON.stringify({
      listeners: [{ name: 'in', traffic_direction: 'INBOUND', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ transport_socket: ts, filters: [tcpMetadataExchangeFilter(), { name: 'hcm', typed_config: hcm }] }] }],
    })}\n`);
  });
  after(async () => {
    await px?.close();
    pki?.cleanup();
  });

  function tlsRequest(alpn: string[], first: Buffer): Promise<{ alpn: string | false; data: Buffer }> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: px.port('in'), ca: fs.readFileSync(pki.root.certPath), rejectUnauthorized: false, ALPNProtocols: alpn });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no close; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
      }, 5000);
      s.on('secureConnect', () => s.write(Buffer.concat([first, Buffer.from('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')])));
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ alpn: s.alpnProtocol ?? false, data: Buffer.concat(chunks) });
      });
    });
  }

  it('an HTTP client (ALPN http/1.1): no exchange, counted alpn_protocol_not_found, the request is served', async () => {
    const r = await tlsRequest(['http/1.1'], Buffer.alloc(0));
    assert.equal(r.alpn, 'http/1.1');
    assert.match(r.data.toString(), /^HTTP\/1\.1 200 /);
    assert.equal((await mxCounters(px)).alpn_protocol_not_found, 1);
  });

  it('a client that picks istio-peer-exchange: the frames go first both ways, then HTTP is served', async () => {
    const r = await tlsRequest(['istio-peer-exchange'], encodeExchangeFrame(undefined));
    assert.equal(r.alpn, 'istio-peer-exchange');
    assert.equal(r.data.readUInt32BE(0), MX_MAGIC);
    assert.match(r.data.subarray(8 + r.data.readUInt32BE(4)).toString(), /^HTTP\/1\.1 200 [\s\S]*ok$/);
    const c = await mxCounters(px);
    assert.equal(c.alpn_protocol_found, 1);
    assert.equal(c.metadata_added, 1);
    assert.equal(c.header_not_found + c.initial_header_not_found, 0);
  });
});
