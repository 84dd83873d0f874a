import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseH2loadLog, parseH2loadSummary } from './h2load.js';

const SUMMARY = `starting benchmark...
finished in 10.00s, 45123.40 req/s, 50.12MB/s
requests: 451234 total, 451334 started, 451234 done, 451200 succeeded, 34 failed, 0 errored, 0 timeout
status codes: 451200 2xx, 0 3xx, 0 4xx, 7 5xx
traffic: 501.23MB (525578240) total
`;

test('parses h2load throughput and failures (non-2xx included)', () => {
  const r = parseH2loadSummary(SUMMARY);
  assert.equal(r.requestsPerSec, 45123.4);
  assert.equal(r.succeeded, 451200);
  assert.equal(r.errors, 41);
  assert.throws(() => parseH2loadSummary('no'), /unrecognized/);
});

test('computes percentiles from the per-request log', () => {
  const lines: string[] = [];
  for (let i = 1; i <= 1000; i++) lines.push(`1700000000${String(i).padStart(6, '0')}\t200\t${i}`);
  const r = parseH2loadLog(lines.join('\n') + '\n');
  assert.equal(r.count, 1000);
  assert.ok(Math.abs(r.p50Us - 500) <= 4, `p50 ${r.p50Us}`);
  assert.ok(Math.abs(r.p99Us - 990) <= 8, `p99 ${r.p99Us}`);
});
