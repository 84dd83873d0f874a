// A bound listener: accepts connections, runs the listener filters it needs
// (tls_inspector, http_inspector), picks a filter chain and hands the
// connection to its terminal filter. Config updates swap the chains in place:
// new connections use the new chains, existing ones finish on the old.
import { runtimeConnectionLimits } from './runtime-connection-limits.js';
import net from 'node:net';
import type { ProxyContext } from '../context.js';
import type { FilterChainConfig, ListenerConfig } from '../config/listener.js';
import { HcmRuntime } from '../hcm/hcm-runtime.js';
import type { RouteTable } from '../route/route-table.js';
import { TcpProxy } from '../tcp/tcp-proxy.js';
import { serveDirectResponse, type DirectResponseConfig } from '../filters/direct-response/direct-response.js';
import { NetworkLocalRateLimiter } from '../filters/index.js';
import { NetworkRbac } from '../filters/rbac/network-filter.js';
import { StreamInfo } from '../access-log/stream-info.js';
import { IstioTcpStatsFactory } from '../filters/istio-stats/tcp-stats.js';
import { reporterOf } from '../filters/istio-stats/labels.js';
import { TcpMetadataExchange } from '../filters/tcp-metadata-exchange/exchange.js';
import type { PeerFrameReader } from '../filters/tcp-metadata-exchange/wire.js';
import { NR } from '../access-log/response-flags.js';
import { HttpHandler } from './http-handler.js';
import { DownstreamTls, type TerminatedTls } from './downstream-tls.js';
import { selectFilterChain, type ConnectionFacts } from './filter-chain-match.js';
import { detectHttp, parseClientHello } from './inspectors.js';
import type { Counter, Gauge } from '../../stats/index.js';
import { listenerConnectionLimitKey } from '../runtime/known-keys.js';
import { readOriginalDst } from './original-dst/addon.js';

interface RuntimeChain {
  readonly config: FilterChainConfig;
  readonly limiters: NetworkLocalRateLimiter[];
  /** envoy.filters.network.rbac, run on the (TLS-terminated) connection before the terminal. */
  readonly rbac: NetworkRbac[];
  readonly match: FilterChainConfig['match'];
  readonly http?: HttpHandler;
  readonly tcp?: TcpProxy;
  readonly direct?: DirectResponseConfig;
  /** Set when the chain's transport_socket is TLS: terminated after the chain is chosen. */
  readonly tls?: DownstreamTls;
  /** envoy.filters.network.metadata_exchange before an HCM (tcp_proxy runs its own). */
  readonly httpExchange?: TcpMetadataExchange;
}

/** Looks up an RDS route table by name (dynamic config); undefined until it arrives. */
export type RdsLookup = (name: string) => RouteTable | undefined;

/** use_original_dst: the listener for a restored destination (exact address, else wildcard on its port), if any. */
export type ListenerHandoff = (ip: string, port: number) => ActiveListener | undefined;

type Address = { ip: string; port: number };

let nextConnectionId = 1;

