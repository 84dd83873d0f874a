// RouteAction, DirectResponseAction and their parts, decoded into the
// compiled actions of route-entry.ts.
import { decodeRetryPolicy } from './retry-policy.js';
import { decodeMirrorPolicies } from './mirror-policy.js';
import fs from 'node:fs';
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported, durationMs } from '../config/support.js';
import type {
  envoy_config_route_v3_DirectResponseAction,
  envoy_config_route_v3_HedgePolicy,
  envoy_config_route_v3_RetryPolicy,
  envoy_config_route_v3_RouteAction,
  envoy_config_route_v3_RouteAction_RequestMirrorPolicy,
} from '../../xds/gen/types.js';
import { decodeHashPolicies } from './hash-policy.js';
import { decodePathRewrite } from './path-rewrite.js';
import { RegexSubstitution } from './re2-regex.js';
import { DEFAULT_CLUSTER_NOT_FOUND_STATUS, DEFAULT_ROUTE_TIMEOUT_MS } from './route-defaults.js';
import type { DirectResponseRouteAction, ForwardAction, HostRewrite } from './route-entry.js';
import { ClusterSpecifier, decodeWeightedClusters } from './weighted-clusters.js';

/** What a RouteAction inherits from its virtual host when it does not set it. */
export interface RouteActionDefaults {
  retryPolicy: envoy_config_route_v3_RetryPolicy | undefined;
  hedgePolicy: envoy_config_route_v3_HedgePolicy | undefined;
  requestMirrorPolicies: readonly envoy_config_route_v3_RouteAction_RequestMirrorPolicy[];
}

const NOT_FOUND_STATUS: Record<string, number> = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };
const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** Decodes a RouteAction; undefined (errors reported) when unusable. */
export function decodeRouteAction(a: envoy_config_route_v3_RouteAction, path: string, errs: ConfigErrors, defaults: RouteActionDefaults): ForwardAction | undefined {
  checkSupported(a, path, errs, [
    'cluster', 'cluster_header', 'weighted_clusters', 'cluster_not_found_response_code',
    'prefix_rewrite', 'regex_rewrite',
    'host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex',
    'timeout', 'idle_timeout', 'retry_policy', 'request_mirror_policies', 'hash_policy',
    'max_stream_duration', 'priority', 'upgrade_configs', 'max_grpc_timeout', 'hedge_policy',
  ]);
  let ok = true;

  // Which cluster.
  const specs = (['cluster', 'cluster_header', 'weighted_clusters', 'cluster_specifier_plugin', 'inline_cluster_specifier_plugin'] as const).filter((k) => a[k] !== undefined);
  let cluster: ClusterSpecifier | undefined;
  if (specs.length === 0) {
    errs.required(path, 'one of cluster, cluster_header, weighted_clusters is required');
  } else if (specs.length > 1) {
    errs.error(path, `only one of cluster, cluster_header, weighted_clusters may be set (found ${specs.join(', ')})`, CFG.CONFLICT);
  } else if (a.cluster !== undefined) {
    if (a.cluster === '') errs.error(joinPath(path, 'cluster'), 'must not be empty');
    else cluster = { kind: 'cluster', name: a.cluster };
  } else if (a.cluster_header !== undefined) {
    const h = a.cluster_header.toLowerCase();
    if (!HEADER_NAME.test(h)) errs.error(joinPath(path, 'cluster_header'), `invalid header name ${JSON.stringify(a.cluster_header)}`);
    else cluster = { kind: 'cluster_header', header: h };
  } else if (a.weighted_clusters !== undefined) {
    cluster = decodeWeightedClusters(a.weighted_clusters, joinPath(path, 'weighted_clusters'), errs);
  }
  if (!cluster) ok = false;

  let clusterNotFoundStatus = DEFAULT_CLUSTER_NOT_FOUND_STATUS;
  if (a.cluster_not_found_response_code !== undefined) {
    const s = NOT_FOUND_STATUS[a.cluster_not_found_response_code];
    if (s === undefined) {
      errs.error(joinPath(path, 'cluster_not_found_response_code'), `unknown value ${String(a.cluster_not_found_response_code)}`);
      ok = false;
    } else clusterNotFoundStatus = s;
  }

  const pathRewrite = decodePathRewrite(a.prefix_rewrite, a.regex_rewrite, path, errs);
  if (a.regex_rewrite !== undefined && !pathRewrite) ok = false;

  // Host rewrite: at most one way.
  const hostKinds = (['host_rewrite_literal', 'auto_host_rewrite', 'host_rewrite_header', 'host_rewrite_path_regex'] as const).filter((k) => a[k] !== undefined);
  let hostRewrite: HostRewrite | undefined;
  if (hostKinds.length > 1) {
    errs.error(path, `only one of host_rewrite_literal, auto_host_rewrite, host_rewrite_header, host_rewrite_path_regex may be set (found ${hostKinds.join(', ')})`, CFG.CONFLICT);
    ok = false;
  } else if (a.host_rewrite_literal !== undefined) {
    if (/[\0\r\n]/.test(a.host_rewrite_literal) || a.host_rewrite_literal === '') {
      errs.error(joinPath(path, 'host_rewrite_literal'), 'must be a non-empty header value');
      ok = false;
    } else hostRewrite = { kind: 'literal', host: a.host_rewrite_literal };
  } else if (a.auto_host_rewrite !== undefined) {
    if (a.auto_host_rewrite.value === true) hostRewrite = { kind: 'auto' };
  } else if (a.host_rewrite_header !== undefined) {
    const h = a.host_rewrite_header.toLowerCase();
    if (!HEADER_NAME.test(h)) {
      errs.error(joinPath(path, 'host_rewrite_header'), `invalid header name ${JSON.stringify(a.host_rewrite_header)}`);
      ok = false;
    } else hostRewrite = { kind: 'header', header: h };
  } else if (a.host_rewrite_path_regex !== undefined) {
    const s = RegexSubstitution.decode(a.host_rewrite_path_regex, joinPath(path, 'host_rewrite_path_regex'), errs);
    if (s) hostRewrite = { kind: 'path_regex', substitution: s };
    else ok = false;
  }

  const timeoutMs = durationMs(a.timeout, DEFAULT_ROUTE_TIMEOUT_MS);
  const idleTimeoutMs = durationMs(a.idle_timeout);
  for (const [field, v] of [['timeout', timeoutMs], ['idle_timeout', idleTimeoutMs]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
      errs.error(joinPath(path, field), 'must be a non-negative duration');
      ok = false;
    }
  }

  if (a.priority !== undefined && a.priority !== 'DEFAULT') {
    errs.error(joinPath(path, 'priority'), `priority ${a.priority} is not supported by weft (only DEFAULT)`, CFG.UNSUPPORTED_VALUE);
    ok = false;
  }

  const upgrades = new Map<string, boolean>();
  (a.upgrade_configs ?? []).forEach((u, i) => {
    const p = joinPath(joinPath(path, 'upgrade_configs'), i);
    checkSupported(u, p, errs, ['upgrade_type', 'enabled']);
    const type = (u.upgrade_type ?? '').toLowerCase();
    if (type === '') {
      errs.required(joinPath(p, 'upgrade_type'), 'upgrade_type is required');
      ok = false;
    } else if (upgrades.has(type)) {
      errs.error(joinPath(p, 'upgrade_type'), `duplicate upgrade ${u.upgrade_type}`, CFG.DUPLICATE);
      ok = false;
    } else upgrades.set(type, u.enabled?.value ?? true);
  });

  const hashPolicy = decodeHashPolicies(a.hash_policy, joinPath(path, 'hash_policy'), errs);
  if (a.hash_policy && a.hash_policy.length > 0 && !hashPolicy) ok = false;

  if (a.max_stream_duration) {
    checkSupported(a.max_stream_duration, joinPath(path, 'max_stream_duration'), errs, ['max_stream_duration', 'grpc_timeout_header_max', 'grpc_timeout_header_offset']);
  }

  // Retry and mirror policies: the route's own are validated here with its
  // path; a virtual host's are validated where the virtual host is decoded.
  const retry = a.retry_policy
    ? decodeRetryPolicy(a.retry_policy, joinPath(path, 'retry_policy'), errs)
    : defaults.retryPolicy ? decodeRetryPolicy(defaults.retryPolicy, path, new ConfigErrors()) : undefined;
  const ownMirrors = a.request_mirror_policies && a.request_mirror_policies.length > 0;
  const mirrors = ownMirrors
    ? decodeMirrorPolicies(a.request_mirror_policies!, joinPath(path, 'request_mirror_policies'), errs)
    : decodeMirrorPolicies(defaults.requestMirrorPolicies, path, new ConfigErrors());
  if (a.hedge_policy) errs.unsupported(joinPath(path, 'hedge_policy'));

  if (!ok || !cluster) return undefined;
  return {
    kind: 'forward',
    retry,
    mirrors,
    cluster,
    clusterNotFoundStatus,
    pathRewrite,
    hostRewrite,
    timeoutMs,
    idleTimeoutMs,
    retryPolicy: a.retry_policy ?? defaults.retryPolicy,
    hedgePolicy: a.hedge_policy ?? defaults.hedgePolicy,
    requestMirrorPolicies: a.request_mirror_policies && a.request_mirror_policies.length > 0 ? a.request_mirror_policies : defaults.requestMirrorPolicies,
    hashPolicy,
    maxStreamDuration: a.max_stream_duration,
    maxGrpcTimeout: a.max_grpc_timeout,
    upgrades,
  };
}

