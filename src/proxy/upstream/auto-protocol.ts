// auto_config (HttpProtocolOptions.auto_config) over TLS: the protocol is
// chosen by ALPN. The first request to a host (per transport socket and SNI)
// opens a connection offering h2 and http/1.1; the server's choice is
// remembered and the connection handed to the HTTP/2 or the HTTP/1.1 pool.
// Requests that arrive meanwhile wait for that choice. Plaintext auto_config
// never gets here: without ALPN it is HTTP/1.1, as in Envoy.
import type net from 'node:net';
import type tls from 'node:tls';
import type { HeaderMap } from '../http/headers.js';
import type { PoolCluster } from './cluster-deps.js';
import type { H1Pool } from './h1-pool.js';
import type { H2Pool } from './h2-pool.js';
import type { UpstreamHost } from './host.js';
import type { UpstreamCallbacks, UpstreamRequest, UpstreamRequestHead } from './types.js';
import { connectUpstream, type UpstreamConnectFailure } from './upstream-connect.js';

/** What auto_config offers, in Envoy's order of preference. */
const AUTO_ALPN = ['h2', 'http/1.1'] as const;

type Choice = 'h2' | 'http/1.1';

interface Probe {
  readonly waiters: DeferredRequest[];
}

export class AutoProtocol {
  /** Per host, per pool key (transport and SNI): the protocol ALPN chose. */
  private readonly chosen = new WeakMap<UpstreamHost, Map<string, Choice>>();
  private readonly probes = new WeakMap<UpstreamHost, Map<string, Probe>>();

  constructor(private readonly cluster: PoolCluster, private readonly h1: H1Pool, private readonly h2: H2Pool) {}

  newRequest(host: UpstreamHost, head: UpstreamRequestHead, cb: UpstreamCallbacks, serverName: string): UpstreamRequest {
    const key = `${host.transport.index}|${serverName}`;
    const choice = this.chosen.get(host)?.get(key);
    if (choice) return this.poolRequest(choice, host, head, cb, serverName);
    const d = new DeferredRequest(cb);
    let byKey = this.probes.get(host);
    if (!byKey) this.probes.set(host, (byKey = new Map()));
    let probe = byKey.get(key);
    if (!probe) {
      probe = { waiters: [] };
      byKey.set(key, probe);
      this.startProbe(host, serverName, key, probe);
    }
    probe.waiters.push(d);
    d.start = () => this.poolRequest(this.chosen.get(host)!.get(key)!, host, head, cb, serverName);
    return d;
  }

  private poolRequest(choice: Choice, host: UpstreamHost, head: UpstreamRequestHead, cb: UpstreamCallbacks, serverName: string): UpstreamRequest {
    return choice === 'h2' ? this.h2.newRequest(host, head, cb, serverName) : this.h1.newRequest(host, head, cb, serverName);
  }

  private startProbe(host: UpstreamHost, serverName: string, key: string, probe: Probe): void {
    const cluster = this.cluster;
    const done = () => {
      const byKey = this.probes.get(host);
      if (byKey?.get(key) === probe) byKey.delete(key);
    };
    let settled = false;
    const failed = (f: UpstreamConnectFailure, reason: 'connection_failure' | 'connection_timeout') => {
      if (settled) return;
      settled = true;
      timer.cancel();
      done();
      // The probe is the connection those requests would have had: counted as one.
      cluster.stats.upstreamCxTotal.inc();
      cluster.stats.upstreamCxConnectFail.inc();
      host.cxTotal++;
      host.cxConnectFail++;
      for (const w of probe.waiters) w.fail(reason, f.detail, f.transportFailureReason);
    };
    const sock = connectUpstream(host, { transport: host.transport, ...(serverName ? { serverName } : {}), alpnFallback: AUTO_ALPN }, {
      onConnected: (s: net.Socket) => {
        if (settled) {
          s.destroy();
          return;
        }
        settled = true;
        timer.cancel();
        done();
        const choice: Choice = (s as tls.TLSSocket).alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
        let byKey = this.chosen.get(host);
        if (!byKey) this.chosen.set(host, (byKey = new Map()));
        byKey.set(key, choice);
        if (choice === 'h2') this.h2.adopt(host, serverName, s);
        else this.h1.adopt(host, serverName, s);
        for (const w of probe.waiters) w.go();
      },
      onFailed: (f) => failed(f, 'connection_failure'),
    });
    const timer = cluster.clock.setTimer(cluster.config.connectTimeoutMs, () => {
      if (settled) return;
      cluster.stats.upstreamCxConnectTimeout.inc();
      sock.destroy();
      failed({ detail: `connect timeout after ${cluster.config.connectTimeoutMs} ms` }, 'connection_timeout');
    });
  }
}

/**
 * A request waiting for the protocol choice: what the router does to it is
 * queued and replayed on the pool's request once there is one.
 */
class DeferredRequest implements UpstreamRequest {
  start: (() => UpstreamRequest) | undefined;
  private real: UpstreamRequest | undefined;
  private ops: ((r: UpstreamRequest) => void)[] = [];
  private cancelled = false;
  onDrain: (() => void) | undefined;

  constructor(private readonly cb: UpstreamCallbacks) {}

  go(): void {
    if (this.cancelled || !this.start) return;
    const r = this.start();
    this.real = r;
    r.onDrain = () => this.onDrain?.();
    const ops = this.ops;
    this.ops = [];
    for (const op of ops) op(r);
    if (ops.length >= 16) queueMicrotask(() => this.onDrain?.());
  }

  fail(reason: 'connection_failure' | 'connection_timeout', detail: string, transportFailureReason?: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.cb.onReset(reason, detail, transportFailureReason);
  }

  sendData(chunk: Buffer, end: boolean): boolean {
    if (this.real) return this.real.sendData(chunk, end);
    this.ops.push((r) => r.sendData(chunk, end));
    return this.ops.length < 16;
  }

  sendTrailers(trailers: HeaderMap): void {
    if (this.real) this.real.sendTrailers(trailers);
    else this.ops.push((r) => r.sendTrailers(trailers));
  }

  reset(): void {
    this.cancelled = true;
    this.real?.reset();
  }

  pauseResponse(): void {
    if (this.real) this.real.pauseResponse();
    else this.ops.push((r) => r.pauseResponse());
  }

  resumeResponse(): void {
    if (this.real) this.real.resumeResponse();
    else this.ops.push((r) => r.resumeResponse());
  }
}
