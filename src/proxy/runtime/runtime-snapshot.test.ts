import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRuntimeEntry, RuntimeSnapshot } from './runtime-snapshot.js';

const snap = (values: Record<string, string>) => new RuntimeSnapshot(new Map(Object.entries(values).map(([k, v]) => [k, createRuntimeEntry(v)])));

describe('runtime values read as Envoy reads them', () => {
  // [text, bool, uint, double, fraction]
  const table: [string, boolean | undefined, number | undefined, number | undefined, string | undefined][] = [
    ['true', true, undefined, undefined, undefined],
    ['FALSE', false, undefined, undefined, undefined],
    [' True ', true, undefined, undefined, undefined],
    ['0', false, 0, 0, undefined],
    ['42', true, 42, 42, undefined],
    ['3.7', undefined, 3, 3.7, undefined],
    ['-5', undefined, undefined, -5, undefined],
    ['1e2', undefined, 100, 100, undefined],
    ['yes', undefined, undefined, undefined, undefined],
    ['{numerator: 5, denominator: TEN_THOUSAND}', undefined, undefined, undefined, '5/10000'],
    ['{"numerator": 7}', undefined, undefined, undefined, '7/100'],
    ['{numerator: 5, bogus: 1}', undefined, undefined, undefined, undefined],
  ];
  for (const [text, bool, uint, double, fraction] of table) {
    it(JSON.stringify(text), () => {
      const e = createRuntimeEntry(text);
      assert.equal(e.raw, text);
      assert.equal(e.bool, bool);
      assert.equal(e.uint, uint);
      assert.equal(e.double, double);
      assert.equal(e.fraction ? `${e.fraction.numerator}/${e.fraction.denominator}` : undefined, fraction);
    });
  }
});

describe('RuntimeSnapshot', () => {
  const s = snap({ int: '12', flag: 'true', frac: '{numerator: 3, denominator: MILLION}', big: '101', text: 'hello', neg: '-1' });

  it('getInteger/getBoolean/getDouble fall back to the default when the value does not read that way', () => {
    assert.equal(s.getInteger('int', 5), 12);
    assert.equal(s.getInteger('text', 5), 5);
    assert.equal(s.getInteger('neg', 5), 5);
    assert.equal(s.getInteger('missing', 5), 5);
    assert.equal(s.getBoolean('flag', false), true);
    assert.equal(s.getBoolean('int', false), true);
    assert.equal(s.getBoolean('text', false), false);
    assert.equal(s.getDouble('neg', 0), -1);
    assert.equal(s.get('text'), 'hello');
    assert.equal(s.get('missing'), undefined);
  });

  it('percent: a FractionalPercent, an integer out of 100, above 100 always, else the default', () => {
    const dflt = { numerator: 9, denominator: 10_000 };
    assert.deepEqual(s.percent('frac', dflt), { numerator: 3, denominator: 1_000_000 });
    assert.deepEqual(s.percent('int', dflt), { numerator: 12, denominator: 100 });
    assert.equal(s.featureEnabled('big', dflt, () => 0.999), true);
    assert.equal(s.percent('text', dflt), dflt);
    assert.equal(s.percent('missing', dflt), dflt);
  });

  it('featureEnabled draws floor(random × denominator) < numerator, and not at all for 0% or 100%', () => {
    let draws = 0;
    const r = (v: number) => () => {
      draws++;
      return v;
    };
    assert.equal(s.featureEnabled('int', { numerator: 0, denominator: 100 }, r(0.11)), true);
    assert.equal(s.featureEnabled('int', { numerator: 0, denominator: 100 }, r(0.12)), false);
    assert.equal(draws, 2);
    assert.equal(snap({ k: '0' }).featureEnabled('k', { numerator: 100, denominator: 100 }, r(0)), false);
    assert.equal(snap({ k: '100' }).featureEnabled('k', { numerator: 0, denominator: 100 }, r(0.99)), true);
    assert.equal(draws, 2);
  });
});
