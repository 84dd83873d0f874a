// envoy.extensions.filters.http.csrf.v3.CsrfPolicy: the filter's config and
// its per-route override (same message), decoded into an immutable policy.
import { ConfigErrors, joinPath } from '../../../common/errors.js';
import { checkSupported } from '../../config/support.js';
import { decodeStringMatcher, type StringPredicate } from '../../route/string-matcher.js';
import type { AnyMessage, envoy_extensions_filters_http_csrf_v3_CsrfPolicy } from '../../../xds/gen/types.js';
import { runtimeFraction } from '../local-ratelimit/decode-http.js';

export const CSRF_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy';

export interface CsrfPolicy {
  /** Probabilities in [0, 1] (runtime keys are not read: the default values apply). */
  readonly filterEnabled: number;
  readonly shadowEnabled: number;
  /** Matched against the source origin's host[:port]. */
  readonly additionalOrigins: readonly StringPredicate[];
}

export function decodeCsrfPolicy(cfg: AnyMessage, path: string, errs: ConfigErrors): CsrfPolicy | undefined {
  const p = cfg as envoy_extensions_filters_http_csrf_v3_CsrfPolicy;
  const before = errs.errors.length;
  checkSupported(p, path, errs, ['filter_enabled', 'shadow_enabled', 'additional_origins']);
  if (!p.filter_enabled) errs.required(joinPath(path, 'filter_enabled'), 'filter_enabled is required');
  const filterEnabled = runtimeFraction(p.filter_enabled, joinPath(path, 'filter_enabled'), errs, 0);
  const shadowEnabled = runtimeFraction(p.shadow_enabled, joinPath(path, 'shadow_enabled'), errs, 0);
  const additionalOrigins: StringPredicate[] = [];
  (p.additional_origins ?? []).forEach((m, i) => {
    const pred = decodeStringMatcher(m, joinPath(joinPath(path, 'additional_origins'), i), errs);
    if (pred) additionalOrigins.push(pred);
  });
  if (errs.errors.length > before) return undefined;
  return { filterEnabled, shadowEnabled, additionalOrigins };
}
