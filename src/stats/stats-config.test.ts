import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../common/errors.js';
import type { envoy_type_matcher_v3_StringMatcher } from '../xds/gen/types.js';
import { decodeStatsConfig, type StringMatcherDecoder } from './stats-config.js';
import { StatsStore } from './stats-store.js';

// A minimal matcher decoder standing in for the proxy's (prefix/suffix/exact only).
const decodeMatcher: StringMatcherDecoder = (m: envoy_type_matcher_v3_StringMatcher, path, errs) => {
  if (m.prefix !== undefined) return (s) => s.startsWith(m.prefix!);
  if (m.suffix !== undefined) return (s) => s.endsWith(m.suffix!);
  if (m.exact !== undefined) return (s) => s === m.exact;
  errs.error(path, 'unsupported matcher');
  return undefined;
};

test('unset config gives Envoy defaults', () => {
  const errs = new ConfigErrors();
  assert.deepEqual(decodeStatsConfig(undefined, 'stats_config', errs, decodeMatcher), {});
  assert.equal(errs.issues.length, 0);
});

test('stats_tags and use_all_default_tags build a tag producer', () => {
  const errs = new ConfigErrors();
  const opts = decodeStatsConfig(
    { use_all_default_tags: { value: false }, stats_tags: [{ tag_name: 'envoy.cluster_name' }, { tag_name: 'mesh', fixed_value: 'm' }] },
    'stats_config',
    errs,
    decodeMatcher,
  );
  assert.equal(errs.issues.length, 0, errs.format());
  const s = new StatsStore(opts);
  assert.deepEqual(s.counter('cluster.a.upstream_rq_200').meta.tags, [{ name: 'mesh', value: 'm' }, { name: 'envoy.cluster_name', value: 'a' }]);
});

test('every stats_tags problem is reported with its path', () => {
  const errs = new ConfigErrors();
  decodeStatsConfig(
    {
      stats_tags: [
        { tag_name: 'envoy.cluster_name' },
        { tag_name: '' },
        { tag_name: 'x', regex: '(' },
        { tag_name: 'y', regex: 'a', fixed_value: 'b' },
        { tag_name: 'x2', regex: '(a)' },
        { tag_name: 'x2', regex: '(b)' },
      ],
    },
    'stats_config',
    errs,
    decodeMatcher,
  );
  assert.deepEqual(errs.errors.map((e) => e.path), [
    'stats_config.stats_tags[0].tag_name',
    'stats_config.stats_tags[1].tag_name',
    'stats_config.stats_tags[2].regex',
    'stats_config.stats_tags[3]',
    'stats_config.stats_tags[5].tag_name',
  ]);
});

test('stats_matcher inclusion list, exclusion list, reject_all', () => {
  const inc = decodeStatsConfig({ stats_matcher: { inclusion_list: { patterns: [{ prefix: 'cluster.' }, { suffix: '.live' }] } } }, 'c', new ConfigErrors(), decodeMatcher);
  assert.equal(inc.acceptStat!('cluster.a.x'), true);
  assert.equal(inc.acceptStat!('server.live'), true);
  assert.equal(inc.acceptStat!('http.a.x'), false);
  const exc = decodeStatsConfig({ stats_matcher: { exclusion_list: { patterns: [{ prefix: 'cluster.' }] } } }, 'c', new ConfigErrors(), decodeMatcher);
  assert.equal(exc.acceptStat!('cluster.a.x'), false);
  assert.equal(exc.acceptStat!('http.a.x'), true);
  const rej = decodeStatsConfig({ stats_matcher: { reject_all: true } }, 'c', new ConfigErrors(), decodeMatcher);
  assert.equal(rej.acceptStat!('anything'), false);
  const errs = new ConfigErrors();
  decodeStatsConfig({ stats_matcher: { reject_all: true, inclusion_list: { patterns: [] } } }, 'c', errs, decodeMatcher);
  assert.equal(errs.errors[0]?.path, 'c.stats_matcher');
});

test('histogram_bucket_settings: first match wins, buckets validated', () => {
  const errs = new ConfigErrors();
  const opts = decodeStatsConfig(
    { histogram_bucket_settings: [{ match: { suffix: '_time' }, buckets: [100, 10] }, { match: { prefix: 'cluster.' }, buckets: [1] }] },
    'c',
    errs,
    decodeMatcher,
  );
  assert.equal(errs.issues.length, 0);
  assert.deepEqual(opts.histogramBuckets!('cluster.a.upstream_rq_time'), [10, 100]);
  assert.deepEqual(opts.histogramBuckets!('cluster.a.upstream_cx_length'), [1]);
  assert.equal(opts.histogramBuckets!('http.x.y'), undefined);
  const bad = new ConfigErrors();
  decodeStatsConfig({ histogram_bucket_settings: [{ buckets: [0, 0] }] }, 'c', bad, decodeMatcher);
  assert.deepEqual(bad.errors.map((e) => e.message), ['is required', 'every bucket must be > 0', 'buckets must be unique']);
});

test('unknown fields are refused, not ignored', () => {
  const errs = new ConfigErrors();
  decodeStatsConfig({ bogus: 1 } as never, 'c', errs, decodeMatcher);
  assert.equal(errs.errors[0]?.path, 'c.bogus');
});
