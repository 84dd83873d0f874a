import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrkOutput } from './wrk.js';

const SAMPLE = `Running 10s test @ http://127.0.0.1:8080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   768.08us  123.45us   5.00ms   90.00%
    Req/Sec    65.12k     1.23k   67.00k    80.00%
  Latency Distribution
     50%  750.00us
     75%  800.00us
     90%  850.00us
     99%    1.20ms
  651234 requests in 10.00s, 750.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  65123.40
Transfer/sec:     75.00MB
`;

test('parses throughput, percentiles with units, and errors', () => {
  const r = parseWrkOutput(SAMPLE);
  assert.equal(r.requests, 651234);
  assert.equal(r.durationSec, 10);
  assert.equal(r.requestsPerSec, 65123.4);
  assert.equal(r.p50Us, 750);
  assert.equal(r.p90Us, 850);
  assert.equal(r.p99Us, 1200);
  assert.equal(r.errors, 8);
});

test('refuses output without the latency distribution', () => {
  assert.throws(() => parseWrkOutput(SAMPLE.replace(/Latency Distribution[\s\S]*?99%\s+1.20ms\n/, '')), /latency distribution/);
  assert.throws(() => parseWrkOutput('unable to connect'), /unrecognized/);
});
