// Istio's stats tag rules, as its sidecar bootstrap template has them
// (tools/packaging/common/envoy_bootstrap.json, `stats_config`), in Envoy's
// field names. With them a stat such as
// `cluster.outbound|9080|v1|details.default.svc.cluster.local.upstream_rq_total`
// becomes `envoy_cluster_upstream_rq_total{cluster_name="outbound|9080|v1|details.default.svc.cluster.local"}`
// in Prometheus output, so Istio's dashboards and queries work unchanged.
// Regexes are Envoy's (ECMAScript syntax with POSIX classes, as Istio writes them).

export const ISTIO_STATS_TAGS: readonly { tag_name: string; regex: string }[] = [
  { tag_name: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)' },
  { tag_name: 'tcp_prefix', regex: '^tcp\\.((.*?)\\.)\\w+?$' },
  { tag_name: 'response_code', regex: '_rq(_(\\d{3}))$' },
  { tag_name: 'response_code_class', regex: '_rq(_(\\dxx))$' },
  { tag_name: 'http_conn_manager_listener_prefix', regex: '^listener(?=\\.).*?\\.http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)' },
  { tag_name: 'http_conn_manager_prefix', regex: '^http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)' },
  { tag_name: 'listener_address', regex: '^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)' },
  { tag_name: 'mongo_prefix', regex: '^mongo\\.(.+?)\\.(collection|cmd|cx_|op_|delays_|decoding_)(.*?)$' },
  { tag_name: 'cache', regex: '(cache\\.(.+?)\\.)' },
  { tag_name: 'component', regex: '(component\\.(.+?)\\.)' },
  { tag_name: 'tag', regex: '(tag\\.(.+?);\\.)' },
  { tag_name: 'wasm_filter', regex: '(wasm_filter\\.(.+?)\\.)' },
  { tag_name: 'authz_enforce_result', regex: 'rbac(\\.(allowed|denied))' },
  { tag_name: 'authz_dry_run_action', regex: '(\\.istio_dry_run_(allow|deny)_)' },
  { tag_name: 'authz_dry_run_result', regex: '(\\.shadow_(allowed|denied))' },
];

/**
 * Istio's `stats_config`: its tag rules only (Envoy's default extractors off,
 * as Istio sets them). Istio's `stats_matcher` inclusion list is left out:
 * weft up keeps every stat, so `/stats` shows what the docs describe.
 */
export function istioStatsConfig(): object {
  return { use_all_default_tags: false, stats_tags: ISTIO_STATS_TAGS.map((t) => ({ ...t })) };
}
