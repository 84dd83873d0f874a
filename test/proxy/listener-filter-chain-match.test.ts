// Filter chain selection on a real listener: server_names (tls_inspector),
// transport_protocol, application_protocols (http_inspector),
// default_filter_chain, no match, and the listener's stat_prefix. Each chain
// is a tcp_proxy to its own recording upstream, so which upstream received
// the client's first bytes shows which chain was picked.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { bootstrap, request, request2, staticCluster, startProxy, startUpstream, type RunningProxy } from '../helpers/proxy-harness.js';
import { fileLines, startTcpUpstream, tcpConnect, tempDir, waitUntil, type TcpUpstream } from '../helpers/net-harness.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const TLS_INSPECTOR = `    - name: envoy.filters.listener.tls_inspector
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }`;
const HTTP_INSPECTOR = `    - name: envoy.filters.listener.http_inspector
      typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector }`;

const chain = (cluster: string, match?: string) => `    - ${match ? `filter_chain_match: ${match}\n      ` : ''}filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": ${TCP_PROXY}, stat_prefix: ${cluster}, cluster: ${cluster} }`;

function listener(name: string, o: { statPrefix?: string; listenerFilters?: string; chains: string[]; defaultChain?: string; extra?: string }): string {
  return `  - name: ${name}
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
${o.statPrefix ? `    stat_prefix: ${o.statPrefix}\n` : ''}${o.listenerFilters ? `    listener_filters:\n${o.listenerFilters}\n` : ''}${o.extra ?? ''}    filter_chains:
${o.chains.join('\n')}
${o.defaultChain ? `    default_filter_chain:\n      filters:\n      - name: envoy.filters.network.tcp_proxy\n        typed_config: { "@type": ${TCP_PROXY}, stat_prefix: ${o.defaultChain}, cluster: ${o.defaultChain} }\n` : ''}`;
}

/** Starts a TLS handshake with `servername` (no certificate needed: the upstream only records the ClientHello). */
function tlsHello(port: number, servername?: string, alpn?: string[]): { closed: Promise<void>; destroy(): void } {
  const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}), ...(alpn ? { ALPNProtocols: alpn } : {}) });
  s.on('error', () => undefined);
  return { closed: new Promise((r) => s.once('close', () => r())), destroy: () => s.destroy() };
}

