// The tcp_proxy network filter: one upstream connection per downstream
// connection, bytes copied both ways with back-pressure, half-close honoured.
//
// Istio's TCP metadata exchange runs here on both ends: the chain's filter on
// the downstream connection, the cluster's upstream filter on the upstream
// one. Each writes this node's frame first and reads the peer's from the
// first bytes it receives (tcp-metadata-exchange/); those bytes are not the
// application's and are not counted or forwarded. istio.stats opens the
// connection's metrics once every running exchange has its answer.
import net from 'node:net';
import tls from 'node:tls';
import type { ProxyContext } from '../context.js';
import type { Counter, Gauge } from '../../stats/index.js';
import type { TcpProxyConfig } from './tcp-proxy-config.js';
import { StreamInfo } from '../access-log/stream-info.js';
import { UF, UH, NC, URX } from '../access-log/response-flags.js';
import type { AccessLogger } from '../access-log/logger.js';
import { xxHash64 } from '../lb/xxhash64.js';
import { connectionInfo, connectUpstream, type UpstreamConnectFailure } from '../upstream/upstream-connect.js';
import type { TlsConnectionInfo } from '../tls/tls-connection-info.js';
import type { IstioTcpStatsFactory, TcpConnectionStats } from '../filters/istio-stats/tcp-stats.js';
import { upstreamExchangeOf, type TcpMetadataExchange } from '../filters/tcp-metadata-exchange/exchange.js';
import type { PeerFrameReader } from '../filters/tcp-metadata-exchange/wire.js';
import { peerStateOf } from '../filters/peer-metadata/peer-state.js';

class TcpStats {
  readonly cxTotal: Counter;
  readonly cxRx: Counter;
  readonly cxTx: Counter;
  readonly noRoute: Counter;
  readonly idleTimeout: Counter;
  readonly cxActive: Gauge;
  constructor(ctx: ProxyContext, prefix: string) {
    const p = `tcp.${prefix}.`;
    this.cxTotal = ctx.stats.counter(p + 'downstream_cx_total');
    this.cxRx = ctx.stats.counter(p + 'downstream_cx_rx_bytes_total');
    this.cxTx = ctx.stats.counter(p + 'downstream_cx_tx_bytes_total');
    this.noRoute = ctx.stats.counter(p + 'downstream_cx_no_route');
    this.idleTimeout = ctx.stats.counter(p + 'idle_timeout');
    this.cxActive = ctx.stats.gauge(p + 'downstream_cx_active');
  }
}

export class TcpProxy {
  private readonly stats: TcpStats;
  private readonly loggers: AccessLogger[];
  /**
   * `istioStats`: the chain's istio.stats network filter, told of each
   * connection once its upstream is chosen and its peers known.
   * `exchange`: the chain's metadata exchange filter (downstream side).
   */
  constructor(
    readonly config: TcpProxyConfig,
    private readonly ctx: ProxyContext,
    private readonly istioStats?: IstioTcpStatsFactory,
    private readonly exchange?: TcpMetadataExchange,
  ) {
    this.stats = new TcpStats(ctx, config.statPrefix);
    this.loggers = config.accessLogs.map((a) => ctx.accessLogs.get(a));
  }

  private pickCluster(): string | undefined {
    const c = this.config;
    if (c.clusters.length === 1) return c.clusters[0]!.name;
    let r = this.ctx.random() * c.totalWeight;
    for (const cl of c.clusters) {
      r -= cl.weight;
      if (r < 0) return cl.name;
    }
    return c.clusters[c.clusters.length - 1]?.name;
  }

  /** The access-log record of a downstream connection as it starts. */
  private startInfo(down: net.Socket, connId: number): StreamInfo {
    const info = new StreamInfo();
    info.startTime = this.ctx.clock.wallNow();
    info.startMonotonic = this.ctx.clock.now();
    info.connectionId = connId;
    info.downstreamRemoteAddress = `${down.remoteAddress}:${down.remotePort}`;
    info.downstreamDirectRemoteAddress = info.downstreamRemoteAddress;
    info.downstreamLocalAddress = `${down.localAddress}:${down.localPort}`;
    return info;
  }

