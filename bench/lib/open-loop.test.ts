import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runOpenLoop } from './open-loop.js';

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');

/** A keep-alive server answering each request; while `stalled`, answers are held back. */
function server(): Promise<{ port: number; stall(ms: number): void; close(): Promise<void>; requests(): number }> {
  let held: net.Socket[] = [];
  let stalled = false;
  let count = 0;
  const srv = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => {
      const n = d.toString('latin1').split('\r\n\r\n').length - 1;
      for (let i = 0; i < n; i++) {
        count++;
        if (stalled) held.push(s);
        else s.write(RESPONSE);
      }
    });
    s.on('error', () => undefined);
  });
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({
        port,
        stall(ms: number) {
          stalled = true;
          setTimeout(() => {
            stalled = false;
            for (const s of held) s.write(RESPONSE);
            held = [];
          }, ms);
        },
        close: () => new Promise<void>((r) => srv.close(() => r())),
        requests: () => count,
      });
    });
  });
}

const base = { host: '127.0.0.1', path: '/', warmupMs: 0, connections: 4, drainMs: 2000, spin: true };

test('sends at the requested rate and answers every request', async () => {
  const s = await server();
  try {
    const r = await runOpenLoop({ ...base, port: s.port, ratePerSec: 1000, durationMs: 300 });
    assert.equal(r.intended, 300);
    assert.equal(r.completed, 300);
    assert.equal(r.errors + r.timeouts + r.non2xx, 0);
    assert.equal(s.requests(), 300);
    assert.ok(r.latencyUs.p50 > 0);
  } finally {
    await s.close();
  }
});

test('a stall is charged to every request due during it (no coordinated omission)', async () => {
  const s = await server();
  try {
    // 1000 req/s for 600 ms; the server holds every answer for 150 ms starting at 200 ms.
    // With only 4 connections a closed-loop client would record 4 slow requests; an open-loop
    // one records the ~150 requests that fell due during the stall, with latencies spread
    // from ~150 ms down to ~0, so well over 10% of requests are slower than 50 ms.
    setTimeout(() => s.stall(150), 200);
    const r = await runOpenLoop({ ...base, port: s.port, ratePerSec: 1000, durationMs: 600 });
    assert.equal(r.completed, 600);
    assert.ok(r.latencyUs.p90 > 50_000, `p90 ${r.latencyUs.p90} µs reflects the stall`);
    assert.ok(r.latencyUs.max >= 140_000, `max ${r.latencyUs.max} µs covers the stall`);
    assert.ok(r.latencyUs.p50 < 50_000, `p50 ${r.latencyUs.p50} µs is outside the stall`);
  } finally {
    await s.close();
  }
});

test('requests lost with a closed connection are counted, and the pool reconnects', async () => {
  let first = true;
  const srv = net.createServer((sock) => {
    sock.on('data', () => {
      if (first) {
        first = false;
        sock.destroy();
      } else sock.write(RESPONSE);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (srv.address() as net.AddressInfo).port;
    const r = await runOpenLoop({ ...base, port, connections: 1, ratePerSec: 500, durationMs: 200 });
    assert.equal(r.intended, 100);
    assert.equal(r.errors, 1);
    assert.equal(r.completed, 99);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
