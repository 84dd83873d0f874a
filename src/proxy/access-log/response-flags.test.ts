import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DC, DF, DI, DO, DPE, DT, FI, IH, LH, LR, NC, NFCF, NR, OM, RESPONSE_FLAGS, RFCF, RL, RLSE, SI, UAEX, UC, UF, UH, UMSDR, UO,
  UPE, UR, URX, UT, responseFlagBit, responseFlagsToLongString, responseFlagsToString,
} from './response-flags.js';

test('every flag has a distinct bit, listed in Envoy order', () => {
  const order = [LH, UH, UT, LR, UR, UF, UC, UO, NR, DI, FI, RL, UAEX, RLSE, DC, URX, SI, IH, DPE, UMSDR, RFCF, NFCF, DT, UPE, NC, OM, DF, DO];
  assert.deepEqual(RESPONSE_FLAGS.map((f) => f.bit), order);
  assert.equal(new Set(order).size, order.length);
  assert.deepEqual(
    RESPONSE_FLAGS.map((f) => f.short),
    ['LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH', 'DPE', 'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO'],
  );
});

test('no flag prints as -', () => {
  assert.equal(responseFlagsToString(0), '-');
  assert.equal(responseFlagsToLongString(0), '-');
});

test('flags print comma-separated in Envoy order, whatever order they were set', () => {
  assert.equal(responseFlagsToString(DC | UH), 'UH,DC');
  assert.equal(responseFlagsToString(URX | UF | UO), 'UF,UO,URX');
  assert.equal(responseFlagsToString(NR), 'NR');
  assert.equal(responseFlagsToLongString(UF | URX), 'UpstreamConnectionFailure,UpstreamRetryLimitExceeded');
  // Cached results stay correct on the second call.
  assert.equal(responseFlagsToString(DC | UH), 'UH,DC');
});

test('short names map back to bits', () => {
  assert.equal(responseFlagBit('UH'), UH);
  assert.equal(responseFlagBit('UMSDR'), UMSDR);
  assert.equal(responseFlagBit('XX'), undefined);
});
