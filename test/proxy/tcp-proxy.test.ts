// envoy.filters.network.tcp_proxy end to end: bytes both ways, half-close,
// refused upstreams, idle timeout, weighted clusters, stats and access logs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closedPort, staticCluster, startProxy, type RunningProxy } from '../helpers/proxy-harness.js';
import { echoOnce, fileLines, startTcpUpstream, tcpConnect, tcpExchange, tempDir, waitUntil, type TcpUpstream } from '../helpers/net-harness.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** One listener per entry, each a single tcp_proxy chain; `proxy` is the TcpProxy body (10-space indent). */
function tcpBootstrap(listeners: { name: string; proxy: string }[], clusters: string): string {
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
${listeners.map((l) => `  - name: ${l.name}
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": ${TCP_PROXY}
${l.proxy}`).join('\n')}
  clusters:
${clusters}`;
}

const fileLog = (path: string, format?: string) => `          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": ${FILE_LOG}
              path: ${path}
${format ? `              log_format: { text_format_source: { inline_string: "${format}\\n" } }` : ''}`;

/** Envoy's default access log line as printed for a TCP connection. */
const TCP_DEFAULT_LINE = /^\[[^\]]+\] "- - -" (?<code>\d+) (?<flags>\S+) (?<rx>\d+) (?<tx>\d+) (?<duration>\d+) - "-" "-" "-" "-" "(?<upstream>[^"]*)"$/;

const statValue = async (px: RunningProxy, name: string): Promise<number | undefined> => {
  const body = (await px.admin('/stats?filter=' + encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`))).body;
  const m = /: (\d+)$/m.exec(body);
  return m ? Number(m[1]) : undefined;
};

