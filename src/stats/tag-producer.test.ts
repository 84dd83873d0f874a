import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TagProducer, defaultTagProducer } from './tag-producer.js';
import { RegexTagExtractor, TagExtractionContext, TokenTagExtractor, regexPrefixToken } from './tag-extractor.js';

const p = defaultTagProducer();

function tags(name: string): [string, [string, string][]] {
  const r = p.produce(name);
  return [r.tagExtractedName, r.tags.map((t) => [t.name, t.value])];
}

test('cluster name', () => {
  assert.deepEqual(tags('cluster.service1.upstream_rq_total'), ['cluster.upstream_rq_total', [['envoy.cluster_name', 'service1']]]);
  // A cluster name is one segment: Istio's dotted names need Istio's own stats_tags regex.
  assert.deepEqual(tags('cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_cx_active')[1], [['envoy.cluster_name', 'outbound|9080|v1|reviews']]);
});

test('response code and class come before the cluster name', () => {
  assert.deepEqual(tags('cluster.x.upstream_rq_200'), ['cluster.upstream_rq', [['envoy.response_code', '200'], ['envoy.cluster_name', 'x']]]);
  assert.deepEqual(tags('cluster.x.upstream_rq_2xx'), ['cluster.upstream_rq_xx', [['envoy.response_code_class', '2'], ['envoy.cluster_name', 'x']]]);
  // Not a code: four digits, or no _rq_ segment.
  assert.deepEqual(tags('cluster.x.upstream_rq_2000')[0], 'cluster.upstream_rq_2000');
  assert.deepEqual(tags('cluster.x.upstream_cx_200')[0], 'cluster.upstream_cx_200');
});

test('HTTP connection manager prefix', () => {
  assert.deepEqual(tags('http.ingress_http.downstream_rq_total'), ['http.downstream_rq_total', [['envoy.http_conn_manager_prefix', 'ingress_http']]]);
  assert.deepEqual(tags('http.ingress_http.downstream_rq_2xx'), [
    'http.downstream_rq_xx',
    [['envoy.response_code_class', '2'], ['envoy.http_conn_manager_prefix', 'ingress_http']],
  ]);
  assert.deepEqual(tags('http.ingress_http.downstream_rq_time')[0], 'http.downstream_rq_time');
});

test('listener address, IPv4, IPv6 and stat_prefix; admin is not an address', () => {
  assert.deepEqual(tags('listener.0.0.0.0_80.downstream_cx_total'), ['listener.downstream_cx_total', [['envoy.listener_address', '0.0.0.0_80']]]);
  assert.deepEqual(tags('listener.[__1]_15001.downstream_cx_active'), ['listener.downstream_cx_active', [['envoy.listener_address', '[__1]_15001']]]);
  assert.deepEqual(tags('listener.virtualInbound.downstream_cx_total'), ['listener.downstream_cx_total', [['envoy.listener_address', 'virtualInbound']]]);
  assert.deepEqual(tags('listener.admin.downstream_cx_total'), ['listener.admin.downstream_cx_total', []]);
});

test('listener HTTP stats carry class, prefix and address', () => {
  assert.deepEqual(tags('listener.0.0.0.0_80.http.ingress_http.downstream_rq_2xx'), [
    'listener.http.downstream_rq_xx',
    [['envoy.response_code_class', '2'], ['envoy.http_conn_manager_prefix', 'ingress_http'], ['envoy.listener_address', '0.0.0.0_80']],
  ]);
});

test('circuit breaker priority stays in the name (Envoy has no priority extractor)', () => {
  assert.deepEqual(tags('cluster.x.circuit_breakers.default.rq_open'), ['cluster.circuit_breakers.default.rq_open', [['envoy.cluster_name', 'x']]]);
  assert.deepEqual(tags('cluster.x.circuit_breakers.high.cx_open')[0], 'cluster.circuit_breakers.high.cx_open');
});

test('worker id, vhost, vcluster, route, rds, tcp, local rate limit, rbac, ssl', () => {
  // Envoy cuts only the worker number, leaving `worker_` in the name.
  assert.deepEqual(tags('listener.0.0.0.0_80.worker_3.downstream_cx_total'), [
    'listener.worker_downstream_cx_total',
    [['envoy.worker_id', '3'], ['envoy.listener_address', '0.0.0.0_80']],
  ]);
  assert.deepEqual(tags('server.worker_0.watchdog_miss'), ['server.worker_watchdog_miss', [['envoy.worker_id', '0']]]);
  assert.deepEqual(tags('vhost.vh1.vcluster.other.upstream_rq_503'), [
    'vhost.vcluster.upstream_rq',
    [['envoy.response_code', '503'], ['envoy.virtual_cluster', 'other'], ['envoy.virtual_host', 'vh1']],
  ]);
  assert.deepEqual(tags('vhost.vh1.route.r1.upstream_rq_total')[1], [['envoy.virtual_host', 'vh1'], ['envoy.route', 'r1']]);
  assert.deepEqual(tags('http.hcm.rds.my.route.cfg.config_reload'), [
    'http.rds.config_reload',
    [['envoy.rds_route_config', 'my.route.cfg'], ['envoy.http_conn_manager_prefix', 'hcm']],
  ]);
  assert.deepEqual(tags('tcp.mysql.downstream_cx_total'), ['tcp.downstream_cx_total', [['envoy.tcp_prefix', 'mysql']]]);
  assert.deepEqual(tags('rl.http_local_rate_limit.rate_limited'), ['http_local_rate_limit.rate_limited', [['envoy.local_http_ratelimit_prefix', 'rl']]]);
  assert.deepEqual(tags('local_rate_limit.net.rate_limited'), ['local_rate_limit.rate_limited', [['envoy.local_network_ratelimit_prefix', 'net']]]);
  assert.deepEqual(tags('http.hcm.rbac.policy.deny-all.denied'), [
    'http.rbac.policy.denied',
    [['envoy.rbac_policy_name', 'deny-all'], ['envoy.http_conn_manager_prefix', 'hcm']],
  ]);
  assert.deepEqual(tags('http.hcm.rbac.mine.allowed')[1], [['envoy.rbac_http_prefix', 'mine'], ['envoy.http_conn_manager_prefix', 'hcm']]);
  assert.deepEqual(tags('tcp_rbac.rbac.allowed'), ['rbac.allowed', [['envoy.rbac_prefix', 'tcp_rbac']]]);
  assert.deepEqual(tags('cluster.x.ssl.ciphers.ECDHE-RSA-AES128-GCM-SHA256'), [
    'cluster.ssl.ciphers',
    [['cipher_suite', 'ECDHE-RSA-AES128-GCM-SHA256'], ['envoy.cluster_name', 'x']],
  ]);
});

