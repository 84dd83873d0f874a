// stats_config.stats_tags with Istio's tag rules (its bootstrap sets
// use_all_default_tags: false and its own extractors): a cluster named
// outbound|9080|v1|details.default.svc.cluster.local becomes one
// `cluster_name` label on envoy_cluster_* metrics, as Istio's dashboards expect.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parsePrometheusText, type PromFamily } from '../../src/stats/prometheus-text-parser.js';
import { bootstrap, request, staticCluster, startProxy, startUpstream, type RunningProxy, type Upstream } from '../helpers/proxy-harness.js';

const CLUSTER = 'outbound|9080|v1|details.default.svc.cluster.local';

/** The first tag rules of Istio's envoy_bootstrap.json (tools/packaging/common), as a user's bootstrap carries them. */
const ISTIO_STATS_CONFIG = String.raw`
stats_config:
  use_all_default_tags: false
  stats_tags:
  - tag_name: cluster_name
    regex: '^cluster\.((.+?(\..+?\.svc\.cluster\.local)?)\.)'
  - tag_name: tcp_prefix
    regex: '^tcp\.((.*?)\.)\w+?$'
  - regex: '_rq(_(\d{3}))$'
    tag_name: response_code
  - tag_name: response_code_class
    regex: '_rq(_(\dxx))$'
  - tag_name: http_conn_manager_listener_prefix
    regex: '^listener(?=\.).*?\.http\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.)'
  - tag_name: http_conn_manager_prefix
    regex: '^http\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.)'
  - tag_name: listener_address
    regex: '^listener\.(((?:[_.[:digit:]]*|[_\[\]aAbBcCdDeEfF[:digit:]]*))\.)'
  - tag_name: mongo_prefix
    regex: '^mongo\.(.+?)\.(collection|cmd|cx_|op_|delays_|decoding_)(.*?)$'
  - tag_name: mesh
    fixed_value: demo
`;

function value(fams: Map<string, PromFamily>, family: string, labels: Record<string, string>): number | undefined {
  return fams.get(family)?.samples.find((s) => s.name === family && Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(statsConfig: string): Promise<Map<string, PromFamily>> {
  let up: Upstream | undefined;
  let px: RunningProxy | undefined;
  try {
    up = await startUpstream('details');
    px = await startProxy(bootstrap({
      routes: `              - match: { prefix: "/" }
                route: { cluster: "${CLUSTER}" }`,
      clusters: staticCluster(`"${CLUSTER}"`, [up.port]),
    }) + statsConfig);
    for (let i = 0; i < 3; i++) assert.equal((await request({ port: px.port(), path: '/' })).status, 200);
    return parsePrometheusText((await px.admin('/stats/prometheus')).body);
  } finally {
    await px?.close();
    await up?.close();
  }
}

describe('stats_tags: Istio tag rules in the Prometheus output', { timeout: 10_000 }, () => {
  let istio: Map<string, PromFamily>;
  let envoyDefaults: Map<string, PromFamily>;
  before(async () => {
    istio = await scrape(ISTIO_STATS_CONFIG);
    envoyDefaults = await scrape('');
  });

  it('the cluster is one cluster_name label; fixed_value tags every stat', () => {
    assert.equal(value(istio, 'envoy_cluster_upstream_rq_total', { cluster_name: CLUSTER, mesh: 'demo' }), 3);
    assert.equal(value(istio, 'envoy_cluster_upstream_rq', { response_code: '200', cluster_name: CLUSTER, mesh: 'demo' }), 3);
    assert.ok(![...istio.keys()].some((n) => n.includes('details')), 'the cluster name is not part of any metric name');
  });

  it('Envoy\'s default extractors (use_all_default_tags unset) cut the name at its first dot, as in Envoy', () => {
    // cluster.$.** takes "outbound|9080|v1|details"; the rest of the name stays in the metric name
    assert.equal(value(envoyDefaults, 'envoy_cluster_default_svc_cluster_local_upstream_rq_total', { envoy_cluster_name: 'outbound|9080|v1|details' }), 3);
    assert.equal(value(istio, 'envoy_cluster_upstream_rq_total', { envoy_cluster_name: CLUSTER }), undefined);
  });
});