export class ActiveListener {
  private server: net.Server | undefined;
  private chains: RuntimeChain[] = [];
  private defaultChain: RuntimeChain | undefined;
  private readonly oldChains: RuntimeChain[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly cxTotal: Counter;
  private readonly cxActive: Gauge;
  private readonly noChain: Counter;
  private readonly cxDestroy: Counter;
  /** Refused at accept: this listener's connection_limit (runtime), the global cap, or reject_incoming_connections. */
  private readonly refused: Record<'downstream_cx_overflow' | 'downstream_global_cx_overflow' | 'downstream_cx_overload_reject', Counter>;
  /** envoy.resource_limits.listener.<name>.connection_limit */
  private readonly connectionLimitKey: string;
  private draining = false;
  /** original_dst: connections whose destination could not be restored (and the first reason, logged once). */
  private readonly notRestored: Counter;
  private restoreWarned = false;
  config: ListenerConfig;

  constructor(config: ListenerConfig, private readonly ctx: ProxyContext, private readonly rds: RdsLookup, private readonly handoff?: ListenerHandoff) {
    this.config = config;
    const p = `listener.${config.statPrefix}.`;
    this.cxTotal = ctx.stats.counter(p + 'downstream_cx_total');
    this.cxActive = ctx.stats.gauge(p + 'downstream_cx_active');
    this.noChain = ctx.stats.counter(p + 'no_filter_chain_match');
    this.cxDestroy = ctx.stats.counter(p + 'downstream_cx_destroy');
    this.refused = {
      downstream_cx_overflow: ctx.stats.counter(p + 'downstream_cx_overflow'),
      downstream_global_cx_overflow: ctx.stats.counter(p + 'downstream_global_cx_overflow'),
      downstream_cx_overload_reject: ctx.stats.counter(p + 'downstream_cx_overload_reject'),
    };
    this.notRestored = ctx.stats.counter(p + 'original_dst_not_restored');
    this.connectionLimitKey = listenerConnectionLimitKey(config.name);
    this.buildChains(config);
  }

  private buildChain(fc: FilterChainConfig): RuntimeChain {
    const tls = fc.transportSocket.kind === 'tls_downstream' ? new DownstreamTls(fc.transportSocket.tls, this.ctx, this.config.statPrefix, fc.name) : undefined;
    const base = { config: fc, match: fc.match, limiters: this.limiters(fc), rbac: fc.rbac.map((s) => new NetworkRbac(s, this.ctx.stats)), ...(tls ? { tls } : {}) };
    const t = fc.terminal;
    if (t.kind === 'http') {
      const hcmCfg = t.hcm;
      const inline = hcmCfg.routeTable;
      const rdsName = hcmCfg.rdsName;
      const routes = inline ? () => inline : () => (rdsName ? this.rds(rdsName) : undefined);
      const httpExchange = fc.metadataExchange ? new TcpMetadataExchange(fc.metadataExchange, this.ctx.stats, this.ctx.node) : undefined;
      return { ...base, http: new HttpHandler(new HcmRuntime(hcmCfg, this.ctx, routes), runtimeConnectionLimits(this.ctx.runtime)), ...(httpExchange ? { httpExchange } : {}) };
    }
    if (t.kind === 'direct') return { ...base, direct: t.direct };
    const istio = fc.istioTcpStats
      ? new IstioTcpStatsFactory(reporterOf(this.config.source.traffic_direction, t.tcp.statPrefix), fc.istioTcpStats, this.ctx)
      : undefined;
    const mx = fc.metadataExchange ? new TcpMetadataExchange(fc.metadataExchange, this.ctx.stats, this.ctx.node) : undefined;
    return { ...base, tcp: new TcpProxy(t.tcp, this.ctx, istio, mx) };
  }

  private limiters(fc: FilterChainConfig): NetworkLocalRateLimiter[] {
    return fc.rateLimits.map((c) => new NetworkLocalRateLimiter(c, this.ctx.stats, this.ctx.clock));
  }

  private buildChains(cfg: ListenerConfig): void {
    this.chains = cfg.filterChains.map((c) => this.buildChain(c));
    this.defaultChain = cfg.defaultFilterChain ? this.buildChain(cfg.defaultFilterChain) : undefined;
  }

  /** Swaps in a new config for the same address; old connections drain. */
  update(config: ListenerConfig, drainTimeMs: number): void {
    const old = [...this.chains, ...(this.defaultChain ? [this.defaultChain] : [])];
    this.config = config;
    this.buildChains(config);
    for (const c of old) {
      this.oldChains.push(c);
      // Its connections keep their TLS contexts; only the secret subscriptions end.
      c.tls?.close();
      // As Envoy's drain: responses on old chains close their connections at
      // once (so keep-alive clients move to the new chains by themselves), and
      // what is still idle when the drain time is over is closed.
      c.http?.drain(false);
      this.ctx.clock.setTimer(drainTimeMs, () => c.http?.drain());
    }
  }

  /** Binds the socket. Resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    const { host, port } = this.config.address;
    // allowHalfOpen: a client's FIN must not close our side before the response (tcp_proxy half-close).
    const server = net.createServer({ noDelay: true, pauseOnConnect: false, allowHalfOpen: true }, (s) => this.onConnection(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 1024 }, () => {
        server.removeListener('error', reject);
        server.on('error', (err) => this.ctx.log.error(`listener ${this.config.name}: ${err.message}`));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  get boundPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /**
   * envoy.filters.listener.original_dst: the destination the connection had
   * before iptables redirected it, or undefined (counted; the first reason is
   * logged) when it cannot be read. The listener then goes on with the
   * socket's own local address, as Envoy does for a connection that was not
   * redirected.
   */
  private restore(socket: net.Socket): Address | undefined {
    const r = readOriginalDst(socket);
    if (r.ok) return { ip: stripMapped(r.ip), port: r.port };
    this.notRestored.inc();
    if (!this.restoreWarned && r.code !== 'ENOENT') {
      this.restoreWarned = true;
      this.ctx.log.error(`listener ${this.config.name}: envoy.filters.listener.original_dst cannot restore original destinations (${r.code}): ${r.reason}`);
    }
    return undefined;
  }

  /** `restored`: set when another listener (use_original_dst) handed the connection over. */
  onConnection(socket: net.Socket, handed?: Address): void {
    let restored = handed;
    if (!restored && this.config.originalDst) {
      restored = this.restore(socket);
      if (restored && this.config.useOriginalDst && this.handoff && !this.draining) {
        const target = this.handoff(restored.ip, restored.port);
        if (target && target !== this) {
          target.onConnection(socket, restored);
          return;
        }
      }
    }
    if (this.draining) {
      socket.destroy();
      return;
    }
    const limited = this.sockets.size >= this.ctx.runtime.snapshot().getInteger(this.connectionLimitKey, Number.POSITIVE_INFINITY);
    const admitted = limited ? 'downstream_cx_overflow' : this.ctx.overload.admit();
    if (admitted !== 'admitted') {
      this.refused[admitted].inc();
      socket.destroy();
      return;
    }
    this.cxTotal.inc();
    this.cxActive.inc();
    this.sockets.add(socket);
    socket.once('close', () => {
      this.ctx.overload.release();
      this.sockets.delete(socket);
      this.cxActive.dec();
      this.cxDestroy.inc();
    });
    socket.on('error', () => undefined);
    const cfg = this.config;
    const needsPeek = cfg.tlsInspector || cfg.httpInspector;
    if (!needsPeek) {
      this.dispatch(socket, this.facts(socket, '', 'raw_buffer', [], restored));
      return;
    }
    let buf: Buffer | undefined;
    const timer = this.ctx.clock.setTimer(cfg.listenerFiltersTimeoutMs, () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      if (cfg.continueOnListenerFiltersTimeout) finish('', 'raw_buffer', []);
      else socket.destroy();
    });
    // A peer that closes (or half-closes) before the filters decided never
    // will send what they wait for: the connection ends with it. (The listener
    // accepts half-open sockets, so nothing else would close ours.)
    const onEnd = () => {
      timer.cancel();
      socket.removeListener('data', onData);
      socket.destroy();
    };
    const finish = (sni: string, transport: string, alpn: string[]) => {
      timer.cancel();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.pause();
      // The handler gets the peeked bytes back and resumes reading itself.
      this.dispatch(socket, this.facts(socket, sni, transport, alpn, restored), buf);
    };
    const onData = (chunk: Buffer) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      if (cfg.tlsInspector && buf[0] === 0x16) {
        const hello = parseClientHello(buf);
        if (hello === undefined) return;
        if (hello === null) return finish('', 'raw_buffer', []);
        return finish(hello.serverName, 'tls', hello.alpn);
      }
      if (cfg.httpInspector) {
        const h = detectHttp(buf);
        if (h === undefined) return;
        return finish('', 'raw_buffer', h ? [h] : []);
      }
      finish('', 'raw_buffer', []);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  }