test('names with no tags pass through', () => {
  assert.deepEqual(tags('server.live'), ['server.live', []]);
  assert.deepEqual(tags('cluster_manager.active_clusters'), ['cluster_manager.active_clusters', []]);
});

test('custom regex tags, fixed tags and turning defaults off', () => {
  const custom = new TagProducer({
    statsTags: [
      { tagName: 'mesh', fixedValue: 'm1' },
      { tagName: 'reporter', regex: '(reporter=\\.=(.*?);\\.;)' },
    ],
  });
  const r = custom.produce('reporter=.=destination;.;istio_requests_total');
  assert.equal(r.tagExtractedName, 'istio_requests_total');
  assert.deepEqual(r.tags, [{ name: 'mesh', value: 'm1' }, { name: 'reporter', value: 'destination' }]);
  assert.deepEqual(custom.produce('cluster.a.upstream_rq_200').tags.map((t) => t.name), ['mesh', 'envoy.response_code', 'envoy.cluster_name']);

  const onlyCluster = new TagProducer({ useAllDefaultTags: false, statsTags: [{ tagName: 'envoy.cluster_name' }] });
  assert.deepEqual(onlyCluster.produce('cluster.a.upstream_rq_200'), { tagExtractedName: 'cluster.upstream_rq_200', tags: [{ name: 'envoy.cluster_name', value: 'a' }] });
  assert.throws(() => new TagProducer({ statsTags: [{ tagName: 'envoy.cluster_name' }] }), /specified twice/);
  assert.throws(() => new TagProducer({ useAllDefaultTags: false, statsTags: [{ tagName: 'nope' }] }), /no default/);
});

test("Istio's bootstrap tags: dotted cluster names with its own regex", () => {
  const istio = new TagProducer({
    useAllDefaultTags: false,
    statsTags: [
      { tagName: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)' },
      { tagName: 'response_code', regex: '_rq(_(\\d{3}))$' },
    ],
  });
  const r = istio.produce('cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_rq_200');
  assert.equal(r.tagExtractedName, 'cluster.upstream_rq');
  // Extractors with no literal first token run first, as in Envoy.
  assert.deepEqual(r.tags, [
    { name: 'response_code', value: '200' },
    { name: 'cluster_name', value: 'outbound|9080|v1|reviews.default.svc.cluster.local' },
  ]);
});

test('regex prefix token follows Envoy: literal first token followed by a dot', () => {
  assert.equal(regexPrefixToken('^cluster\\.((.*?)\\.)'), 'cluster');
  assert.equal(regexPrefixToken('^listener(?=\\.).*?'), 'listener');
  assert.equal(regexPrefixToken('^(?:listener|cluster)\\.'), '');
  assert.equal(regexPrefixToken('_rq(_(\\d{3}))$'), '');
  assert.equal(regexPrefixToken('^foo$'), 'foo');
});

test('token extractor: value in the middle, at the end, with ** in the middle', () => {
  const ctx = (name: string, x: TokenTagExtractor): [boolean, string, string] => {
    const c = new TagExtractionContext(name);
    const ok = x.extract(c);
    return [ok, c.tagExtractedName(), c.tags[0]?.value ?? ''];
  };
  assert.deepEqual(ctx('a.b.c', new TokenTagExtractor('t', 'a.$.**')), [true, 'a.c', 'b']);
  assert.deepEqual(ctx('a.b', new TokenTagExtractor('t', 'a.$.**')), [false, 'a.b', '']);
  assert.deepEqual(ctx('a.b', new TokenTagExtractor('t', 'a.$')), [true, 'a', 'b']);
  assert.deepEqual(ctx('a.x.b.b.c.d', new TokenTagExtractor('t', 'a.**.b.c.$')), [true, 'a.x.b.b.c', 'd']);
  assert.deepEqual(ctx('z.b.c', new TokenTagExtractor('t', 'a.$.**')), [false, 'z.b.c', '']);
});

test('regex extractor: one group is both cut and value; negative match skips', () => {
  const c = new TagExtractionContext('foo.bar.baz');
  assert.equal(new RegexTagExtractor('t', '\\.(bar)\\.').extract(c), true);
  assert.equal(c.tagExtractedName(), 'foo..baz');
  assert.deepEqual(c.tags, [{ name: 't', value: 'bar' }]);
  const d = new TagExtractionContext('foo.bar.baz');
  assert.equal(new RegexTagExtractor('t', '^foo\\.((bar)\\.)', '', 'bar').extract(d), false);
  assert.equal(new RegexTagExtractor('t', '^foo\\.((bar)\\.)', '.qq.').extract(d), false, 'substr pre-check');
});