describe('listener: filter chain match', { timeout: 15_000 }, () => {
  const names = ['api', 'wild', 'plain', 'fallback', 'tlsany', 'raw', 'h2', 'h1'] as const;
  const ups = {} as Record<(typeof names)[number], TcpUpstream>;
  let px: RunningProxy;
  const tmp = tempDir();
  const listenerLog = tmp.file('listener.log');

  before(async () => {
    for (const n of names) ups[n] = await startTcpUpstream('record');
    const sniChains = [
      chain('api', '{ server_names: ["api.example.com"] }'),
      chain('wild', '{ server_names: ["*.example.com"] }'),
      chain('plain', '{ transport_protocol: raw_buffer }'),
    ];
    px = await startProxy(`
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
${listener('sni', {
  statPrefix: 'sni_listener',
  listenerFilters: TLS_INSPECTOR,
  chains: sniChains,
  extra: `    access_log:
    - name: envoy.access_loggers.file
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
        path: ${listenerLog}
        log_format: { text_format_source: { inline_string: "%RESPONSE_FLAGS% %REQUESTED_SERVER_NAME%\\n" } }
`,
})}
${listener('sni_default', { listenerFilters: TLS_INSPECTOR, chains: sniChains, defaultChain: 'fallback' })}
${listener('transport', { listenerFilters: TLS_INSPECTOR, chains: [chain('tlsany', '{ transport_protocol: tls }'), chain('raw', '{ transport_protocol: raw_buffer }')] })}
${listener('alpn', { listenerFilters: HTTP_INSPECTOR, chains: [chain('h2', '{ application_protocols: ["h2c"] }'), chain('h1', '{ application_protocols: ["http/1.1"] }')] })}
  clusters:
${names.map((n) => staticCluster(n, [ups[n].port])).join('')}`);
  });
  after(async () => {
    await px.close();
    for (const n of names) await ups[n].close();
    tmp.cleanup();
  });

  /**
   * The one upstream that has accepted a new connection since `before`.
   * (Chain choice is judged by the connection, not the bytes: see the
   * separate test for peeked bytes.)
   */
  async function landedOn(before: Record<string, number>): Promise<{ name: string; conn: TcpUpstream['connections'][number] }> {
    const name = await waitUntil(() => names.find((n) => ups[n].connections.length > before[n]!), 'a chain to connect upstream');
    const others = names.filter((n) => n !== name && ups[n].connections.length > before[n]!);
    assert.deepEqual(others, [], 'exactly one chain got the connection');
    return { name, conn: ups[name].connections.at(-1)! };
  }
  const counts = () => Object.fromEntries(names.map((n) => [n, ups[n].connections.length]));

  it('server_names: an exact name wins over a wildcard', async () => {
    const b = counts();
    const c = tlsHello(px.port('sni'), 'api.example.com');
    const got = await landedOn(b);
    c.destroy();
    assert.equal(got.name, 'api');
  });

  it('bytes read by the listener filters are forwarded: the ClientHello reaches the upstream untouched', async () => {
    const b = counts();
    const c = tlsHello(px.port('sni'), 'api.example.com');
    try {
      const got = await landedOn(b);
      const data = await waitUntil(() => got.conn.data.length > 0 && got.conn.data, 'the ClientHello at the upstream', 500);
      assert.equal(data[0], 0x16);
      assert.ok(data.includes('api.example.com'));
    } finally {
      c.destroy();
    }
  });

  it('server_names: "*.example.com" matches a subdomain', async () => {
    const b = counts();
    const c = tlsHello(px.port('sni'), 'www.example.com');
    const got = await landedOn(b);
    c.destroy();
    assert.equal(got.name, 'wild');
  });

  it('transport_protocol raw_buffer: plain bytes pass the tls_inspector and reach the raw chain', async () => {
    const b = counts();
    const c = await tcpConnect(px.port('sni'));
    c.socket.write('plain text, not TLS');
    const got = await landedOn(b);
    c.socket.destroy();
    assert.equal(got.name, 'plain');
  });

  it('no matching chain: the connection is closed and listener.<stat_prefix>.no_filter_chain_match counted', async () => {
    const b = counts();
    const c = tlsHello(px.port('sni'), 'other.org');
    await c.closed;
    assert.deepEqual(counts(), b, 'no upstream was contacted');
    const stats = (await px.admin('/stats?filter=^listener\\.sni_listener\\.')).body;
    assert.match(stats, /^listener\.sni_listener\.no_filter_chain_match: 1$/m);
    assert.match(stats, /^listener\.sni_listener\.downstream_cx_total: [1-9]/m);
  });

  it('no matching chain is logged by the listener access_log with flag NR', async () => {
    await px.proxy.ctx.accessLogs.flush();
    assert.ok(fileLines(listenerLog).includes('NR other.org'), fileLines(listenerLog).join('\n'));
  });

  it('default_filter_chain takes what no chain matches', async () => {
    const b = counts();
    const c = tlsHello(px.port('sni_default'), 'other.org');
    const got = await landedOn(b);
    c.destroy();
    assert.equal(got.name, 'fallback');
    const b2 = counts();
    const c2 = tlsHello(px.port('sni_default'), 'api.example.com');
    assert.equal((await landedOn(b2)).name, 'api', 'a matching chain still wins over the default');
    c2.destroy();
  });

  it('transport_protocol: tls vs raw_buffer', async () => {
    const b = counts();
    const c = tlsHello(px.port('transport')); // by IP: no SNI at all
    assert.equal((await landedOn(b)).name, 'tlsany');
    c.destroy();
    const b2 = counts();
    const r = await tcpConnect(px.port('transport'));
    r.socket.write('\x00raw');
    assert.equal((await landedOn(b2)).name, 'raw');
    r.socket.destroy();
  });

  it('application_protocols via http_inspector: h2c prior knowledge vs http/1.1', async () => {
    const b = counts();
    const h2 = await tcpConnect(px.port('alpn'));
    h2.socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const got = await landedOn(b);
    assert.equal(got.name, 'h2');
    h2.socket.destroy();
    const b2 = counts();
    const h1 = await tcpConnect(px.port('alpn'));
    h1.socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    const got1 = await landedOn(b2);
    assert.equal(got1.name, 'h1');
    h1.socket.destroy();
  });

  it('a listener without stat_prefix counts under its address', async () => {
    const stats = (await px.admin('/stats?filter=^listener\\.127')).body;
    assert.match(stats, /^listener\.127\.0\.0\.1_0\.downstream_cx_total: [1-9]/m);
  });
});

describe('listener: HTTP connection manager behind listener filters', { timeout: 10_000 }, () => {
  const LF = `    listener_filters:\n${TLS_INSPECTOR}\n${HTTP_INSPECTOR}`;

  it('serves HTTP/1.1 after tls_inspector and http_inspector have peeked', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), listenerExtra: LF }));
    try {
      const r = await request({ port: px.port(), path: '/one', method: 'POST', body: 'b'.repeat(1000) });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'service1 POST /one');
      assert.equal(up.requests[0]!.body.length, 1000);
    } finally {
      await px.close();
      await up.close();
    }
  });

  it('serves h2c (codec_type HTTP2) after the listener filters have peeked', async () => {
    const up = await startUpstream('service1');
    const px = await startProxy(bootstrap({ clusters: staticCluster('service1', [up.port]), hcmExtra: '          codec_type: HTTP2', listenerExtra: LF }));
    try {
      const r = await request2({ port: px.port(), path: '/two' });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'service1 GET /two');
    } finally {
      await px.close();
      await up.close();
    }
  });
});