describe('tcp_proxy', { timeout: 15_000 }, () => {
  let echo: TcpUpstream;
  let halfOpen: TcpUpstream;
  let px: RunningProxy;
  let deadPort: number;
  const tmp = tempDir();
  const log = tmp.file('tcp.log');
  const deadLog = tmp.file('dead.log');

  before(async () => {
    echo = await startTcpUpstream('echo');
    halfOpen = await startTcpUpstream('record');
    deadPort = await closedPort();
    px = await startProxy(tcpBootstrap([
      { name: 'echo', proxy: `          stat_prefix: echo_tcp\n          cluster: echo\n${fileLog(log)}` },
      { name: 'half', proxy: '          stat_prefix: half_tcp\n          cluster: half' },
      { name: 'dead', proxy: `          stat_prefix: dead_tcp\n          cluster: dead\n${fileLog(deadLog, '%UPSTREAM_CLUSTER% %RESPONSE_FLAGS% %UPSTREAM_HOST% %BYTES_RECEIVED%')}` },
      { name: 'idle', proxy: '          stat_prefix: idle_tcp\n          cluster: echo\n          idle_timeout: 0.2s' },
    ], staticCluster('echo', [echo.port]) + staticCluster('half', [halfOpen.port]) + staticCluster('dead', [deadPort])));
  });
  after(async () => {
    await px.close();
    await echo.close();
    await halfOpen.close();
    tmp.cleanup();
  });

  it('copies bytes both ways (large payload, back-pressure)', async () => {
    const c = await tcpConnect(px.port('echo'));
    c.socket.write('hello');
    await c.waitFor('hello');
    const big = Buffer.alloc(4 * 1024 * 1024, 'abcdefgh');
    c.socket.write(big);
    await waitUntil(() => c.received().length >= 5 + big.length, 'the 4 MiB echo');
    assert.ok(c.received().subarray(5).equals(big), 'echoed bytes are identical');
    c.socket.end();
    await c.ended;
  });

  it('passes a half-close through: the upstream still answers after the client FIN', async () => {
    const n = halfOpen.connections.length;
    const c = await tcpConnect(px.port('half'));
    c.socket.end('ping');
    const up = await halfOpen.connection(n, 4);
    await waitUntil(() => up.ended, 'FIN at the upstream');
    assert.equal(up.data.toString(), 'ping');
    up.socket.end('pong after your FIN');
    await c.ended;
    assert.equal(c.received().toString(), 'pong after your FIN');
  });

  it('counts tcp.<stat_prefix>.* stats and logs the connection in Envoy\'s default format', async () => {
    const before = (await statValue(px, 'tcp.echo_tcp.downstream_cx_total')) ?? 0;
    assert.equal((await echoOnce(px.port('echo'), 'abcd')).toString(), 'abcd');
    assert.equal(await statValue(px, 'tcp.echo_tcp.downstream_cx_total'), before + 1);
    assert.ok((await statValue(px, 'tcp.echo_tcp.downstream_cx_rx_bytes_total'))! >= 4);
    assert.ok((await statValue(px, 'tcp.echo_tcp.downstream_cx_tx_bytes_total'))! >= 4);
    assert.match((await px.admin('/stats?filter=^cluster\\.echo\\.upstream_cx_total')).body, /: [1-9]/);
    const line = await waitUntil(async () => {
      await px.proxy.ctx.accessLogs.flush();
      return fileLines(log).map((l) => TCP_DEFAULT_LINE.exec(l)).find((m) => m?.groups!.rx === '4') ?? undefined;
    }, 'the access log line of the 4-byte connection');
    const g = line.groups!;
    assert.equal(g.code, '0');
    assert.equal(g.flags, '-');
    assert.equal(g.tx, '4');
    assert.equal(g.upstream, `127.0.0.1:${echo.port}`);
  });

  it('a request followed at once by FIN still gets the whole reply', async () => {
    const r = await tcpExchange(px.port('echo'), 'request then FIN', { end: true });
    assert.equal(r.data.toString(), 'request then FIN');
    assert.ok(r.gotEnd);
  });

  it('UF: a refused upstream closes the downstream and logs UF', async () => {
    const r = await tcpExchange(px.port('dead'), 'data');
    assert.equal(r.data.length, 0);
    await px.proxy.ctx.accessLogs.flush();
    const lines = fileLines(deadLog);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^dead UF\\S* 127\\.0\\.0\\.1:${deadPort} 0$`));
    assert.equal(await statValue(px, 'cluster.dead.upstream_cx_connect_fail'), 1);
    assert.equal(await statValue(px, 'tcp.dead_tcp.downstream_cx_total'), 1);
  });

  it('UF,URX: with max_connect_attempts used up Envoy also sets URX and counts upstream_cx_connect_attempts_exceeded', async () => {
    await px.proxy.ctx.accessLogs.flush();
    assert.equal(fileLines(deadLog)[0], `dead UF,URX 127.0.0.1:${deadPort} 0`);
    assert.equal(await statValue(px, 'cluster.dead.upstream_cx_connect_attempts_exceeded'), 1);
  });

  it('idle_timeout closes both sides and counts tcp.<prefix>.idle_timeout', async () => {
    const n = echo.connections.length;
    const c = await tcpConnect(px.port('idle'));
    c.socket.write('x');
    await c.waitFor('x');
    const up = await echo.connection(n, 1);
    const t0 = Date.now();
    await Promise.race([c.closed, c.ended]);
    assert.ok(Date.now() - t0 >= 100, 'not before the idle timeout');
    await waitUntil(() => up.socket.destroyed || up.ended, 'upstream side closed');
    assert.equal(await statValue(px, 'tcp.idle_tcp.idle_timeout'), 1);
    c.socket.destroy();
  });
});

describe('tcp_proxy: weighted_clusters', { timeout: 10_000 }, () => {
  let a: TcpUpstream;
  let b: TcpUpstream;
  let px: RunningProxy;
  let r = 0;
  before(async () => {
    a = await startTcpUpstream('echo');
    b = await startTcpUpstream('echo');
    px = await startProxy(tcpBootstrap([{ name: 'w', proxy: `          stat_prefix: w
          weighted_clusters:
            clusters:
            - { name: a, weight: 1 }
            - { name: b, weight: 3 }` }], staticCluster('a', [a.port]) + staticCluster('b', [b.port])), { random: () => r });
  });
  after(async () => {
    await px.close();
    await a.close();
    await b.close();
  });

  it('picks a cluster by weight for each connection', async () => {
    r = 0.1; // 0.1 × 4 falls in a's share [0, 1)
    assert.equal((await echoOnce(px.port('w'), 'to-a')).toString(), 'to-a');
    r = 0.6; // 2.4 falls in b's share [1, 4)
    assert.equal((await echoOnce(px.port('w'), 'to-b')).toString(), 'to-b');
    assert.deepEqual(a.connections.map((c) => c.data.toString()), ['to-a']);
    assert.deepEqual(b.connections.map((c) => c.data.toString()), ['to-b']);
  });
});

describe('tcp_proxy: max_connect_attempts', { timeout: 10_000 }, () => {
  it('tries another host after a refused connection', async () => {
    const echo = await startTcpUpstream('echo');
    const dead = await closedPort();
    const px = await startProxy(tcpBootstrap([{ name: 'r', proxy: '          stat_prefix: r\n          cluster: two\n          max_connect_attempts: 2' }], staticCluster('two', [dead, echo.port])));
    try {
      for (let i = 0; i < 4; i++) assert.equal((await echoOnce(px.port('r'), `try-${i}`)).toString(), `try-${i}`);
      assert.equal(echo.connections.length, 4);
      const fails = await statValue(px, 'cluster.two.upstream_cx_connect_fail');
      assert.ok(fails! >= 1 && fails! <= 4, `connect failures ${fails}`);
    } finally {
      await px.close();
      await echo.close();
    }
  });
});
