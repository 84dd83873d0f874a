// Spreads pushes over event-loop turns: a snapshot change for a group of
// thousands of streams is handled `batchSize` streams per turn, so requests
// (ACKs) keep flowing between batches; and it pauses while the bytes written
// but not yet flushed are over budget, so slow readers cannot grow memory.

export interface Pushable {
  pushAll(): void;
  readonly closed: boolean;
}

export class PushQueue {
  private pending = new Set<Pushable>();
  private scheduled = false;
  private waitingForDrain = false;

  constructor(private readonly batchSize: number, private readonly overBudget: () => boolean) {}

  /** Queues a stream; a stream queued twice is pushed once, with the snapshot current at that time. */
  add(stream: Pushable): void {
    this.pending.add(stream);
    this.kick();
  }

  /** Called when writes drained below budget. */
  drained(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    this.kick();
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
  }

  private kick(): void {
    if (this.scheduled || this.waitingForDrain || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    let n = 0;
    for (const s of this.pending) {
      if (this.overBudget()) {
        this.waitingForDrain = true;
        return;
      }
      this.pending.delete(s);
      if (!s.closed) s.pushAll();
      if (++n >= this.batchSize) break;
    }
    this.kick();
  }
}
