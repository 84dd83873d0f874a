// Where a sink's batches go: a file, or the process's stdout/stderr. Both are
// written through fs.WriteStream, whose writes run on libuv's thread pool, so
// a slow disk or a full pipe never blocks the event loop. (process.stdout is
// synchronous for files and pipes on Linux, so it is deliberately not used.)
import fs from 'node:fs';

/** Where an access log writes (decoded config; the manager opens one target per distinct spec). */
export type SinkSpec = { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'file'; path: string };

export interface SinkTarget {
  /** Hands one batch to the OS. `done` runs once, after it is written or has failed. */
  write(chunk: string, done: (err: Error | null | undefined) => void): void;
  /** Closes and reopens the file by name (log rotation); nothing to do for stdout/stderr. */
  reopen(): void;
  /** Ends the target after the writes already handed to it; `done` runs when it is closed. */
  close(done: () => void): void;
}

/** Appends to a file, opening it lazily and again after an error or reopen(). */
export class FileTarget implements SinkTarget {
  private stream: fs.WriteStream | undefined;

  constructor(readonly path: string) {}

  private open(): fs.WriteStream {
    const s = fs.createWriteStream(this.path, { flags: 'a' });
    // Write errors reach the callers through `done`; the event itself must be
    // handled or Node would treat it as an uncaught exception.
    s.on('error', () => {
      if (this.stream === s) this.stream = undefined;
    });
    this.stream = s;
    return s;
  }

  write(chunk: string, done: (err: Error | null | undefined) => void): void {
    const s = this.stream ?? this.open();
    s.write(chunk, done);
  }

  reopen(): void {
    const old = this.stream;
    this.stream = undefined;
    old?.end();
  }

  close(done: () => void): void {
    const old = this.stream;
    this.stream = undefined;
    if (!old || old.destroyed) {
      done();
      return;
    }
    let called = false;
    const once = (): void => {
      if (!called) {
        called = true;
        done();
      }
    };
    old.once('error', once);
    old.end(once);
  }
}

/** Writes to an inherited descriptor (1 or 2) without ever closing it. */
export class FdTarget implements SinkTarget {
  private stream: fs.WriteStream | undefined;

  constructor(readonly fd: number) {}

  private open(): fs.WriteStream {
    const s = fs.createWriteStream('', { fd: this.fd, autoClose: false });
    s.on('error', () => {
      if (this.stream === s) this.stream = undefined;
    });
    this.stream = s;
    return s;
  }

  write(chunk: string, done: (err: Error | null | undefined) => void): void {
    (this.stream ?? this.open()).write(chunk, done);
  }

  reopen(): void {}

  close(done: () => void): void {
    // The descriptor belongs to the process; only wait for queued writes.
    const s = this.stream;
    if (!s || s.destroyed || s.writableLength === 0) {
      done();
      return;
    }
    s.write('', () => done());
  }
}
