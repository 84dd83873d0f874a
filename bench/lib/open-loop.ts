// Open-loop constant-rate HTTP/1.1 load: request i is due at start + i/rate,
// whatever happened to earlier requests, and its latency is measured from that
// due time, so a stalled proxy is charged for every request that had to wait
// (no coordinated omission, as in wrk2). Requests go over a fixed pool of raw
// keep-alive `net` connections, one request in flight per connection; a due
// request waits in a queue while every connection is busy, and the wait counts.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './latency-histogram.js';
import { Http1ResponseReader } from './http1-response-reader.js';

export interface OpenLoopOptions {
  host: string;
  port: number;
  path: string;
  /** Requests per second, spread evenly. */
  ratePerSec: number;
  /** Length of the recorded phase. */
  durationMs: number;
  /** Sent at the same rate before the recorded phase, not recorded. */
  warmupMs: number;
  /** Keep-alive connections opened before the first request. */
  connections: number;
  /** How long to wait for responses after the last due time before counting them as timeouts. */
  drainMs: number;
  /**
   * Poll with setImmediate between due times instead of sleeping on timers.
   * Node's timers have 1 ms granularity, which at 1000 req/s would add up to
   * 1 ms of the generator's own lateness to every latency; polling costs one
   * core, which the harness gives the generator anyway.
   */
  spin: boolean;
}

/** Percentiles in microseconds. */
export interface LatencySummary {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface OpenLoopResult {
  ratePerSec: number;
  durationMs: number;
  /** Requests due in the recorded phase. */
  intended: number;
  /** Recorded-phase requests answered (any status). */
  completed: number;
  non2xx: number;
  /** Recorded-phase requests lost to a connection error or framing error. */
  errors: number;
  /** Recorded-phase requests still unanswered after drainMs. */
  timeouts: number;
  /** Completed recorded requests per second of the recorded phase. */
  achievedRate: number;
  /** Latency from due time to the end of the response. */
  latencyUs: LatencySummary;
  /** How late the generator itself put requests on the wire (due time to write). */
  sendLagUs: LatencySummary;
}

interface Conn {
  socket: net.Socket;
  reader: Http1ResponseReader;
  /** Index of the request in flight, or -1 when idle. */
  inflight: number;
  dead: boolean;
}

function summarize(h: LatencyHistogram): LatencySummary {
  const us = (ns: number) => Math.round(ns / 100) / 10;
  return {
    min: us(h.min),
    p50: us(h.percentile(50)),
    p90: us(h.percentile(90)),
    p99: us(h.percentile(99)),
    p999: us(h.percentile(99.9)),
    max: us(h.max),
    mean: us(h.mean),
  };
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.setNoDelay(true);
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Runs the load and resolves with what it measured; rejects only if no connection can be opened. */
export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const request = Buffer.from(
    `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUser-Agent: weft-bench-open-loop\r\n\r\n`,
    'latin1',
  );
  const intervalMs = 1000 / o.ratePerSec;
  const warmupCount = Math.round((o.warmupMs / 1000) * o.ratePerSec);
  const total = warmupCount + Math.round((o.durationMs / 1000) * o.ratePerSec);
  const latency = new LatencyHistogram();
  const sendLag = new LatencyHistogram();
  let completed = 0;
  let non2xx = 0;
  let errors = 0;
  let settled = 0; // requests answered or failed, warm-up included
  let scheduled = 0; // requests whose due time has passed
  let dispatched = 0; // requests written (in due order)
  let start = 0;
  const idle: Conn[] = [];
  const all: Conn[] = [];
  let finished = false;
  let reconnecting = 0;

  const sockets = await Promise.all(Array.from({ length: o.connections }, () => connect(o.host, o.port)));

  return new Promise<OpenLoopResult>((resolve) => {
    const settle = (index: number, status: number, failed: boolean) => {
      settled++;
      if (index < warmupCount) return;
      if (failed) {
        errors++;
        return;
      }
      completed++;
      if (status < 200 || status > 299) non2xx++;
      latency.record((performance.now() - (start + index * intervalMs)) * 1e6);
    };

    const dispatch = () => {
      while (dispatched < scheduled && idle.length > 0) {
        const c = idle.pop()!;
        const i = dispatched++;
        c.inflight = i;
        const now = performance.now();
        if (i >= warmupCount) sendLag.record((now - (start + i * intervalMs)) * 1e6);
        c.socket.write(request);
      }
    };

    const adopt = (socket: net.Socket) => {
      const c: Conn = { socket, reader: new Http1ResponseReader(), inflight: -1, dead: false };
      all.push(c);
      const fail = () => {
        if (c.dead) return;
        c.dead = true;
        const at = idle.indexOf(c);
        if (at >= 0) idle.splice(at, 1);
        if (c.inflight >= 0) settle(c.inflight, 0, true);
        c.inflight = -1;
        socket.destroy();
        // Replace a connection the server closed (e.g. a keep-alive request cap),
        // so the pool keeps its size; bounded so a dead server cannot loop us.
        if (!finished && reconnecting < o.connections * 4) {
          reconnecting++;
          connect(o.host, o.port).then(
            (s) => {
              if (finished) s.destroy();
              else {
                adopt(s);
                dispatch();
              }
            },
            () => undefined,
          );
        }
        maybeFinish();
      };
      socket.on('data', (chunk: Buffer) => {
        const r = c.reader.feed(chunk);
        for (let k = 0; k < r.statuses.length; k++) {
          if (c.inflight < 0) {
            r.error = 'response without a request';
            break;
          }
          settle(c.inflight, r.statuses[k], false);
          c.inflight = -1;
          idle.push(c);
        }
        if (r.error) fail();
        else dispatch();
        maybeFinish();
      });
      socket.on('error', fail);
      socket.on('close', fail);
      idle.push(c);
    };

    let drainTimer: NodeJS.Timeout | undefined;
    const maybeFinish = () => {
      if (finished || scheduled < total || settled < total) return;
      finish();
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      for (const c of all) {
        c.dead = true;
        c.socket.destroy();
      }
      const intended = total - warmupCount;
      const timeouts = Math.max(0, intended - completed - errors);
      resolve({
        ratePerSec: o.ratePerSec,
        durationMs: o.durationMs,
        intended,
        completed,
        non2xx,
        errors,
        timeouts,
        achievedRate: Math.round((completed / o.durationMs) * 1000 * 10) / 10,
        latencyUs: summarize(latency),
        sendLagUs: summarize(sendLag),
      });
    };

    const tick = () => {
      if (finished) return;
      const now = performance.now();
      while (scheduled < total && start + scheduled * intervalMs <= now) scheduled++;
      dispatch();
      if (scheduled >= total) {
        drainTimer = setTimeout(finish, o.drainMs);
        maybeFinish();
        return;
      }
      const wait = start + scheduled * intervalMs - now;
      if (!o.spin) setTimeout(tick, Math.floor(wait));
      else if (wait > 3) setTimeout(tick, Math.floor(wait) - 2);
      else setImmediate(tick);
    };

    for (const s of sockets) adopt(s);
    start = performance.now();
    tick();
  });
}
