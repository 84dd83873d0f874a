// Applies tag extractors to a stat name once, when the stat is created. The
// result (tag-extracted name + tags) is what /stats/prometheus prints, so
// scrapes never run a regex.
import { RegexTagExtractor, TagExtractionContext, TokenTagExtractor, type Tag, type TagExtractor } from './tag-extractor.js';
import { DEFAULT_TAG_DESCRIPTORS, type DefaultTagDescriptor } from './well-known-tags.js';

export interface TagExtraction {
  /** The name with every tag's text cut out, e.g. `cluster.upstream_rq`. */
  readonly tagExtractedName: string;
  /** Tags in extraction order (fixed tags first). */
  readonly tags: readonly Tag[];
}

/** One `stats_config.stats_tags` entry, already decoded. */
export interface TagSpec {
  tagName: string;
  /** Regex (RE2 syntax) whose group 1 is cut and group 2 (or 1) is the value. */
  regex?: string;
  /** A tag added to every stat with this value. */
  fixedValue?: string;
}

export interface TagProducerOptions {
  /** `stats_config.use_all_default_tags`; Envoy's default is true. */
  useAllDefaultTags?: boolean;
  /** `stats_config.stats_tags`. A spec with only a tag name turns on the default extractors of that name. */
  statsTags?: readonly TagSpec[];
}

function fromDescriptor(d: DefaultTagDescriptor): TagExtractor {
  return d.kind === 'regex' ? new RegexTagExtractor(d.name, d.regex, d.substr, d.negativeMatch) : new TokenTagExtractor(d.name, d.pattern);
}

/**
 * Turns stat names into (tag-extracted name, tags). Immutable after
 * construction; share one per store.
 */
export class TagProducer {
  private readonly fixedTags: Tag[] = [];
  private readonly anyName: TagExtractor[] = [];
  private readonly byPrefix = new Map<string, TagExtractor[]>();

  /** Throws Error on a duplicate tag name, an unknown default, or a bad regex (decodeStatsConfig reports these as config errors first). */
  constructor(opts: TagProducerOptions = {}) {
    const names = new Set<string>();
    if (opts.useAllDefaultTags ?? true) {
      // Regex descriptors come before token descriptors, as in Envoy.
      for (const d of DEFAULT_TAG_DESCRIPTORS) if (d.kind === 'regex') this.add(fromDescriptor(d));
      for (const d of DEFAULT_TAG_DESCRIPTORS) if (d.kind === 'tokens') this.add(fromDescriptor(d));
      for (const d of DEFAULT_TAG_DESCRIPTORS) names.add(d.name);
    }
    for (const spec of opts.statsTags ?? []) {
      if (names.has(spec.tagName)) throw new Error(`tag name '${spec.tagName}' specified twice`);
      names.add(spec.tagName);
      if (spec.fixedValue !== undefined) {
        this.fixedTags.push({ name: spec.tagName, value: spec.fixedValue });
      } else if (spec.regex) {
        this.add(new RegexTagExtractor(spec.tagName, spec.regex));
      } else {
        const defaults = DEFAULT_TAG_DESCRIPTORS.filter((d) => d.name === spec.tagName);
        if (defaults.length === 0) throw new Error(`no regex given for tag '${spec.tagName}' and it has no default`);
        for (const d of defaults) this.add(fromDescriptor(d));
      }
    }
  }

  private add(x: TagExtractor): void {
    if (x.prefixToken === '') {
      this.anyName.push(x);
      return;
    }
    const list = this.byPrefix.get(x.prefixToken);
    if (list) list.push(x);
    else this.byPrefix.set(x.prefixToken, [x]);
  }

  produce(name: string): TagExtraction {
    const ctx = new TagExtractionContext(name);
    for (const t of this.fixedTags) ctx.addTag(t.name, t.value);
    for (const x of this.anyName) x.extract(ctx);
    const dot = name.indexOf('.');
    if (dot > 0) {
      const list = this.byPrefix.get(name.slice(0, dot));
      if (list) for (const x of list) x.extract(ctx);
    }
    return { tagExtractedName: ctx.tagExtractedName(), tags: ctx.tags };
  }
}

let defaultProducer: TagProducer | undefined;

/** The producer with Envoy's default extractors only (built on first use). */
export function defaultTagProducer(): TagProducer {
  return (defaultProducer ??= new TagProducer());
}
