// Owns every access log sink of a proxy (Envoy's AccessLogManager). Loggers
// that write to the same place share one sink: two listeners (or one listener
// before and after a config update) logging to one file share one writer, so
// the file is opened once and lines never interleave mid-line.
import path from 'node:path';
import type { Clock } from '../../common/clock.js';
import { BufferedSink } from './buffered-sink.js';
import type { AccessLogConfig } from './access-log-config.js';
import { AccessLogger } from './logger.js';
import { FdTarget, FileTarget, type SinkSpec, type SinkTarget } from './sink-target.js';

export type { SinkSpec } from './sink-target.js';

export interface AccessLogManagerOptions {
  clock?: Clock;
  flushIntervalMs?: number;
  flushChars?: number;
  maxBufferedChars?: number;
  /** Replaces the real file/stdout/stderr targets (tests). */
  targetFactory?: (spec: SinkSpec) => SinkTarget;
}

/** The identity of a sink: equal keys share one writer. */
export function sinkKey(spec: SinkSpec): string {
  return spec.kind === 'file' ? `file:${path.resolve(spec.path)}` : spec.kind;
}

function realTarget(spec: SinkSpec): SinkTarget {
  if (spec.kind === 'stdout') return new FdTarget(1);
  if (spec.kind === 'stderr') return new FdTarget(2);
  return new FileTarget(spec.path);
}

/** Per-sink counters, for stats and the admin page. */
export interface SinkStatus {
  key: string;
  writtenLines: number;
  droppedLines: number;
  writeErrors: number;
  bufferedChars: number;
}

export class AccessLogManager {
  private readonly sinks = new Map<string, BufferedSink>();
  private loggers = new WeakMap<AccessLogConfig, AccessLogger>();
  private readonly factory: (spec: SinkSpec) => SinkTarget;
  private closed = false;

  constructor(private readonly opts: AccessLogManagerOptions = {}) {
    this.factory = opts.targetFactory ?? realTarget;
  }

  /**
   * The sink for `spec`, created on first use. Sinks live until close(): a
   * file no longer named by any config keeps one idle descriptor, which is
   * cheaper than reopening it whenever config flips back and forth.
   */
  sink(spec: SinkSpec): BufferedSink {
    const key = sinkKey(spec);
    let s = this.sinks.get(key);
    if (!s) {
      s = new BufferedSink(this.factory(spec), {
        clock: this.opts.clock,
        flushIntervalMs: this.opts.flushIntervalMs,
        flushChars: this.opts.flushChars,
        maxBufferedChars: this.opts.maxBufferedChars,
      });
      // After close() a late logger still gets a sink, but one that only counts drops.
      if (this.closed) void s.close();
      this.sinks.set(key, s);
    }
    return s;
  }

  /**
   * The logger for one decoded config. The same config object always gets
   * the same logger, so a connection manager rebuilt around an unchanged
   * config keeps it; configs are immutable, so caching by identity is safe.
   */
  get(config: AccessLogConfig): AccessLogger {
    let l = this.loggers.get(config);
    if (!l) {
      l = new AccessLogger(config, this.sink(config.sink));
      this.loggers.set(config, l);
    }
    return l;
  }

  /** Reopens every file sink (wire to SIGUSR1 for log rotation, as Envoy does). */
  reopen(): void {
    for (const s of this.sinks.values()) s.reopen();
  }

  /** Resolves when every line logged so far has been written. */
  async flush(): Promise<void> {
    await Promise.all([...this.sinks.values()].map((s) => s.flush()));
  }

  /** Flushes and closes every sink (shutdown). Later lines are dropped and counted. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
  }

  status(): SinkStatus[] {
    return [...this.sinks].map(([key, s]) => ({
      key,
      writtenLines: s.writtenLines,
      droppedLines: s.droppedLines,
      writeErrors: s.writeErrors,
      bufferedChars: s.bufferedChars,
    }));
  }
}
