// One access log destination. log() only appends the line to an in-memory
// batch; the batch is handed to the target as one write when the flush
// interval passes (injected clock) or when it grows past the flush size.
// Memory is bounded: when the target cannot keep up, new lines are dropped
// and counted rather than buffered without limit or waited for.
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.js';
import { DEFAULT_FLUSH_BYTES, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_BUFFERED_CHARS } from './defaults.js';
import type { SinkTarget } from './sink-target.js';

export interface BufferedSinkOptions {
  clock?: Clock;
  flushIntervalMs?: number;
  /** Buffered characters that trigger an immediate write. */
  flushChars?: number;
  /** Most characters buffered plus in flight; beyond that lines are dropped. */
  maxBufferedChars?: number;
}

export class BufferedSink {
  /** Lines dropped because the buffer was full, the sink closed, or a write failed. */
  droppedLines = 0;
  /** Batches the target failed to write. */
  writeErrors = 0;
  lastError: Error | undefined = undefined;
  /** Lines handed to the target successfully. */
  writtenLines = 0;

  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly flushChars: number;
  private readonly maxChars: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private inflightChars = 0;
  private inflightWrites = 0;
  private timer: TimerHandle | undefined;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly target: SinkTarget, opts: BufferedSinkOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.intervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.flushChars = opts.flushChars ?? DEFAULT_FLUSH_BYTES;
    this.maxChars = opts.maxBufferedChars ?? DEFAULT_MAX_BUFFERED_CHARS;
  }

  /** Queues one line (already terminated). Never blocks and never throws. */
  write(line: string): void {
    const len = line.length;
    if (this.closed || this.pendingChars + this.inflightChars + len > this.maxChars) {
      this.droppedLines++;
      return;
    }
    this.pending.push(line);
    this.pendingChars += len;
    if (this.pendingChars >= this.flushChars) this.drain();
    else if (this.timer === undefined) this.timer = this.clock.setTimer(this.intervalMs, this.onTimer);
  }

  /** Characters buffered or in flight; what the bound applies to. */
  get bufferedChars(): number {
    return this.pendingChars + this.inflightChars;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.drain();
  };

  /** Hands the current batch to the target as one write. */
  private drain(): void {
    if (this.timer !== undefined) {
      this.timer.cancel();
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const lines = this.pending.length;
    const chunk = lines === 1 ? this.pending[0]! : this.pending.join('');
    const chars = this.pendingChars;
    this.pending = [];
    this.pendingChars = 0;
    this.inflightChars += chars;
    this.inflightWrites++;
    let settled = false;
    const done = (err: Error | null | undefined): void => {
      if (settled) return;
      settled = true;
      this.inflightChars -= chars;
      this.inflightWrites--;
      if (err) {
        this.writeErrors++;
        this.lastError = err;
        this.droppedLines += lines;
      } else {
        this.writtenLines += lines;
      }
      if (this.inflightWrites === 0 && this.pending.length === 0) this.wakeIdle();
    };
    try {
      this.target.write(chunk, done);
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Writes what is buffered now; resolves once every write so far has completed. */
  flush(): Promise<void> {
    this.drain();
    if (this.inflightWrites === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Log rotation (Envoy reopens its access log files on SIGUSR1): what is
   * buffered goes to the old file, later lines to a file opened by name again.
   */
  reopen(): void {
    this.drain();
    this.target.reopen();
  }

  /** Flushes, then closes the target; later lines are dropped and counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await new Promise<void>((resolve) => this.target.close(resolve));
  }
}
