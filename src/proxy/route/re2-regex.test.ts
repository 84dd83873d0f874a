import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../../common/errors.js';
import { fullMatchRegExp, RegexSubstitution, translateRe2, Re2SyntaxError } from './re2-regex.js';

const full = (p: string) => fullMatchRegExp(translateRe2(p));

test('safe_regex matches the whole input, not a substring', () => {
  const cases: [string, string, boolean][] = [
    ['/api/v[0-9]+', '/api/v12', true],
    ['/api/v[0-9]+', '/api/v12/x', false],
    ['/api/v[0-9]+', 'x/api/v1', false],
    ['a|b', 'a', true],
    ['a|b', 'ab', false], // alternation is grouped before anchoring
    ['(?i)/ABC', '/abc', true],
    ['\\d{3}', '123', true],
    ['\\d{3}', '1234', false],
    ['.*', '', true],
    ['a.c', 'a\nc', false], // . does not match newline by default
    ['(?s)a.c', 'a\nc', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['[[:digit:]]+', '42', true],
    ['[[:alpha:]_]+', 'ab_c', true],
    ['[]a]', ']', true],
    ['\\x41\\x{42}', 'AB', true],
    ['\\101', 'A', true], // octal
    ['\\pL+', 'héllo', true],
    ['\\p{Greek}+', 'αβγ', true],
    ['a{2}', 'aa', true],
    ['a{,2}', 'a{,2}', true], // not a repetition in RE2: literal
    ['\\Aab\\z', 'ab', true],
    ['\\s', '\u00a0', false], // RE2's \s is ASCII only
    ['\\s', '\t', true],
    ['(?P<ver>v\\d)', 'v1', true],
    ['a\\-b', 'a-b', true],
  ];
  for (const [pattern, input, want] of cases) {
    assert.equal(full(pattern).test(input), want, `${pattern} on ${JSON.stringify(input)}`);
  }
});

test('constructs RE2 rejects are refused with a clear reason', () => {
  const cases: [string, RegExp][] = [
    ['(?=a)b', /lookahead/],
    ['(?!a)b', /lookahead/],
    ['(?<=a)b', /lookbehind/],
    ['(?<!a)b', /lookbehind/],
    ['(a)\\1', /backreference/],
    ['(?P<x>a)(?P=x)', /backreference/],
    ['\\k<x>', /backreference/],
    ['a++', /possessive/],
    ['a**', /repetition/],
    ['a{1001}', /1000/],
    ['\\Z', /\\Z/],
    ['\\C', /any byte/],
    ['\\q', /invalid escape/],
    ['a(?i)b', /prefix of the whole pattern/],
    ['(?i:a)', /prefix of the whole pattern/],
    ['(?U)a', /ungreedy/],
    ['[a', /missing closing/],
    ['(a', /./],
    ['[[:foo:]]', /invalid character class/],
  ];
  for (const [pattern, reason] of cases) {
    assert.throws(() => translateRe2(pattern), (e: unknown) => e instanceof Re2SyntaxError && reason.test(e.message), pattern);
  }
});

test('capture groups are counted, named ones included, non-capturing ones not', () => {
  assert.equal(translateRe2('(a)(?:b)(?P<c>c)').groupCount, 2);
  assert.equal(translateRe2('[(]').groupCount, 0);
});

test('regex substitution: RE2 \\N group references, every match replaced', () => {
  const errs = new ConfigErrors();
  const s = RegexSubstitution.decode({ pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' }, 'rw', errs)!;
  assert.equal(s.replaceAll('/service/foo/v1/api'), '/v1/api/instance/foo');
  const all = RegexSubstitution.decode({ pattern: { regex: 'o' }, substitution: '0' }, 'rw', errs)!;
  assert.equal(all.replaceAll('/foo/boo'), '/f00/b00');
  const whole = RegexSubstitution.decode({ pattern: { regex: 'a+' }, substitution: '<\\0>\\\\$1' }, 'rw', errs)!;
  assert.equal(whole.replaceAll('xaay'), 'x<aa>\\$1y'); // $ is literal, \\ is one backslash
  assert.equal(errs.hasErrors, false);
});

test('regex substitution errors name the field', () => {
  const errs = new ConfigErrors();
  assert.equal(RegexSubstitution.decode({ pattern: { regex: '(a)' }, substitution: '\\2' }, 'rw', errs), undefined);
  assert.equal(RegexSubstitution.decode({ pattern: { regex: 'a' }, substitution: '\\x' }, 'rw2', errs), undefined);
  assert.equal(RegexSubstitution.decode({ pattern: { regex: '(?=a)' }, substitution: '' }, 'rw3', errs), undefined);
  assert.deepEqual(errs.errors.map((e) => e.path), ['rw.substitution', 'rw2.substitution', 'rw3.pattern.regex']);
  assert.match(errs.errors[0]!.message, /group \\2 but the pattern has 1/);
});
