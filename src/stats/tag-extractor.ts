// Tag extractors: each pulls one tag (name, value) out of a flat Envoy stat
// name and marks the characters to cut, so `cluster.foo.upstream_rq_200`
// becomes `cluster.upstream_rq` with tags envoy.cluster_name=foo and
// envoy.response_code=200. Semantics follow Envoy's: every extractor sees the
// original name; cuts from all of them are applied together at the end.

/** One dimension of a stat, as Envoy's tag extraction or a labeled metric gives it. */
export interface Tag {
  readonly name: string;
  readonly value: string;
}

/** Working state for extracting the tags of one stat name. */
export class TagExtractionContext {
  readonly tags: Tag[] = [];
  private readonly cuts: number[] = [];
  private tokenCache: string[] | undefined;

  constructor(readonly name: string) {}

  /** The name split on '.', computed once for all token extractors. */
  get tokens(): string[] {
    return (this.tokenCache ??= this.name.split('.'));
  }

  addTag(name: string, value: string): void {
    this.tags.push({ name, value });
  }

  /** Marks characters [start, end) of the name for removal. */
  cut(start: number, end: number): void {
    if (end > start) this.cuts.push(start, end);
  }

  /** The name with every marked range removed. */
  tagExtractedName(): string {
    if (this.cuts.length === 0) return this.name;
    // Ranges may overlap (two extractors cutting the same dot): sort, then copy the gaps.
    const ranges: [number, number][] = [];
    for (let i = 0; i < this.cuts.length; i += 2) ranges.push([this.cuts[i]!, this.cuts[i + 1]!]);
    ranges.sort((a, b) => a[0] - b[0]);
    let out = '';
    let pos = 0;
    for (const [start, end] of ranges) {
      if (start > pos) out += this.name.slice(pos, start);
      if (end > pos) pos = end;
    }
    return out + this.name.slice(pos);
  }
}

export interface TagExtractor {
  /** Tag name, e.g. `envoy.cluster_name`. */
  readonly name: string;
  /**
   * First '.'-separated token a stat name must start with for this extractor to
   * apply, or '' when it may apply to any name. Lets the producer skip most
   * extractors for a given stat.
   */
  readonly prefixToken: string;
  /** Adds the tag and its cut to `ctx` when the name matches; returns whether it did. */
  extract(ctx: TagExtractionContext): boolean;
}

/**
 * The literal first token of an anchored regex (`^cluster\.…` → `cluster`), or
 * '' when the regex does not start with one. Same rule as Envoy's, so custom
 * extractors run in the same order relative to the defaults.
 */
export function regexPrefixToken(regex: string): string {
  if (!regex.startsWith('^')) return '';
  let i = 1;
  while (i < regex.length && /[A-Za-z0-9_]/.test(regex[i]!)) i++;
  if (i === 1) return '';
  const rest = regex.slice(i);
  if (rest.startsWith('\\.') || rest.startsWith('(?=\\.)') || rest === '$') return regex.slice(1, i);
  return '';
}

/**
 * Turns an RE2 pattern (what Envoy config carries) into a JavaScript RegExp
 * with match indices. Covers the RE2-only spellings that appear in practice:
 * POSIX classes and `(?P<name>…)` groups. Throws SyntaxError on a bad pattern.
 */
export function compileRe2(pattern: string): RegExp {
  const js = pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:digit:\]/g, '0-9')
    .replace(/\[:alpha:\]/g, 'A-Za-z')
    .replace(/\[:alnum:\]/g, 'A-Za-z0-9')
    .replace(/\[:xdigit:\]/g, '0-9A-Fa-f')
    .replace(/\[:space:\]/g, '\\s')
    .replace(/\[:upper:\]/g, 'A-Z')
    .replace(/\[:lower:\]/g, 'a-z');
  return new RegExp(js, 'd');
}

/**
 * Regex extractor: group 1 is the text to cut, group 2 (if present) the tag
 * value, otherwise group 1 is both.
 */
export class RegexTagExtractor implements TagExtractor {
  readonly prefixToken: string;
  private readonly re: RegExp;

  /**
   * @param substr cheap pre-check: the name must contain it, or the regex is not run.
   * @param negativeMatch a value that does not count as a match (Envoy skips `admin` as a listener address).
   */
  constructor(readonly name: string, regex: string, private readonly substr = '', private readonly negativeMatch = '') {
    this.re = compileRe2(regex);
    this.prefixToken = regexPrefixToken(regex);
  }

  extract(ctx: TagExtractionContext): boolean {
    if (this.substr !== '' && !ctx.name.includes(this.substr)) return false;
    const m = this.re.exec(ctx.name);
    if (!m || m[1] === undefined || m[1] === '' || !m.indices?.[1]) return false;
    const value = m[2] ?? m[1];
    if (this.negativeMatch !== '' && value === this.negativeMatch) return false;
    ctx.addTag(this.name, value);
    const [start, end] = m.indices[1];
    ctx.cut(start, end);
    return true;
  }
}

/**
 * Token extractor, Envoy's faster form for the common shapes: a pattern of
 * '.'-separated tokens where `$` is the value, `*` any one token, `**` any run
 * of one or more tokens, anything else a literal. `cluster.$.**` takes the
 * cluster name. The value token is cut with the dot after it (or before it when
 * it is the last token).
 */
export class TokenTagExtractor implements TagExtractor {
  readonly prefixToken: string;
  private readonly pattern: readonly string[];
  private readonly valueIndex: number;

  constructor(readonly name: string, pattern: string) {
    this.pattern = pattern.split('.');
    this.valueIndex = this.pattern.indexOf('$');
    if (this.valueIndex < 0) throw new Error(`token pattern '${pattern}' has no '$'`);
    const first = this.pattern[0]!;
    this.prefixToken = first === '$' || first === '*' || first === '**' ? '' : first;
  }

  extract(ctx: TagExtractionContext): boolean {
    const tokens = ctx.tokens;
    const found = { start: 0, index: -1 };
    if (!this.search(tokens, 0, 0, 0, found)) return false;
    const value = tokens[found.index]!;
    let start = found.start;
    let end = start + value.length;
    if (found.index < tokens.length - 1) end++;
    else if (start > 0) start--;
    ctx.addTag(this.name, value);
    ctx.cut(start, end);
    return true;
  }

  private search(tokens: readonly string[], ti: number, pi: number, charIndex: number, found: { start: number; index: number }): boolean {
    const pat = this.pattern;
    for (; ti < tokens.length && pi < pat.length; ti++, pi++) {
      const expected = pat[pi]!;
      if (pi === this.valueIndex) {
        found.start = charIndex;
        found.index = ti;
      } else if (expected === '**') {
        if (pi === pat.length - 1) return true; // matches the (non-empty) rest
        // Try every split point for the rest of the pattern.
        for (; ti < tokens.length; ti++) {
          if (this.search(tokens, ti, pi + 1, charIndex, found)) return true;
          charIndex += tokens[ti]!.length + 1;
        }
        return false;
      } else if (expected !== '*' && expected !== tokens[ti]) {
        return false;
      }
      charIndex += tokens[ti]!.length + 1;
    }
    return pi === pat.length && ti === tokens.length;
  }
}
