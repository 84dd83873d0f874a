// TCP health check (tcp_health_check). Connect-only when `receive` is empty:
// healthy once connected, and the connection is closed (as Envoy does).
// Otherwise `send` is written and the check passes when the bytes read so far
// hold every `receive` block in order; the connection is kept between checks
// when reuse_connection.
import type net from 'node:net';
import { payloadsMatch, type HealthCheckConfig, type TcpCheck } from './health-check-config.js';
import { networkFailure, OK, probeConnect, type HealthProbe, type ProbeOutcome, type ProbeTarget } from './health-check-probe.js';

export class TcpProbe implements HealthProbe {
  private sock: net.Socket | undefined;
  private connected = false;
  private received: Buffer = Buffer.alloc(0);
  private done: ((o: ProbeOutcome) => void) | undefined;

  constructor(private readonly target: ProbeTarget, private readonly hc: HealthCheckConfig, private readonly check: TcpCheck) {}

  start(done: (o: ProbeOutcome) => void): void {
    this.done = done;
    this.received = Buffer.alloc(0);
    if (!this.sock) this.connect();
    if (this.check.send.length > 0) this.sock!.write(this.check.send);
  }

  abort(): void {
    this.done = undefined;
    this.drop();
  }

  close(): void {
    this.abort();
  }

  private connect(): void {
    let failure: string | undefined;
    const s = probeConnect(this.target, [], {
      onConnected: () => onConnect(),
      onFailed: (f) => (failure = f.transportFailureReason ?? f.detail),
    });
    s.unref();
    this.sock = s;
    this.connected = false;
    const onConnect = () => {
      if (this.sock !== s) return;
      this.connected = true;
      if (this.check.receive.length === 0) {
        this.drop();
        this.finish(OK);
      }
    };
    s.on('data', (chunk: Buffer) => {
      if (this.sock !== s || !this.done) return;
      this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
      if (!payloadsMatch(this.check.receive, this.received)) return;
      this.received = Buffer.alloc(0);
      if (!this.hc.reuseConnection) this.drop();
      this.finish(OK);
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (this.sock !== s) return;
      this.sock = undefined;
      this.finish(networkFailure(this.connected ? 'connection closed' : `connect failed${failure ? `: ${failure}` : ''}`));
    });
  }

  /** Closes the connection on purpose: its close event is not a failure. */
  private drop(): void {
    const s = this.sock;
    this.sock = undefined;
    s?.destroy();
  }

  private finish(o: ProbeOutcome): void {
    const d = this.done;
    this.done = undefined;
    d?.(o);
  }
}
