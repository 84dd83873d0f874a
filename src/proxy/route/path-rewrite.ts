// prefix_rewrite / regex_rewrite, shared by RouteAction (forwarding) and
// RedirectAction (Location). Both rewrite only the path part; the query string
// and fragment are kept as they were.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_type_matcher_v3_RegexMatchAndSubstitute } from '../../xds/gen/types.js';
import { RegexSubstitution } from './re2-regex.js';
import type { RouteMatcher } from './route-match.js';
import type { RequestView } from './route-request.js';

/** A compiled path rewrite. */
export type PathRewrite =
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'regex'; readonly substitution: RegexSubstitution };

/**
 * Decodes the prefix_rewrite / regex_rewrite pair of a RouteAction or
 * RedirectAction (`path` is the parent message's path).
 */
export function decodePathRewrite(
  prefix: string | undefined,
  regex: envoy_type_matcher_v3_RegexMatchAndSubstitute | undefined,
  path: string,
  errs: ConfigErrors,
): PathRewrite | undefined {
  if (prefix !== undefined && regex !== undefined) {
    errs.error(path, 'only one of prefix_rewrite, regex_rewrite may be set', CFG.CONFLICT);
    return undefined;
  }
  if (prefix !== undefined) {
    if (/[\0\r\n]/.test(prefix)) {
      errs.error(joinPath(path, 'prefix_rewrite'), 'must not contain NUL, CR or LF');
      return undefined;
    }
    return { kind: 'prefix', prefix };
  }
  if (regex !== undefined) {
    const substitution = RegexSubstitution.decode(regex, joinPath(path, 'regex_rewrite'), errs);
    return substitution ? { kind: 'regex', substitution } : undefined;
  }
  return undefined;
}

/**
 * The new :path (with the original query) after `rw`: prefix_rewrite swaps the
 * matched prefix (the whole path for path and regex matches), regex_rewrite
 * replaces every match in the path.
 */
export function rewritePath(rw: PathRewrite, view: RequestView, match: RouteMatcher): string {
  if (rw.kind === 'regex') return rw.substitution.replaceAll(view.path) + view.suffix;
  return rw.prefix + view.path.slice(match.matchedLength(view)) + view.suffix;
}
