// Decodes the bootstrap's `stats_config` (envoy.config.metrics.v3.StatsConfig)
// into StatsStore options, collecting every error with its field path.
// StringMatcher decoding is passed in by the caller (the proxy's config layer
// owns it), which keeps src/stats free of proxy imports.
import { ConfigErrors, joinPath } from '../common/errors.js';
import type { envoy_config_metrics_v3_StatsConfig, envoy_type_matcher_v3_StringMatcher } from '../xds/gen/types.js';
import type { StatsStoreOptions } from './stats-store.js';
import { compileRe2 } from './tag-extractor.js';
import { TagProducer, type TagSpec } from './tag-producer.js';
import { DEFAULT_TAG_DESCRIPTORS } from './well-known-tags.js';

/** Compiles a StringMatcher to a predicate, reporting problems to `errs`; undefined when unusable. */
export type StringMatcherDecoder = (m: envoy_type_matcher_v3_StringMatcher, path: string, errs: ConfigErrors) => ((s: string) => boolean) | undefined;

const SUPPORTED = ['stats_tags', 'use_all_default_tags', 'stats_matcher', 'histogram_bucket_settings'];

/** StatsStoreOptions for `stats_config` (undefined config gives Envoy's defaults). */
export function decodeStatsConfig(
  cfg: envoy_config_metrics_v3_StatsConfig | undefined,
  path: string,
  errs: ConfigErrors,
  decodeMatcher: StringMatcherDecoder,
): StatsStoreOptions {
  if (!cfg) return {};
  for (const k of Object.keys(cfg)) if (!SUPPORTED.includes(k)) errs.unsupported(joinPath(path, k));
  const opts: StatsStoreOptions = {};

  // stats_tags / use_all_default_tags
  const useAll = cfg.use_all_default_tags?.value ?? true;
  const seen = new Set<string>(useAll ? DEFAULT_TAG_DESCRIPTORS.map((d) => d.name) : []);
  const specs: TagSpec[] = [];
  let tagsOk = true;
  (cfg.stats_tags ?? []).forEach((t, i) => {
    const p = joinPath(joinPath(path, 'stats_tags'), i);
    const name = t.tag_name ?? '';
    if (name === '') { errs.error(joinPath(p, 'tag_name'), 'must not be empty'); tagsOk = false; return; }
    if (seen.has(name)) { errs.error(joinPath(p, 'tag_name'), `tag name '${name}' specified twice`); tagsOk = false; return; }
    seen.add(name);
    if (t.regex !== undefined && t.fixed_value !== undefined) { errs.error(p, 'only one of regex, fixed_value may be set'); tagsOk = false; return; }
    if (t.fixed_value !== undefined) { specs.push({ tagName: name, fixedValue: t.fixed_value }); return; }
    if (t.regex !== undefined && t.regex !== '') {
      try {
        compileRe2(t.regex);
      } catch (e) {
        errs.error(joinPath(p, 'regex'), `invalid regex: ${(e as Error).message}`);
        tagsOk = false;
        return;
      }
      specs.push({ tagName: name, regex: t.regex });
      return;
    }
    if (!DEFAULT_TAG_DESCRIPTORS.some((d) => d.name === name)) {
      errs.error(p, `no regex given and '${name}' is not a default tag`);
      tagsOk = false;
      return;
    }
    specs.push({ tagName: name });
  });
  if (tagsOk && (specs.length > 0 || !useAll)) opts.tagProducer = new TagProducer({ useAllDefaultTags: useAll, statsTags: specs });

  // stats_matcher
  const sm = cfg.stats_matcher;
  if (sm) {
    const p = joinPath(path, 'stats_matcher');
    const set = (['reject_all', 'exclusion_list', 'inclusion_list'] as const).filter((k) => sm[k] !== undefined);
    if (set.length > 1) errs.error(p, `only one of reject_all, exclusion_list, inclusion_list may be set (found ${set.join(', ')})`);
    else if (sm.reject_all === true) opts.acceptStat = () => false;
    else if (sm.exclusion_list || sm.inclusion_list) {
      const inclusion = sm.inclusion_list !== undefined;
      const field = inclusion ? 'inclusion_list' : 'exclusion_list';
      const preds = decodeList((inclusion ? sm.inclusion_list : sm.exclusion_list)?.patterns ?? [], joinPath(joinPath(p, field), 'patterns'), errs, decodeMatcher);
      if (preds) opts.acceptStat = inclusion ? (n) => preds.some((f) => f(n)) : (n) => !preds.some((f) => f(n));
    }
  }

  // histogram_bucket_settings: the first setting whose matcher takes the name wins.
  const hbs = cfg.histogram_bucket_settings ?? [];
  if (hbs.length > 0) {
    const rules: { match: (s: string) => boolean; buckets: number[] }[] = [];
    hbs.forEach((h, i) => {
      const p = joinPath(joinPath(path, 'histogram_bucket_settings'), i);
      const match = h.match ? decodeMatcher(h.match, joinPath(p, 'match'), errs) : undefined;
      if (!h.match) errs.error(joinPath(p, 'match'), 'is required');
      const buckets = h.buckets ?? [];
      if (buckets.length === 0) errs.error(joinPath(p, 'buckets'), 'must have at least one bucket');
      if (buckets.some((b) => !(b > 0))) errs.error(joinPath(p, 'buckets'), 'every bucket must be > 0');
      if (new Set(buckets).size !== buckets.length) errs.error(joinPath(p, 'buckets'), 'buckets must be unique');
      if (match) rules.push({ match, buckets: [...buckets].sort((a, b) => a - b) });
    });
    opts.histogramBuckets = (name) => rules.find((r) => r.match(name))?.buckets;
  }
  return opts;
}

function decodeList(patterns: envoy_type_matcher_v3_StringMatcher[], path: string, errs: ConfigErrors, decode: StringMatcherDecoder): ((s: string) => boolean)[] | undefined {
  const out: ((s: string) => boolean)[] = [];
  let ok = true;
  patterns.forEach((m, i) => {
    const f = decode(m, joinPath(path, i), errs);
    if (f) out.push(f);
    else ok = false;
  });
  return ok ? out : undefined;
}
