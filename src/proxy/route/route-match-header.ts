// RouteMatch.headers: envoy.config.route.v3.HeaderMatcher compiled to a
// condition on the request. Repeated headers are joined with "," before
// matching, pseudo-headers come from request fields (RequestView.header).
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_route_v3_HeaderMatcher } from '../../xds/gen/types.js';
import { decodeRegexMatcher, fullMatchRegExp } from './re2-regex.js';
import { decodeStringMatcher, StringPredicate } from './string-matcher.js';
import type { RequestView } from './route-request.js';

/** One compiled header condition. */
export interface HeaderCondition {
  readonly name: string;
  matches(view: RequestView): boolean;
}

const SPECIFIERS = [
  'exact_match', 'safe_regex_match', 'range_match', 'present_match',
  'prefix_match', 'suffix_match', 'contains_match', 'string_match',
] as const;

const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/;
// absl::SimpleAtoi: optional surrounding whitespace and sign, decimal digits only.
const INTEGER = /^\s*[+-]?\d+\s*$/;

/** Decodes one HeaderMatcher; undefined (errors reported) when unusable. */
export function decodeHeaderMatcher(m: envoy_config_route_v3_HeaderMatcher, path: string, errs: ConfigErrors): HeaderCondition | undefined {
  checkSupported(m, path, errs, ['name', ...SPECIFIERS, 'invert_match', 'treat_missing_header_as_empty']);
  const name = (m.name ?? '').toLowerCase();
  let ok = true;
  if (!HEADER_NAME.test(name)) {
    errs.error(joinPath(path, 'name'), `invalid header name ${JSON.stringify(m.name ?? '')}`);
    ok = false;
  }
  const set = SPECIFIERS.filter((k) => m[k] !== undefined);
  if (set.length > 1) {
    errs.error(path, `only one of ${SPECIFIERS.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  const invert = m.invert_match === true;
  const missingAsEmpty = m.treat_missing_header_as_empty === true;
  const kind = set[0];

  if (kind === 'present_match') {
    const want = m.present_match === true;
    return ok ? { name, matches: (v) => ((v.header(name) !== undefined) === want) !== invert } : undefined;
  }

  let test: StringPredicate | undefined;
  switch (kind) {
    case undefined:
      // No specifier: the header only has to be present.
      test = () => true;
      break;
    case 'exact_match': {
      const want = m.exact_match!;
      // Envoy treats an empty exact_match as "any value".
      test = want === '' ? () => true : (s) => s === want;
      break;
    }
    case 'prefix_match':
    case 'suffix_match':
    case 'contains_match': {
      const want = m[kind]!;
      if (want === '') {
        errs.error(joinPath(path, kind), 'must not be empty');
        return undefined;
      }
      test = kind === 'prefix_match' ? (s) => s.startsWith(want) : kind === 'suffix_match' ? (s) => s.endsWith(want) : (s) => s.includes(want);
      break;
    }
    case 'safe_regex_match': {
      const p = decodeRegexMatcher(m.safe_regex_match, joinPath(path, 'safe_regex_match'), errs);
      if (!p) return undefined;
      const re = fullMatchRegExp(p);
      test = (s) => re.test(s);
      break;
    }
    case 'range_match': {
      const r = m.range_match!;
      checkSupported(r, joinPath(path, 'range_match'), errs, ['start', 'end']);
      const start = BigInt(Math.trunc(r.start ?? 0));
      const end = BigInt(Math.trunc(r.end ?? 0));
      if (start >= end) errs.warn(joinPath(path, 'range_match'), `empty range [${start},${end}) never matches`);
      test = (s) => {
        if (!INTEGER.test(s)) return false;
        const n = BigInt(s.trim());
        return n >= start && n < end;
      };
      break;
    }
    case 'string_match':
      test = decodeStringMatcher(m.string_match!, joinPath(path, 'string_match'), errs);
      if (!test) return undefined;
      break;
  }
  if (!ok) return undefined;
  const t = test!;
  return {
    name,
    matches(v) {
      let value = v.header(name);
      if (value === undefined) {
        // A missing header never matches (inverted or not) unless it is to be treated as "".
        if (!missingAsEmpty) return false;
        value = '';
      }
      return t(value) !== invert;
    },
  };
}
