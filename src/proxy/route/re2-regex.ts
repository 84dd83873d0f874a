// RE2 patterns (Envoy's safe_regex) compiled to JS RegExp. JS regexes are a
// superset of RE2 in some ways (lookarounds, backreferences) and differ in
// others (\s, \A, \z, \Q…\E, POSIX classes, octal escapes, inline flags), so the
// pattern is translated token by token, refusing what RE2 would refuse, rather
// than handed to `new RegExp` as is. The result always carries the `u` flag so
// `.` and classes work on code points as RE2 does on UTF-8.
import { ConfigErrors, joinPath } from '../../common/errors.js';
import { checkSupported } from '../config/support.js';
import type { envoy_type_matcher_v3_RegexMatcher, envoy_type_matcher_v3_RegexMatchAndSubstitute } from '../../xds/gen/types.js';

/** A translated pattern: JS source and flags, plus its number of capture groups. */
export interface Re2Pattern {
  readonly source: string;
  readonly flags: string;
  readonly groupCount: number;
}

/** Raised by translateRe2 with a message fit for a config error. */
export class Re2SyntaxError extends Error {
  readonly code = 'WEFT_RE2_SYNTAX';
}

// RE2 repetition counts are capped at 1000.
const MAX_REPEAT = 1000;
// Characters that may (and outside classes must) be escaped with `\` in a u-mode JS regex.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe',
  'Pi', 'Pf', 'Po', 'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Any',
]);
const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '\\x21-\\x7E',
  lower: 'a-z',
  print: '\\x20-\\x7E',
  punct: '\\x21-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7E',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
// RE2's \s is exactly these five; JS's \s also takes \v and Unicode spaces.
const RE2_SPACE = '\\t\\n\\f\\r ';

/** Translates an RE2 pattern to JS; throws Re2SyntaxError on what RE2 (or JS) cannot do. */
export function translateRe2(pattern: string): Re2Pattern {
  const t = new Translator(pattern);
  const source = t.run();
  let flags = 'u';
  if (t.flagI) flags += 'i';
  if (t.flagM) flags += 'm';
  if (t.flagS) flags += 's';
  try {
    new RegExp(source, flags);
  } catch (e) {
    throw new Re2SyntaxError((e as Error).message);
  }
  return { source, flags, groupCount: t.groups };
}

/** A RegExp that must match the whole input, as RE2::FullMatch does. */
export function fullMatchRegExp(p: Re2Pattern): RegExp {
  // With (?m), ^ and $ match at line breaks, so anchor on the input's ends instead.
  const src = p.flags.includes('m') ? `(?<![\\s\\S])(?:${p.source})(?![\\s\\S])` : `^(?:${p.source})$`;
  return new RegExp(src, p.flags);
}

/** A global RegExp for replace-all (RE2::GlobalReplace). */
export function globalRegExp(p: Re2Pattern): RegExp {
  return new RegExp(p.source, p.flags + 'g');
}

class Translator {
  private i = 0;
  private out = '';
  groups = 0;
  flagI = false;
  flagM = false;
  flagS = false;

  constructor(private readonly p: string) {}