/** Decodes a DirectResponseAction; the body file is read now, not per request. */
export function decodeDirectResponse(d: envoy_config_route_v3_DirectResponseAction, path: string, errs: ConfigErrors, maxBodyBytes: number): DirectResponseRouteAction | undefined {
  checkSupported(d, path, errs, ['status', 'body']);
  let ok = true;
  const status = d.status ?? 0;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    errs.error(joinPath(path, 'status'), `status must be between 100 and 599, got ${status}`);
    ok = false;
  }
  let body: Uint8Array | undefined;
  if (d.body) {
    const bPath = joinPath(path, 'body');
    checkSupported(d.body, bPath, errs, ['inline_string', 'inline_bytes', 'filename']);
    const kinds = (['inline_string', 'inline_bytes', 'filename', 'environment_variable'] as const).filter((k) => d.body![k] !== undefined);
    if (kinds.length > 1) {
      errs.error(bPath, `only one of inline_string, inline_bytes, filename may be set (found ${kinds.join(', ')})`, CFG.CONFLICT);
      ok = false;
    } else if (d.body.inline_string !== undefined) {
      body = Buffer.from(d.body.inline_string, 'utf8');
    } else if (d.body.inline_bytes !== undefined) {
      body = d.body.inline_bytes;
    } else if (d.body.filename !== undefined) {
      try {
        body = fs.readFileSync(d.body.filename);
      } catch (e) {
        errs.error(joinPath(bPath, 'filename'), `cannot read ${JSON.stringify(d.body.filename)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        ok = false;
      }
    }
    if (body && body.length > maxBodyBytes) {
      errs.error(bPath, `response body size is ${body.length} bytes; maximum is ${maxBodyBytes} (max_direct_response_body_size_bytes)`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return { kind: 'direct_response', status, body };
}