  /**
   * Access-logs a connection a network filter before this one refused
   * (envoy.filters.network.rbac): in Envoy the tcp_proxy already had the
   * connection, so its log records it, with %CONNECTION_TERMINATION_DETAILS%.
   * weft never dialled the upstream for it, so nothing is counted here.
   */
  logRefused(down: net.Socket, connId: number, terminationDetails: string): void {
    if (this.loggers.length === 0) return;
    const info = this.startInfo(down, connId);
    info.duration = 0;
    info.connectionTerminationDetails = terminationDetails;
    for (const l of this.loggers) l.log(info);
  }

  /**
   * Takes over an accepted downstream socket (any peeked bytes already
   * unshifted); `tlsInfo` and `alpn` (the negotiated protocol) when the
   * listener terminated TLS.
   */
  handle(down: net.Socket, connId: number, tlsInfo?: TlsConnectionInfo, alpn?: string, dest?: { local: { ip: string; port: number }; restored: { ip: string; port: number } }): void {
    const st = this.stats;
    const info = this.startInfo(down, connId);
    // As Envoy: the restored original destination is the connection's local address (%DOWNSTREAM_LOCAL_ADDRESS%).
    if (dest) info.downstreamLocalAddress = `${dest.restored.ip}:${dest.restored.port}`;
    if (tlsInfo) info.downstreamTls = tlsInfo;
    st.cxTotal.inc();
    st.cxActive.inc();
    // Opened once the upstream connection is up (its certificate names the
    // peer) and the exchanges in flight have their answers, or at the end.
    let istio: TcpConnectionStats | undefined;
    let connectedOnce = false;
    let pendingExchanges = 0;
    let finished = false;
    const maybeOpenIstio = (): void => {
      if (!istio && connectedOnce && pendingExchanges === 0 && !finished) istio = this.istioStats?.open(info);
    };
    const downReader = this.exchange ? this.startExchange(this.exchange, alpn, down, info, 'downstream', () => {
      pendingExchanges--;
      maybeOpenIstio();
    }) : undefined;
    if (downReader) pendingExchanges++;
    const finish = () => {
      if (finished) return;
      finished = true;
      st.cxActive.dec();
      if (this.istioStats) (istio ?? this.istioStats.open(info)).close();
      info.duration = this.ctx.clock.now() - info.startMonotonic;
      for (const l of this.loggers) l.log(info);
    };
    const name = this.pickCluster();
    const cluster = name ? this.ctx.clusters.get(name) : undefined;
    info.upstreamCluster = name;
    if (!cluster) {
      st.noRoute.inc();
      info.setResponseFlag(NC);
      down.destroy();
      finish();
      return;
    }
    const hash = this.config.hashBySourceIp && down.remoteAddress ? xxHash64(down.remoteAddress) : undefined;
    down.pause();
    let attempts = 0;
    const tried = new Set<unknown>();
    const connect = (): void => {
      attempts++;
      const lbCtx = { hash, attempt: attempts, shouldSkipHost: (h: unknown) => tried.has(h) };
      // ORIGINAL_DST clusters (PassthroughCluster) connect where the connection was going.
      const host = cluster.pickHost(cluster.originalDst && dest ? { ...lbCtx, downstream: { header: () => undefined, ...dest } } : lbCtx);
      if (!host) {
        cluster.stats.upstreamCxNoneHealthy.inc();
        info.setResponseFlag(UH);
        down.destroy();
        finish();
        return;
      }
      tried.add(host);
      info.upstreamHost = host.key;
      cluster.stats.upstreamCxTotal.inc();
      cluster.stats.upstreamCxActive.inc();
      host.cxTotal++;
      host.cxActive++;
      let connected = false;
      const up: net.Socket = connectUpstream(host, { transport: host.transport, allowHalfOpen: true }, {
        onConnected: () => onConnected(),
        onFailed: (f) => onConnectFailed(f),
      });
      const timer = this.ctx.clock.setTimer(cluster.config.connectTimeoutMs, () => {
        if (!connected) {
          cluster.stats.upstreamCxConnectTimeout.inc();
          up.destroy();
          onConnectFailed({ detail: 'connect timeout' });
        }
      });
      let upClosed = false;
      up.once('close', () => {
        upClosed = true;
        cluster.stats.upstreamCxActive.dec();
        cluster.stats.upstreamCxDestroy.inc();
        host.cxActive--;
      });
      up.on('error', () => {
        // Before "connected" connectUpstream reports it; after, the downstream goes too.
        if (connected) down.destroy();
      });
      let failed = false;
      const onConnectFailed = (f: UpstreamConnectFailure): void => {
        if (failed || connected) return;
        failed = true;
        timer.cancel();
        cluster.stats.upstreamCxConnectFail.inc();
        host.cxConnectFail++;
        cluster.outlier?.putLocalOrigin(host, 'connect_failed');
        info.upstreamTransportFailureReason = f.transportFailureReason ?? f.detail;
        if (attempts < this.config.maxConnectAttempts && !down.destroyed) connect();
        else {
          info.setResponseFlag(UF);
          // Envoy: connect attempts used up is URX, counted per cluster.
          info.setResponseFlag(URX);
          this.ctx.stats.counter(`cluster.${cluster.config.statName}.upstream_cx_connect_attempts_exceeded`).inc();
          down.destroy();
          finish();
        }
      };
      const onConnected = (): void => {
        connected = true;
        timer.cancel();
        cluster.outlier?.putLocalOrigin(host, 'success_final');
        const ci = connectionInfo(up);
        info.upstreamLocalAddress = ci.localAddress;
        info.upstreamPeerUriSans = ci.tls?.peerUriSans;
        info.upstreamLocalUriSans = ci.tls?.localUriSans;
        info.upstreamPeerSubject = ci.tls?.peerSubject;
        info.upstreamTlsVersion = ci.tls?.version;
        const mx = cluster.config.upstreamFilters.metadataExchange;
        const upAlpn = up instanceof tls.TLSSocket && typeof up.alpnProtocol === 'string' ? up.alpnProtocol : undefined;
        const upReader = mx ? this.startExchange(upstreamExchangeOf(mx, this.ctx.stats, this.ctx.node), upAlpn, up, info, 'upstream', () => {
          pendingExchanges--;
          maybeOpenIstio();
        }) : undefined;
        if (upReader) pendingExchanges++;
        connectedOnce = true;
        maybeOpenIstio();
        pipe(down, up, (n) => {
          info.bytesReceived += n;
          st.cxRx.add(n);
          cluster.stats.upstreamCxTxBytesTotal.add(n);
        }, downReader);
        pipe(up, down, (n) => {
          info.bytesSent += n;
          st.cxTx.add(n);
          cluster.stats.upstreamCxRxBytesTotal.add(n);
        }, upReader);
        down.resume();
        const idle = this.config.idleTimeoutMs;
        if (idle > 0) {
          const onIdle = () => {
            st.idleTimeout.inc();
            down.destroy();
            up.destroy();
          };
          down.setTimeout(idle, onIdle);
          up.setTimeout(idle, onIdle);
        }
      };
      down.once('close', () => {
        if (!upClosed) up.destroy();
        finish();
      });
    };
    down.on('error', () => undefined);
    connect();
  }

