import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromParseError, parsePrometheusText } from './prometheus-text-parser.js';

test('accepts a valid exposition and returns families with typed samples', () => {
  const f = parsePrometheusText(
    [
      '# HELP up whether up',
      '# TYPE up gauge',
      'up{job="a"} 1',
      'up{job="b"} 0 1700000000000',
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 3.5',
      'h_count 2',
      'untyped_thing -1.5e3',
      '',
    ].join('\n'),
  );
  assert.equal(f.get('up')!.type, 'gauge');
  assert.deepEqual(f.get('up')!.samples[1], { name: 'up', labels: { job: 'b' }, value: 0, timestampMs: 1700000000000 });
  assert.equal(f.get('h')!.samples.length, 4);
  assert.equal(f.get('untyped_thing')!.type, 'untyped');
  assert.equal(f.get('untyped_thing')!.samples[0]!.value, -1500);
});

test('rejects what Prometheus would refuse', () => {
  const bad: [string, RegExp][] = [
    ['# TYPE a counter\n# TYPE a counter\na 1\n', /second TYPE/],
    ['a 1\n# TYPE a counter\n', /after its samples/],
    ['# TYPE a counter\na{x="1"} 1\n# TYPE b counter\nb 1\na{x="2"} 1\n', /not grouped/],
    ['a{x="1"} 1\na{x="1"} 2\n', /duplicate series/],
    ['a{x="1",x="2"} 1\n', /duplicate label/],
    ['a{x="\\t"} 1\n', /invalid escape/],
    ['a{x=1} 1\n', /not quoted/],
    ['a{1x="1"} 1\n', /invalid label name/],
    ['a.b 1\n', /invalid metric name/],
    ['a one\n', /invalid value/],
    ['a 1', /end with a newline/],
    ['# TYPE a counter\na -1\n', /negative/],
    ['# TYPE a foo\n', /invalid type/],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /no \+Inf/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', /≠ _count/],
    ['# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n', /lacks _count or _sum/],
  ];
  for (const [text, re] of bad) assert.throws(() => parsePrometheusText(text), (e: unknown) => e instanceof PromParseError && re.test(e.message), text);
});