  run(): string {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i]!;
      switch (c) {
        case '\\':
          this.i++;
          this.out += this.escape(false);
          break;
        case '[':
          this.i++;
          this.out += this.charClass();
          break;
        case '(':
          this.group();
          break;
        case '*':
        case '+':
        case '?':
          this.i++;
          this.out += c;
          this.afterQuantifier();
          break;
        case '{': {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.i));
          if (!m) {
            // RE2 takes a `{` that does not start a repetition literally.
            this.out += '\\{';
            this.i++;
            break;
          }
          const min = Number(m[1]);
          const max = m[3] ? Number(m[3]) : min;
          if (min > MAX_REPEAT || max > MAX_REPEAT) throw new Re2SyntaxError(`bad repetition operator ${m[0]}: counts above ${MAX_REPEAT} are not allowed`);
          if (m[3] && max < min) throw new Re2SyntaxError(`bad repetition operator ${m[0]}`);
          this.out += m[0];
          this.i += m[0].length;
          this.afterQuantifier();
          break;
        }
        case '}':
        case ']':
          this.out += '\\' + c;
          this.i++;
          break;
        default:
          this.out += c;
          this.i++;
      }
    }
    return this.out;
  }

  // After a quantifier: an optional `?` (non-greedy), and nothing else that repeats.
  private afterQuantifier(): void {
    const p = this.p;
    if (p[this.i] === '?') {
      this.out += '?';
      this.i++;
    }
    const n = p[this.i];
    if (n === '+') throw new Re2SyntaxError('possessive quantifiers are not supported by RE2');
    if (n === '*' || n === '?' || (n === '{' && /^\{\d+(,\d*)?\}/.test(p.slice(this.i)))) {
      throw new Re2SyntaxError(`bad repetition operator at offset ${this.i}`);
    }
  }

  private group(): void {
    const p = this.p;
    const rest = p.slice(this.i);
    if (!rest.startsWith('(?')) {
      this.groups++;
      this.out += '(';
      this.i++;
      return;
    }
    if (rest.startsWith('(?:')) {
      this.out += '(?:';
      this.i += 3;
      return;
    }
    if (rest.startsWith('(?=') || rest.startsWith('(?!')) throw new Re2SyntaxError('lookahead assertions are not supported by RE2');
    if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) throw new Re2SyntaxError('lookbehind assertions are not supported by RE2');
    if (rest.startsWith('(?P=') || rest.startsWith('(?P>')) throw new Re2SyntaxError('backreferences are not supported by RE2');
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.groups++;
      this.out += `(?<${named[1]}>`;
      this.i += named[0].length;
      return;
    }
    const flags = /^\(\?([A-Za-z-]*)([:)])/.exec(rest);
    if (flags) {
      const f = flags[1]!;
      if (!/^[imsU]+$/.test(f)) throw new Re2SyntaxError(`unsupported flag group (?${f}${flags[2]})`);
      if (f.includes('U')) throw new Re2SyntaxError('the U (ungreedy) flag is not supported by weft');
      // JS (Node 20) has no inline modifiers: flags are only accepted for the whole pattern.
      if (flags[2] !== ')' || this.out !== '') {
        throw new Re2SyntaxError(`inline flags (?${f}${flags[2]}) are supported only as a prefix of the whole pattern, e.g. (?i)abc`);
      }
      if (f.includes('i')) this.flagI = true;
      if (f.includes('m')) this.flagM = true;
      if (f.includes('s')) this.flagS = true;
      this.i += flags[0].length;
      return;
    }
    throw new Re2SyntaxError(`unsupported group syntax at offset ${this.i}`);
  }

  // Reads the escape after a consumed `\` and returns its JS form.
  private escape(inClass: boolean): string {
    const p = this.p;
    if (this.i >= p.length) throw new Re2SyntaxError('trailing \\');
    const c = p[this.i]!;
    this.i++;
    if (c >= '1' && c <= '9') {
      // RE2 reads \1..\7 followed by an octal digit as an octal escape; a lone digit is a backreference.
      if (c <= '7' && this.i < p.length && p[this.i]! >= '0' && p[this.i]! <= '7') return this.octal(c);
      throw new Re2SyntaxError(`backreferences (\\${c}) are not supported by RE2`);
    }
    switch (c) {
      case '0': return this.octal(c);
      case 'x': return this.hex();
      case 'A':
        if (inClass) throw new Re2SyntaxError('\\A is not allowed in a character class');
        return '(?<![\\s\\S])';
      case 'z':
        if (inClass) throw new Re2SyntaxError('\\z is not allowed in a character class');
        return '(?![\\s\\S])';
      case 'b':
      case 'B':
        if (inClass) throw new Re2SyntaxError(`\\${c} is not allowed in a character class`);
        return '\\' + c;
      case 'd': case 'D': case 'w': case 'W':
        return '\\' + c;
      case 's': return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
      case 'S': return inClass ? '\\S' : `[^${RE2_SPACE}]`;
      case 'p': case 'P': return this.unicodeClass(c === 'P');
      case 'Q': {
        const end = p.indexOf('\\E', this.i);
        const lit = end < 0 ? p.slice(this.i) : p.slice(this.i, end);
        this.i = end < 0 ? p.length : end + 2;
        let s = '';
        for (const ch of lit) s += literal(ch, inClass);
        return s;
      }
      case 'E': return '';
      case 'a': return '\\x07';
      case 'f': case 't': case 'n': case 'r': case 'v':
        return '\\' + c;
      case 'C': throw new Re2SyntaxError('\\C (any byte) is not supported');
      case 'k': case 'g': throw new Re2SyntaxError('backreferences are not supported by RE2');
      case 'Z': throw new Re2SyntaxError('\\Z is not supported by RE2; use \\z or $');
      default:
        if (/[A-Za-z0-9]/.test(c) || c.charCodeAt(0) > 0x7f) throw new Re2SyntaxError(`invalid escape sequence \\${c}`);
        return literal(c, inClass);
    }
  }

  // `first` is the consumed first digit; RE2 reads up to three octal digits.
  private octal(first: string): string {
    let digits = first;
    while (digits.length < 3 && this.i < this.p.length && this.p[this.i]! >= '0' && this.p[this.i]! <= '7') {
      digits += this.p[this.i];
      this.i++;
    }
    return codePoint(parseInt(digits, 8));
  }

  private hex(): string {
    const p = this.p;
    if (p[this.i] === '{') {
      const end = p.indexOf('}', this.i);
      const h = end < 0 ? '' : p.slice(this.i + 1, end);
      if (!/^[0-9A-Fa-f]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) throw new Re2SyntaxError('invalid \\x{...} escape');
      this.i = end + 1;
      return codePoint(parseInt(h, 16));
    }
    const h = p.slice(this.i, this.i + 2);
    if (!/^[0-9A-Fa-f]{2}$/.test(h)) throw new Re2SyntaxError('invalid \\x escape');
    this.i += 2;
    return codePoint(parseInt(h, 16));
  }

  private unicodeClass(negated: boolean): string {
    const p = this.p;
    let name: string;
    if (p[this.i] === '{') {
      const end = p.indexOf('}', this.i);
      if (end < 0) throw new Re2SyntaxError('missing } in \\p{...}');
      name = p.slice(this.i + 1, end);
      this.i = end + 1;
    } else {
      name = p[this.i] ?? '';
      this.i++;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) throw new Re2SyntaxError(`invalid Unicode class \\p{${name}}`);
    const prop = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
    return `\\${negated ? 'P' : 'p'}{${prop}}`;
  }

  private charClass(): string {
    const p = this.p;
    let s = '[';
    if (p[this.i] === '^') {
      s += '^';
      this.i++;
    }
    // A `]` right after `[` or `[^` is a literal in RE2.
    if (p[this.i] === ']') {
      s += '\\]';
      this.i++;
    }
    for (;;) {
      if (this.i >= p.length) throw new Re2SyntaxError('missing closing ]');
      const c = p[this.i]!;
      if (c === ']') {
        this.i++;
        return s + ']';
      }
      if (c === '[' && p[this.i + 1] === ':') {
        const end = p.indexOf(':]', this.i + 2);
        if (end >= 0) {
          const name = p.slice(this.i + 2, end);
          if (name.startsWith('^')) throw new Re2SyntaxError(`negated POSIX class [:${name}:] is not supported by weft`);
          const ranges = POSIX_CLASSES[name];
          if (!ranges) throw new Re2SyntaxError(`invalid character class range [:${name}:]`);
          s += ranges;
          this.i = end + 2;
          continue;
        }
      }
      if (c === '\\') {
        this.i++;
        s += this.escape(true);
        continue;
      }
      this.i++;
      s += c === '[' ? '\\[' : c;
    }
  }
}

