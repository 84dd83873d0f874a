// Envoy format strings: literal text with %COMMAND% operators, `%%` for a
// percent sign. Parsed once with a hand-written scanner into alternating
// literals and extractors; formatting a line is then one pass of appends.
import { compileOperator } from './operators.js';
import { FormatCompileError, type Extractor, type Formatter } from './formatter.js';
import type { StreamInfo } from './stream-info.js';

/**
 * Envoy's default access log format (SubstitutionFormatUtils::DEFAULT_FORMAT),
 * used when an access logger sets no format.
 */
export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" ' +
  '%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ' +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% ' +
  '"%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** A parsed format: `literals[0] ex[0] literals[1] ex[1] … literals[n]`. */
export interface ParsedFormat {
  readonly literals: readonly string[];
  readonly extractors: readonly Extractor[];
}

function isCommandChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95; // A-Z 0-9 _
}

/**
 * Splits a format string into literals and compiled operators, with Envoy's
 * grammar: `%NAME%`, `%NAME(args)%`, `%NAME(args):N%`, `%NAME:N%`, and `%%`.
 * A `%` that starts none of these is an error, as in Envoy.
 */
export function parseFormat(fmt: string): ParsedFormat {
  const literals: string[] = [];
  const extractors: Extractor[] = [];
  let lit = '';
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const c = fmt[i]!;
    if (c !== '%') {
      // Copy the run of plain text up to the next '%' at once.
      const next = fmt.indexOf('%', i);
      const end = next < 0 ? n : next;
      lit += fmt.slice(i, end);
      i = end;
      continue;
    }
    if (fmt[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < n && isCommandChar(fmt.charCodeAt(j))) j++;
    if (j === i + 1) throw new FormatCompileError(`no valid command operator at position ${i} (write %% for a literal percent sign)`);
    const name = fmt.slice(i + 1, j);
    let args: string | undefined;
    if (fmt[j] === '(') {
      const close = fmt.indexOf(')', j);
      if (close < 0) throw new FormatCompileError(`closing ')' is missing in %${name}(...`);
      args = fmt.slice(j + 1, close);
      j = close + 1;
    }
    let maxLength: number | undefined;
    if (fmt[j] === ':') {
      const start = ++j;
      while (j < n && fmt.charCodeAt(j) >= 48 && fmt.charCodeAt(j) <= 57) j++;
      if (j === start) throw new FormatCompileError(`length after ':' in %${name}% must be an integer`);
      maxLength = Number(fmt.slice(start, j));
    }
    if (fmt[j] !== '%') throw new FormatCompileError(`command operator %${name}% at position ${i} is not closed by '%'`);
    literals.push(lit);
    lit = '';
    extractors.push(compileOperator(name, args, maxLength));
    i = j + 1;
  }
  literals.push(lit);
  return { literals, extractors };
}

class TextFormatter implements Formatter {
  private readonly literals: readonly string[];
  private readonly extractors: readonly Extractor[];
  constructor(parsed: ParsedFormat, private readonly empty: string) {
    this.literals = parsed.literals;
    this.extractors = parsed.extractors;
  }

  format(info: StreamInfo): string {
    const lits = this.literals;
    const exs = this.extractors;
    let out = lits[0]!;
    for (let k = 0; k < exs.length; k++) {
      out += exs[k]!.str(info) ?? this.empty;
      out += lits[k + 1]!;
    }
    return out;
  }
}

export interface TextFormatOptions {
  /** Print unset values as '' instead of '-' (SubstitutionFormatString.omit_empty_values). */
  omitEmptyValues?: boolean;
}

/** Compiles a text format string. Throws FormatCompileError on a bad format. */
export function compileFormat(fmt: string, opts: TextFormatOptions = {}): Formatter {
  return new TextFormatter(parseFormat(fmt), opts.omitEmptyValues ? '' : '-');
}