  private facts(socket: net.Socket, serverName: string, transportProtocol: string, applicationProtocols: string[], restored?: Address): ConnectionFacts {
    if (restored) {
      return {
        destinationPort: restored.port,
        destinationIp: restored.ip,
        arrivedOn: { ip: stripMapped(socket.localAddress ?? ''), port: socket.localPort ?? 0 },
        sourceIp: socket.remoteAddress ?? '',
        sourcePort: socket.remotePort ?? 0,
        serverName,
        transportProtocol,
        applicationProtocols,
      };
    }
    return {
      destinationPort: socket.localPort ?? 0,
      destinationIp: socket.localAddress ?? '',
      sourceIp: socket.remoteAddress ?? '',
      sourcePort: socket.remotePort ?? 0,
      serverName,
      transportProtocol,
      applicationProtocols,
    };
  }

  private dispatch(socket: net.Socket, f: ConnectionFacts, peeked?: Buffer): void {
    const chain = selectFilterChain(this.chains, f) ?? this.defaultChain;
    if (!chain) {
      this.noChain.inc();
      this.logNoChain(socket, f);
      socket.destroy();
      return;
    }
    for (const l of chain.limiters) {
      if (!l.onConnection()) {
        socket.destroy();
        return;
      }
    }
    const id = nextConnectionId++;
    if (chain.tls) {
      chain.tls.terminate(socket, peeked, f.transportProtocol === 'tls' ? f.applicationProtocols : undefined, (t) => this.serve(chain, t.socket, undefined, f, id, t));
      return;
    }
    this.serve(chain, socket, peeked, f, id, undefined);
  }