function literal(ch: string, inClass: boolean): string {
  if (JS_SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

function codePoint(n: number): string {
  return `\\u{${n.toString(16)}}`;
}

/**
 * Decodes an envoy.type.matcher.v3.RegexMatcher; reports problems at
 * `<path>.regex` and returns undefined when the pattern cannot be used.
 */
export function decodeRegexMatcher(m: envoy_type_matcher_v3_RegexMatcher | undefined, path: string, errs: ConfigErrors): Re2Pattern | undefined {
  if (!m) {
    errs.required(path, 'regex matcher is required');
    return undefined;
  }
  checkSupported(m, path, errs, ['regex', 'google_re2']);
  // google_re2 is a deprecated marker; its one knob limits RE2's program size, which has no JS equivalent.
  checkSupported(m.google_re2, joinPath(path, 'google_re2'), errs, []);
  const regexPath = joinPath(path, 'regex');
  if (m.regex === undefined || m.regex === '') {
    errs.required(regexPath, 'regex is required and must not be empty');
    return undefined;
  }
  try {
    return translateRe2(m.regex);
  } catch (e) {
    errs.error(regexPath, `invalid regex ${JSON.stringify(m.regex)}: ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * RE2 rewrite string (`\0`..`\9` group references, `\\` for a backslash) as
 * literal parts and group numbers, applied to every match (RE2::GlobalReplace).
 */
export class RegexSubstitution {
  private constructor(readonly regex: RegExp, private readonly parts: readonly (string | number)[]) {}

  static decode(m: envoy_type_matcher_v3_RegexMatchAndSubstitute | undefined, path: string, errs: ConfigErrors): RegexSubstitution | undefined {
    if (!m) return undefined;
    checkSupported(m, path, errs, ['pattern', 'substitution']);
    const pattern = decodeRegexMatcher(m.pattern, joinPath(path, 'pattern'), errs);
    const sub = m.substitution ?? '';
    const parts: (string | number)[] = [];
    let lit = '';
    let bad: string | undefined;
    for (let i = 0; i < sub.length; i++) {
      const c = sub[i]!;
      if (c !== '\\') {
        lit += c;
        continue;
      }
      const n = sub[i + 1];
      i++;
      if (n === '\\') lit += '\\';
      else if (n !== undefined && n >= '0' && n <= '9') {
        if (lit) parts.push(lit);
        lit = '';
        parts.push(Number(n));
      } else {
        bad = `invalid rewrite pattern: \\${n ?? ''} (use \\0-\\9 for groups and \\\\ for a backslash)`;
        break;
      }
    }
    if (lit) parts.push(lit);
    const subPath = joinPath(path, 'substitution');
    if (bad) errs.error(subPath, bad);
    if (!pattern) return undefined;
    for (const part of parts) {
      if (typeof part === 'number' && part > pattern.groupCount) {
        errs.error(subPath, `substitution refers to group \\${part} but the pattern has ${pattern.groupCount} capture group(s)`);
        return undefined;
      }
    }
    if (bad) return undefined;
    return new RegexSubstitution(globalRegExp(pattern), parts);
  }

  /** Replaces every non-overlapping match in `input`. */
  replaceAll(input: string): string {
    const parts = this.parts;
    return input.replace(this.regex, (...args: unknown[]) => {
      let s = '';
      for (const part of parts) {
        if (typeof part === 'string') s += part;
        else s += (args[part] as string | undefined) ?? '';
      }
      return s;
    });
  }
}
