import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncodingNegotiation, parseAcceptEncoding, type Registrant } from './accept-encoding.js';

const TEXT = new Set(['text/html', 'application/json']);
const reg = (encoding: string, chooseFirst = false, contentTypes: ReadonlySet<string> = TEXT): Registrant => ({ encoding, chooseFirst, contentTypes });
const gzip = reg('gzip');
const br = reg('br');

function neg(header: string, ...regs: Registrant[]): EncodingNegotiation {
  const n = new EncodingNegotiation(header);
  n.registrants.push(...regs);
  return n;
}
const outcome = (n: EncodingNegotiation, r: Registrant, ct = 'text/html') => n.decide(r, ct).outcome;

test('parseAcceptEncoding: tokens lower-cased, q defaults to 1, an unparsable q drops the entry', () => {
  assert.deepEqual(parseAcceptEncoding('GZIP;q=0.5, br ,*;q=0, x;q=abc, y;level=1'), [
    { token: 'gzip', q: 0.5 }, { token: 'br', q: 1 }, { token: '*', q: 0 }, { token: 'y', q: 1 },
  ]);
});

test('one compressor: used, identity, wildcard, not valid', () => {
  assert.equal(outcome(neg('gzip', gzip), gzip), 'header_compressor_used');
  assert.equal(outcome(neg('deflate, gzip;q=0.1', gzip), gzip), 'header_compressor_used');
  assert.equal(outcome(neg('identity', gzip), gzip), 'header_identity');
  assert.equal(outcome(neg('*', gzip), gzip), 'header_wildcard');
  assert.equal(neg('*', gzip).decide(gzip, 'text/html').compress, true);
  assert.equal(outcome(neg('*;q=1, gzip;q=0', gzip), gzip), 'header_not_valid');
  assert.equal(outcome(neg('gzip;q=0', gzip), gzip), 'header_not_valid');
  assert.equal(outcome(neg('deflate', gzip), gzip), 'header_not_valid');
  assert.equal(outcome(neg('', gzip), gzip), 'header_not_valid');
});

test('two compressors: the higher q wins, the other is overshadowed; ties keep header order unless choose_first', () => {
  const n = neg('gzip;q=0.5, br;q=0.9', gzip, br);
  assert.equal(outcome(n, br), 'header_compressor_used');
  assert.equal(outcome(n, gzip), 'header_compressor_overshadowed');
  assert.equal(outcome(neg('gzip, br', gzip, br), gzip), 'header_compressor_used');
  assert.equal(outcome(neg('br, gzip', gzip, br), br), 'header_compressor_used');
  const gzipFirst = reg('gzip', true);
  const tie = neg('br, gzip', gzipFirst, br);
  assert.equal(outcome(tie, gzipFirst), 'header_compressor_used');
  assert.equal(outcome(tie, br), 'header_compressor_overshadowed');
  // The wildcard goes to the first compressor of the chain; both count header_wildcard.
  const wild = neg('*', gzip, br);
  assert.deepEqual(wild.decide(br, 'text/html'), { outcome: 'header_wildcard', compress: false });
  assert.deepEqual(wild.decide(gzip, 'text/html'), { outcome: 'header_wildcard', compress: true });
});

test('a compressor whose content types do not admit the response is left out of the choice', () => {
  const jsOnly = reg('br', false, new Set(['application/javascript']));
  const n = neg('br, gzip;q=0.5', gzip, jsOnly);
  assert.equal(outcome(n, gzip), 'header_compressor_used');
});
