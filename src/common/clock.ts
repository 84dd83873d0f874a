// The one seam for time. Code that waits or measures takes a Clock so tests can
// drive time by hand (ManualClock) instead of sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic, arbitrary origin. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for access logs and dumps). */
  wallNow(): number;
  /** Calls `fn` once after `ms`; the handle cancels it. Never keeps the process alive. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when a test calls advance(). */
export class ManualClock implements Clock {
  private t = 0;
  private wall = 1_700_000_000_000;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wall + this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Moves time forward, firing due timers in order (timers set while firing are honoured). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, tm] of this.timers) if (tm.at <= end && tm.at < nextAt) { nextAt = tm.at; nextId = id; }
      if (nextId < 0) break;
      const tm = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.t = tm.at;
      tm.fn();
    }
    this.t = end;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

/** Longest delay a Node timer takes (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `clock.setTimer` for delays that may exceed a Node timer's limit (a
 * 90-day certificate's expiry): waits in steps, so the call never fires
 * early. The handle cancels whichever step is pending.
 */
export function setLongTimer(clock: Clock, ms: number, fn: () => void): TimerHandle {
  let current: TimerHandle;
  const arm = (left: number): void => {
    current = left > MAX_TIMER_MS ? clock.setTimer(MAX_TIMER_MS, () => arm(left - MAX_TIMER_MS)) : clock.setTimer(left, fn);
  };
  arm(ms);
  return { cancel: () => current.cancel() };
}