  /** Hands a (plaintext or terminated TLS) connection to the chain's terminal filter. */
  private serve(chain: RuntimeChain, socket: net.Socket, peeked: Buffer | undefined, f: ConnectionFacts, id: number, tls: TerminatedTls | undefined): void {
    const denied = chain.rbac.length > 0 ? this.rbacDenied(chain, f, tls) : undefined;
    if (denied !== undefined) {
      // Envoy closes a denied connection without flushing (rbac_deny_close);
      // its tcp_proxy, which had the connection already, logs it.
      chain.tcp?.logRefused(socket, id, denied);
      socket.destroy();
      return;
    }
    if (chain.direct) {
      serveDirectResponse(chain.direct, socket);
      return;
    }
    if (chain.tcp) {
      if (peeked) socket.unshift(peeked);
      chain.tcp.handle(socket, id, tls?.info, tls?.alpn, this.config.originalDst || f.arrivedOn ? {
        local: f.arrivedOn ?? { ip: stripMapped(f.destinationIp), port: f.destinationPort },
        restored: { ip: stripMapped(f.destinationIp), port: f.destinationPort },
      } : undefined);
      return;
    }
    if (chain.httpExchange) {
      const x = chain.httpExchange;
      const reader = x.start(tls?.alpn, (frame) => socket.write(frame), () => undefined);
      // Istio's inbound HCM chains carry the TCP exchange too; HTTP ALPNs keep it idle (counted). When a
      // client did pick its protocol, the frames go first and HTTP starts after them (peers come from headers).
      if (reader) {
        readExchangeFrame(socket, peeked, reader, (rest) => this.serveHttp(chain, socket, rest, f, id, tls));
        return;
      }
    }
    this.serveHttp(chain, socket, peeked, f, id, tls);
  }

