import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageCollector } from './messages.js';
import { translateFault } from './translate-fault.js';

test('delay: fixedDelay with percentage.value per MILLION', () => {
  assert.deepEqual(translateFault({ delay: { fixedDelay: '7s', percentage: { value: 100 } } }, new MessageCollector(), 'k', 'p'), {
    delay: { fixed_delay: { seconds: 7, nanos: 0 }, percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
  });
  assert.deepEqual(translateFault({ delay: { fixedDelay: '100ms', percentage: { value: 0.5 } } }, new MessageCollector(), 'k', 'p')?.delay?.percentage,
    { numerator: 5000, denominator: 'MILLION' });
});

test('delay: the deprecated integer percent is per HUNDRED (the seed\'s `percent: 50`)', () => {
  assert.deepEqual(translateFault({ delay: { fixedDelay: '5s', percent: 50 } }, new MessageCollector(), 'k', 'p'), {
    delay: { fixed_delay: { seconds: 5, nanos: 0 }, percentage: { numerator: 50 } },
  });
});

test('abort: httpStatus and gRPC status by name', () => {
  assert.deepEqual(translateFault({ abort: { httpStatus: 555, percentage: { value: 100 } } }, new MessageCollector(), 'k', 'p'), {
    abort: { http_status: 555, percentage: { numerator: 1_000_000, denominator: 'MILLION' } },
  });
  assert.deepEqual(translateFault({ abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 10 } } }, new MessageCollector(), 'k', 'p'), {
    abort: { grpc_status: 14, percentage: { numerator: 100_000, denominator: 'MILLION' } },
  });
});

test('unsupported fault kinds are reported and left out', () => {
  const m = new MessageCollector();
  assert.equal(translateFault({ delay: { exponentialDelay: '1s', percentage: { value: 1 } }, abort: { http2Error: 'x' } }, m, 'VirtualService r.default', 'spec.http[0].fault'), undefined);
  assert.deepEqual(m.list().map((x) => x.path), ['spec.http[0].fault.abort', 'spec.http[0].fault.delay']);
});
