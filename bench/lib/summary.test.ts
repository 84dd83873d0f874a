import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTable, median, ratio } from './summary.js';

test('median of odd, even, and with missing values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([undefined, 5, null, Number.NaN]), 5);
  assert.equal(median([]), undefined);
});

test('ratio renders two decimals or a dash', () => {
  assert.equal(ratio(50, 100), '0.50×');
  assert.equal(ratio(undefined, 100), '—');
  assert.equal(ratio(1, 0), '—');
});

test('markdown table has header, alignment and rows', () => {
  assert.equal(markdownTable(['a', 'b'], [['x', '1']]), '| a | b |\n| --- | ---: |\n| x | 1 |');
});
