// RouteMatch.query_parameters: envoy.config.route.v3.QueryParameterMatcher.
// Like Envoy, only the first value of a repeated parameter is looked at, and
// names and values are percent-decoded before matching.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_config_route_v3_QueryParameterMatcher } from '../../xds/gen/types.js';
import { decodeStringMatcher } from './string-matcher.js';
import type { RequestView } from './route-request.js';

/** One compiled query parameter condition. */
export interface QueryCondition {
  readonly name: string;
  matches(view: RequestView): boolean;
}

/** Decodes one QueryParameterMatcher; undefined (errors reported) when unusable. */
export function decodeQueryParameterMatcher(m: envoy_config_route_v3_QueryParameterMatcher, path: string, errs: ConfigErrors): QueryCondition | undefined {
  checkSupported(m, path, errs, ['name', 'string_match', 'present_match']);
  const name = m.name ?? '';
  if (name === '' || name.length > 1024) {
    errs.required(joinPath(path, 'name'), 'name is required (1 to 1024 characters)');
    return undefined;
  }
  if (m.string_match !== undefined && m.present_match !== undefined) {
    errs.error(path, 'only one of string_match, present_match may be set', CFG.CONFLICT);
    return undefined;
  }
  if (m.present_match !== undefined) {
    // As in Envoy, present_match: false never matches (absence cannot be expressed here).
    const want = m.present_match;
    return { name, matches: (v) => want && v.queryParam(name) !== undefined };
  }
  if (m.string_match === undefined) return { name, matches: (v) => v.queryParam(name) !== undefined };
  const test = decodeStringMatcher(m.string_match, joinPath(path, 'string_match'), errs);
  if (!test) return undefined;
  return {
    name,
    matches(v) {
      const value = v.queryParam(name);
      return value !== undefined && test(value);
    },
  };
}