  private serveHttp(chain: RuntimeChain, socket: net.Socket, peeked: Buffer | undefined, f: ConnectionFacts, id: number, tls: TerminatedTls | undefined): void {
    chain.http!.handle(socket, peeked, {
      id,
      remoteAddress: stripMapped(f.sourceIp),
      remotePort: f.sourcePort,
      localAddress: stripMapped(f.destinationIp),
      localPort: f.destinationPort,
      scheme: tls ? 'https' : 'http',
      ...(f.serverName ? { serverName: f.serverName } : tls?.socket.servername ? { serverName: tls.socket.servername.toLowerCase() } : {}),
      ...(tls ? { tls: tls.info } : {}),
      // Restored by SO_ORIGINAL_DST (arrivedOn set), else the local address (a loop the ORIGINAL_DST LB refuses).
      // (A connection handed over by use_original_dst carries what the other listener restored.)
      ...(this.config.originalDst || f.arrivedOn ? { originalDst: { ip: stripMapped(f.destinationIp), port: f.destinationPort } } : {}),
      ...(f.arrivedOn ? { arrivedOn: f.arrivedOn } : {}),
    }, tls?.alpn);
  }

  /** Runs the chain's envoy.filters.network.rbac entries in order; the first denial's termination details, or undefined. */
  private rbacDenied(chain: RuntimeChain, f: ConnectionFacts, tls: TerminatedTls | undefined): string | undefined {
    const sni = tls?.socket.servername;
    const serverName = f.serverName || (typeof sni === 'string' ? sni.toLowerCase() : '');
    const conn = {
      remoteAddress: stripMapped(f.sourceIp),
      localAddress: stripMapped(f.destinationIp),
      localPort: f.destinationPort,
      ...(serverName ? { serverName } : {}),
      ...(tls ? { tls: tls.info } : {}),
    };
    for (const r of chain.rbac) {
      const d = r.deniedDetails(conn);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  /** Listener access logs record connections no filter chain accepted (flag NR), as Envoy does. */
  private logNoChain(socket: net.Socket, f: ConnectionFacts): void {
    if (this.config.accessLogs.length === 0) return;
    const info = new StreamInfo();
    info.startTime = this.ctx.clock.wallNow();
    info.startMonotonic = this.ctx.clock.now();
    info.duration = 0;
    info.downstreamRemoteAddress = `${f.sourceIp}:${f.sourcePort}`;
    info.downstreamDirectRemoteAddress = info.downstreamRemoteAddress;
    info.downstreamLocalAddress = `${f.destinationIp}:${f.destinationPort}`;
    if (f.serverName) info.requestedServerName = f.serverName;
    info.setResponseFlag(NR);
    for (const a of this.config.accessLogs) this.ctx.accessLogs.get(a).log(info);
    void socket;
  }

  /** Stops accepting; open connections get `connection: close` / GOAWAY and finish. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.server?.close();
    for (const c of [...this.chains, ...(this.defaultChain ? [this.defaultChain] : []), ...this.oldChains]) c.http?.drain();
  }

  /** Closes the listening socket and destroys remaining connections. */
  close(): void {
    this.draining = true;
    this.server?.close();
    for (const c of [...this.chains, ...(this.defaultChain ? [this.defaultChain] : [])]) c.tls?.close();
    for (const s of this.sockets) s.destroy();
  }

  get activeConnections(): number {
    return this.sockets.size;
  }
}

/**
 * Reads the peer's exchange frame from the first bytes of `socket` (after any
 * `peeked` ones), then hands what follows it to `next` with the socket
 * paused. A peer that closes inside the frame is closed here.
 */
function readExchangeFrame(socket: net.Socket, peeked: Buffer | undefined, reader: PeerFrameReader, next: (rest: Buffer | undefined) => void): void {
  if (peeked && peeked.length > 0) {
    const rest = reader.feed(peeked);
    if (rest !== null) return next(rest.length > 0 ? rest : undefined);
  }
  const onData = (chunk: Buffer): void => {
    const rest = reader.feed(chunk);
    if (rest === null) return;
    done();
    next(rest.length > 0 ? rest : undefined);
  };
  const onEnd = (): void => {
    done();
    reader.end();
    socket.destroy();
  };
  const done = (): void => {
    socket.pause();
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
  };
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.resume();
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
