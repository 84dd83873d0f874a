import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatG, formatShortest, formatStatValue } from './format-number.js';

test('formatG matches C %g (precision 6)', () => {
  const cases: [number, string][] = [
    [0, '0'], [0.5, '0.5'], [1, '1'], [25, '25'], [99.5, '99.5'], [99.9, '99.9'], [300000, '300000'],
    [1800000, '1.8e+06'], [3600000, '3.6e+06'], [0.0001, '0.0001'], [0.00001, '1e-05'], [123456789, '1.23457e+08'],
    [-2.5, '-2.5'], [NaN, 'nan'], [Infinity, 'inf'],
  ];
  for (const [v, want] of cases) assert.equal(formatG(v), want, `formatG(${v})`);
});

test('formatG with precision 32 prints bounds as integers and exact binary expansions', () => {
  assert.equal(formatG(3600000, 32), '3600000');
  assert.equal(formatG(0.5, 32), '0.5');
  assert.equal(formatG(34, 32), '34');
  assert.equal(formatG(0.1, 32), '0.10000000000000000555111512312578');
});

test('formatShortest matches {fmt} {}: shortest digits, exponent outside [1e-4, 1e16)', () => {
  const cases: [number, string][] = [
    [2, '2'], [2.05, '2.05'], [2.025, '2.025'], [1e15, '1000000000000000'], [1e16, '1e+16'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [1234.5, '1234.5'], [NaN, 'nan'],
  ];
  for (const [v, want] of cases) assert.equal(formatShortest(v), want, `formatShortest(${v})`);
});

test('formatStatValue keeps integers exact', () => {
  assert.equal(formatStatValue(12345678901), '12345678901');
  assert.equal(formatStatValue(-3), '-3');
  assert.equal(formatStatValue(1.5), '1.5');
});
