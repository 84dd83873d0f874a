// envoy.type.matcher.v3.StringMatcher compiled to a predicate. Case-insensitive
// variants lower-case the expected value once here; the input is lower-cased per
// call only when ignore_case is set.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_type_matcher_v3_StringMatcher } from '../../xds/gen/types.js';
import { decodeRegexMatcher, fullMatchRegExp } from './re2-regex.js';

/** Tests one string value. */
export type StringPredicate = (value: string) => boolean;

const PATTERNS = ['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const;

/** Decodes a StringMatcher; returns undefined (with errors reported) when unusable. */
export function decodeStringMatcher(m: envoy_type_matcher_v3_StringMatcher, path: string, errs: ConfigErrors): StringPredicate | undefined {
  checkSupported(m, path, errs, [...PATTERNS, 'ignore_case']);
  const set = PATTERNS.filter((k) => m[k] !== undefined);
  if (set.length === 0) {
    if (m.custom === undefined) errs.required(path, `one of ${PATTERNS.join(', ')} is required`);
    return undefined;
  }
  if (set.length > 1) {
    errs.error(path, `only one of ${PATTERNS.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  const ic = m.ignore_case === true;
  const kind = set[0]!;
  if (kind === 'safe_regex') {
    if (ic) {
      errs.error(joinPath(path, 'ignore_case'), 'ignore_case has no effect for safe_regex; use (?i) in the pattern');
      return undefined;
    }
    const p = decodeRegexMatcher(m.safe_regex, joinPath(path, 'safe_regex'), errs);
    if (!p) return undefined;
    const re = fullMatchRegExp(p);
    return (v) => re.test(v);
  }
  const raw = m[kind]!;
  if (kind !== 'exact' && raw === '') {
    errs.error(joinPath(path, kind), 'must not be empty');
    return undefined;
  }
  const want = ic ? raw.toLowerCase() : raw;
  switch (kind) {
    case 'exact': return ic ? (v) => v.toLowerCase() === want : (v) => v === want;
    case 'prefix': return ic ? (v) => v.toLowerCase().startsWith(want) : (v) => v.startsWith(want);
    case 'suffix': return ic ? (v) => v.toLowerCase().endsWith(want) : (v) => v.endsWith(want);
    case 'contains': return ic ? (v) => v.toLowerCase().includes(want) : (v) => v.includes(want);
  }
}
