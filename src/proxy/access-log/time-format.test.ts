import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTimeFormat, formatDefaultStartTime } from './time-format.js';

const T = Date.UTC(2016, 3, 15, 20, 17, 5, 310); // Friday

test('default START_TIME is ISO-8601 UTC with milliseconds', () => {
  assert.equal(formatDefaultStartTime(T), '2016-04-15T20:17:05.310Z');
  assert.equal(formatDefaultStartTime(T + 2), '2016-04-15T20:17:05.312Z');
  assert.equal(formatDefaultStartTime(T + 1000), '2016-04-15T20:17:06.310Z');
  assert.equal(formatDefaultStartTime(Date.UTC(2020, 0, 1, 0, 0, 0, 7)), '2020-01-01T00:00:00.007Z');
});

test('strftime fields in UTC', () => {
  assert.equal(compileTimeFormat('%Y-%m-%dT%H:%M:%SZ')(T), '2016-04-15T20:17:05Z');
  assert.equal(compileTimeFormat('%y %j %a %A %b %B %p %I %e %Z %z')(T), '16 106 Fri Friday Apr April PM 08 15 UTC +0000');
  assert.equal(compileTimeFormat('%F %T %D %R %%')(T), '2016-04-15 20:17:05 04/15/16 20:17 %');
});

test('Envoy extras: %s, %f, %Nf, %E3S, %E*S', () => {
  assert.equal(compileTimeFormat('%s')(T), String(Math.floor(T / 1000)));
  assert.equal(compileTimeFormat('%f')(T), '310000000');
  assert.equal(compileTimeFormat('%3f|%1f|%6f')(T), '310|3|310000');
  assert.equal(compileTimeFormat('%Y-%m-%dT%H:%M:%S.%3fZ')(T), '2016-04-15T20:17:05.310Z');
  assert.equal(compileTimeFormat('%E3S')(T), '05.310');
  assert.equal(compileTimeFormat('%E*S')(T), '05.31');
  assert.equal(compileTimeFormat('%E*S')(T - 310), '05');
});

test('second-resolution formats are cached per second but still change with the second', () => {
  const r = compileTimeFormat('%H:%M:%S');
  assert.equal(r(T), '20:17:05');
  assert.equal(r(T + 500), '20:17:05');
  assert.equal(r(T + 700), '20:17:06');
});

test('unknown specifiers are kept literally', () => {
  assert.equal(compileTimeFormat('%Q-%Y')(T), '%Q-2016');
});