  /**
   * Runs one side's metadata exchange on `sock` (when its ALPN says so): this
   * node's frame goes out now, the peer's lands in the connection's peer
   * state. `resolved` is called once when the reader has its answer.
   */
  private startExchange(
    x: TcpMetadataExchange, alpn: string | undefined, sock: net.Socket, info: StreamInfo, side: 'downstream' | 'upstream', resolved: () => void,
  ): PeerFrameReader | undefined {
    return x.start(alpn, (frame) => sock.write(frame), (peer) => {
      if (peer) peerStateOf(info)[side] = peer;
      resolved();
    });
  }
}

/**
 * Copies src → dst with back-pressure; a FIN from src half-closes dst.
 * `reader` first takes src's bytes until the peer's exchange frame is read
 * (bounded); what follows the frame is forwarded and counted as usual.
 */
function pipe(src: net.Socket, dst: net.Socket, count: (n: number) => void, reader?: PeerFrameReader): void {
  let mx = reader;
  const forward = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    count(chunk.length);
    if (!dst.write(chunk)) src.pause();
  };
  src.on('data', (chunk: Buffer) => {
    if (mx) {
      const rest = mx.feed(chunk);
      if (rest === null) return;
      mx = undefined;
      forward(rest);
      return;
    }
    forward(chunk);
  });
  dst.on('drain', () => src.resume());
  src.on('end', () => {
    if (mx) {
      const rest = mx.end();
      mx = undefined;
      forward(rest);
    }
    dst.end();
  });
  src.on('close', () => {
    if (!dst.destroyed && dst.writableEnded === false) dst.end();
  });
}
