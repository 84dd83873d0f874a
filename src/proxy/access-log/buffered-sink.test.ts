import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../common/clock.js';
import { BufferedSink } from './buffered-sink.js';
import { FdTarget, FileTarget, type SinkTarget } from './sink-target.js';

/** Records writes; completes them only when the test says so. */
class HeldTarget implements SinkTarget {
  writes: string[] = [];
  held: ((err: Error | null | undefined) => void)[] = [];
  reopens = 0;
  closed = false;
  write(chunk: string, done: (err: Error | null | undefined) => void): void {
    this.writes.push(chunk);
    this.held.push(done);
  }
  complete(err?: Error): void {
    const h = this.held;
    this.held = [];
    for (const d of h) d(err ?? null);
  }
  reopen(): void {
    this.reopens++;
  }
  close(done: () => void): void {
    this.closed = true;
    done();
  }
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'weft-access-log-'));
}

test('lines are batched until the flush interval, then written as one chunk', () => {
  const clock = new ManualClock();
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock, flushIntervalMs: 100 });
  s.write('a\n');
  s.write('b\n');
  assert.deepEqual(t.writes, []);
  clock.advance(99);
  assert.deepEqual(t.writes, []);
  clock.advance(1);
  assert.deepEqual(t.writes, ['a\nb\n']);
  assert.equal(clock.pendingTimers, 0);
  t.complete();
  assert.equal(s.writtenLines, 2);
});

test('a batch past the flush size is written without waiting for the timer', () => {
  const clock = new ManualClock();
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock, flushIntervalMs: 100, flushChars: 6 });
  s.write('abc\n');
  assert.equal(t.writes.length, 0);
  s.write('def\n');
  assert.deepEqual(t.writes, ['abc\ndef\n']);
  assert.equal(clock.pendingTimers, 0, 'the interval timer is cancelled once the batch went out');
});

test('when the target cannot keep up, new lines are dropped and counted, never buffered without bound', () => {
  const clock = new ManualClock();
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock, flushIntervalMs: 10, maxBufferedChars: 10 });
  s.write('12345\n'); // 6
  clock.advance(10); // in flight, not completed
  s.write('1234\n'); // 6 + 5 = 11 > 10: dropped
  s.write('123\n'); // 6 + 4 = 10: fits
  assert.equal(s.droppedLines, 1);
  assert.equal(s.bufferedChars, 10);
  t.complete();
  assert.equal(s.bufferedChars, 4);
  s.write('1234\n');
  assert.equal(s.droppedLines, 1);
});

test('flush() writes now and resolves only after the writes complete', async () => {
  const clock = new ManualClock();
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock });
  s.write('x\n');
  let done = false;
  const p = s.flush().then(() => (done = true));
  assert.deepEqual(t.writes, ['x\n']);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  t.complete();
  await p;
  assert.equal(done, true);
  await s.flush(); // nothing pending: resolves at once
});

test('a failed write counts an error and its lines as dropped', async () => {
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock: new ManualClock() });
  s.write('a\n');
  s.write('b\n');
  const p = s.flush();
  t.complete(new Error('EIO'));
  await p;
  assert.equal(s.writeErrors, 1);
  assert.equal(s.droppedLines, 2);
  assert.equal(s.lastError?.message, 'EIO');
});

test('after close() lines are dropped and the target is closed', async () => {
  const t = new HeldTarget();
  const s = new BufferedSink(t, { clock: new ManualClock() });
  s.write('a\n');
  const p = s.close();
  t.complete();
  await p;
  assert.equal(t.closed, true);
  assert.deepEqual(t.writes, ['a\n']);
  s.write('late\n');
  assert.equal(s.droppedLines, 1);
});

test('file sink: writes lines to a real file and flushes', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'access.log');
  const s = new BufferedSink(new FileTarget(file), { clock: new ManualClock() });
  for (let k = 0; k < 100; k++) s.write(`line ${k}\n`);
  await s.flush();
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text.split('\n').length, 101);
  assert.ok(text.startsWith('line 0\nline 1\n'));
  assert.ok(text.endsWith('line 99\n'));
  assert.equal(s.writtenLines, 100);
  await s.close();
  fs.rmSync(dir, { recursive: true });
});

test('file sink appends to an existing file', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'access.log');
  fs.writeFileSync(file, 'old\n');
  const s = new BufferedSink(new FileTarget(file), { clock: new ManualClock() });
  s.write('new\n');
  await s.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'old\nnew\n');
  fs.rmSync(dir, { recursive: true });
});

test('reopen(): after the file is rotated away, new lines go to a new file by the same name', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'access.log');
  const s = new BufferedSink(new FileTarget(file), { clock: new ManualClock() });
  s.write('before\n');
  await s.flush();
  fs.renameSync(file, `${file}.1`);
  s.write('still old\n');
  s.reopen();
  s.write('after\n');
  await s.flush();
  assert.equal(fs.readFileSync(`${file}.1`, 'utf8'), 'before\nstill old\n');
  assert.equal(fs.readFileSync(file, 'utf8'), 'after\n');
  await s.close();
  fs.rmSync(dir, { recursive: true });
});

test('file sink whose file cannot be opened counts the failure and does not throw or hang', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'missing-dir', 'access.log');
  const s = new BufferedSink(new FileTarget(file), { clock: new ManualClock() });
  s.write('x\n');
  await s.flush();
  assert.equal(s.writeErrors, 1);
  assert.equal(s.droppedLines, 1);
  // Once the directory exists, the next batch opens the file again and succeeds.
  fs.mkdirSync(path.dirname(file));
  s.write('y\n');
  await s.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), 'y\n');
  await s.close();
  fs.rmSync(dir, { recursive: true });
});

test('descriptor sink (stdout/stderr): writes through the descriptor and never closes it', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'fd.log');
  const fd = fs.openSync(file, 'a');
  const s = new BufferedSink(new FdTarget(fd), { clock: new ManualClock() });
  s.write('one\n');
  s.write('two\n');
  await s.flush();
  s.write('three\n');
  await s.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree\n');
  assert.doesNotThrow(() => fs.fstatSync(fd), 'the descriptor is still open');
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true });
});
