// request_mirror_policies → MirrorPolicy: which cluster gets a copy of the
// request, and for what fraction of requests.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import type { envoy_config_route_v3_RouteAction_RequestMirrorPolicy } from '../../xds/gen/types.js';
import { checkSupported, fractionalPercent } from '../config/support.js';

export interface MirrorPolicy {
  readonly cluster?: string;
  readonly clusterHeader?: string;
  /** Probability in [0, 1] (runtime_fraction.default_value; 100% when unset). */
  readonly fraction: number;
  readonly appendShadowSuffix: boolean;
}

export function decodeMirrorPolicies(list: readonly envoy_config_route_v3_RouteAction_RequestMirrorPolicy[], path: string, errs: ConfigErrors): MirrorPolicy[] {
  return list.map((m, i) => {
    const p = joinPath(path, i);
    checkSupported(m, p, errs, ['cluster', 'cluster_header', 'runtime_fraction', 'trace_sampled', 'disable_shadow_host_suffix_append']);
    if (!m.cluster === !m.cluster_header) errs.required(p, 'exactly one of cluster and cluster_header is required');
    if (m.runtime_fraction) checkSupported(m.runtime_fraction, joinPath(p, 'runtime_fraction'), errs, ['default_value', 'runtime_key']);
    return {
      ...(m.cluster ? { cluster: m.cluster } : {}),
      ...(m.cluster_header ? { clusterHeader: m.cluster_header.toLowerCase() } : {}),
      fraction: fractionalPercent(m.runtime_fraction?.default_value, 1),
      appendShadowSuffix: !m.disable_shadow_host_suffix_append,
    };
  });
}

/** Envoy's shadow host: `-shadow` appended to the host name, before any port. */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && authority.indexOf(']', colon) < 0 && /^\d+$/.test(authority.slice(colon + 1))) {
    return `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`;
  }
  return `${authority}-shadow`;
}
