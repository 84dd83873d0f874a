import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncodingNegotiation, parseAcceptEncoding } from './accept-encoding.js';

const gzip = { encoding: 'gzip', chooseFirst: false };
const br = { encoding: 'br', chooseFirst: false };

function neg(header: string | undefined, ...regs: { encoding: string; chooseFirst: boolean }[]): EncodingNegotiation {
  const n = new EncodingNegotiation(header);
  n.registrants.push(...regs);
  return n;
}

test('parseAcceptEncoding: tokens lower-cased, q defaults to 1, bad q is 0', () => {
  assert.deepEqual(parseAcceptEncoding('GZIP;q=0.5, br ,*;q=0, x;q=abc'), [
    { token: 'gzip', q: 0.5 }, { token: 'br', q: 1 }, { token: '*', q: 0 }, { token: 'x', q: 0 },
  ]);
});

test('one compressor: used, identity, wildcard, not valid, no header', () => {
  assert.equal(neg('gzip', gzip).decide(gzip), 'header_compressor_used');
  assert.equal(neg('deflate, gzip;q=0.1', gzip).decide(gzip), 'header_compressor_used');
  assert.equal(neg('identity', gzip).decide(gzip), 'header_identity');
  assert.equal(neg('*', gzip).decide(gzip), 'header_wildcard');
  assert.equal(neg('*;q=1, gzip;q=0', gzip).decide(gzip), 'header_not_valid');
  assert.equal(neg('gzip;q=0', gzip).decide(gzip), 'header_not_valid');
  assert.equal(neg('deflate', gzip).decide(gzip), 'header_not_valid');
  assert.equal(neg(undefined, gzip).decide(gzip), 'no_accept_header');
});

test('two compressors: the higher q wins, the other is overshadowed; ties go to choose_first', () => {
  const n = neg('gzip;q=0.5, br;q=0.9', gzip, br);
  assert.equal(n.decide(br), 'header_compressor_used');
  assert.equal(n.decide(gzip), 'header_compressor_overshadowed');
  const tie = neg('gzip, br', gzip, br);
  assert.equal(tie.decide(gzip), 'header_compressor_used');
  const brFirst = { encoding: 'br', chooseFirst: true };
  const tie2 = neg('gzip, br', gzip, brFirst);
  assert.equal(tie2.decide(brFirst), 'header_compressor_used');
  assert.equal(tie2.decide(gzip), 'header_compressor_overshadowed');
  // The wildcard goes to the first compressor of the chain.
  const wild = neg('*', gzip, br);
  assert.equal(wild.decide(gzip), 'header_wildcard');
  assert.equal(wild.decide(br), 'header_compressor_overshadowed');
});
