// Envoy's format dictionaries (json_format): a JSON object whose string values
// are format strings, printed as one compact JSON object per line. A value
// that is exactly one command operator keeps its type (numbers stay numbers,
// an unset value is null); anything longer is a string, as in Envoy. The tree
// is compiled once: keys are pre-escaped, literals pre-rendered.
import { FormatCompileError, type Extractor, type Formatter } from './formatter.js';
import { parseFormat } from './format-string.js';
import type { StreamInfo } from './stream-info.js';
import { joinPath } from '../../common/errors.js';

export interface JsonFormatOptions {
  /**
   * Keep numbers as numbers and unset values as null. True for
   * SubstitutionFormatString.json_format and FileAccessLog.typed_json_format;
   * false for the deprecated FileAccessLog.json_format, which printed every
   * value as a string.
   */
  typed?: boolean;
  /** Drop keys whose value is unset; print unset parts of longer strings as ''. */
  omitEmptyValues?: boolean;
  /** Sort keys (JsonFormatOptions.sort_properties); otherwise config order. */
  sortProperties?: boolean;
}

/** Renders one JSON value; undefined means null (which omit_empty_values drops). */
interface JsonNode {
  render(info: StreamInfo): string | undefined;
}

class ConstNode implements JsonNode {
  constructor(private readonly json: string) {}
  render(): string {
    return this.json;
  }
}

/** A value that is exactly one operator. */
class SingleNode implements JsonNode {
  constructor(private readonly ex: Extractor, private readonly typed: boolean, private readonly unset: string | undefined) {}
  render(info: StreamInfo): string | undefined {
    if (this.typed) {
      const v = this.ex.typed(info);
      if (v === undefined) return undefined;
      if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
      return JSON.stringify(v);
    }
    const s = this.ex.str(info) ?? this.unset;
    return s === undefined ? undefined : JSON.stringify(s);
  }
}

/** Literal text mixed with operators: always a string. */
class ConcatNode implements JsonNode {
  constructor(private readonly literals: readonly string[], private readonly extractors: readonly Extractor[], private readonly empty: string) {}
  render(info: StreamInfo): string {
    const lits = this.literals;
    const exs = this.extractors;
    let out = lits[0]!;
    for (let k = 0; k < exs.length; k++) {
      out += exs[k]!.str(info) ?? this.empty;
      out += lits[k + 1]!;
    }
    return JSON.stringify(out);
  }
}

class ObjectNode implements JsonNode {
  constructor(private readonly keys: readonly string[], private readonly values: readonly JsonNode[], private readonly omit: boolean) {}
  render(info: StreamInfo): string {
    let out = '{';
    let first = true;
    for (let k = 0; k < this.keys.length; k++) {
      const v = this.values[k]!.render(info);
      if (v === undefined && this.omit) continue;
      if (!first) out += ',';
      first = false;
      out += this.keys[k]!;
      out += v ?? 'null';
    }
    return out + '}';
  }
}

class ListNode implements JsonNode {
  constructor(private readonly values: readonly JsonNode[], private readonly omit: boolean) {}
  render(info: StreamInfo): string {
    let out = '[';
    let first = true;
    for (const node of this.values) {
      const v = node.render(info);
      if (v === undefined && this.omit) continue;
      if (!first) out += ',';
      first = false;
      out += v ?? 'null';
    }
    return out + ']';
  }
}

interface Ctx {
  typed: boolean;
  omit: boolean;
  sort: boolean;
}

function compileValue(v: unknown, field: string, ctx: Ctx): JsonNode {
  if (typeof v === 'string') {
    let parsed;
    try {
      parsed = parseFormat(v);
    } catch (e) {
      if (e instanceof FormatCompileError) throw new FormatCompileError(e.message, field);
      throw e;
    }
    const { literals, extractors } = parsed;
    if (extractors.length === 0) return new ConstNode(JSON.stringify(literals[0]));
    if (extractors.length === 1 && literals[0] === '' && literals[1] === '') {
      return new SingleNode(extractors[0]!, ctx.typed, ctx.omit ? undefined : '-');
    }
    return new ConcatNode(literals, extractors, ctx.omit ? '' : '-');
  }
  if (Array.isArray(v)) return new ListNode(v.map((x, i) => compileValue(x, joinPath(field, i), ctx)), ctx.omit);
  if (v !== null && typeof v === 'object') return compileObject(v as Record<string, unknown>, field, ctx);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return new ConstNode(JSON.stringify(v));
  throw new FormatCompileError(`unsupported value of type ${typeof v} in a JSON format`, field);
}

function compileObject(obj: Record<string, unknown>, field: string, ctx: Ctx): ObjectNode {
  const names = Object.keys(obj);
  if (ctx.sort) names.sort();
  const keys = names.map((k) => `${JSON.stringify(k)}:`);
  const values = names.map((k) => compileValue(obj[k], joinPath(field, k), ctx));
  return new ObjectNode(keys, values, ctx.omit);
}

class JsonFormatter implements Formatter {
  constructor(private readonly root: ObjectNode) {}
  format(info: StreamInfo): string {
    return this.root.render(info) + '\n';
  }
}

/** Compiles a format dictionary. Throws FormatCompileError (with `field` set) on a bad value. */
export function compileJsonFormat(format: Record<string, unknown>, opts: JsonFormatOptions = {}): Formatter {
  const ctx: Ctx = { typed: opts.typed ?? true, omit: opts.omitEmptyValues ?? false, sort: opts.sortProperties ?? false };
  return new JsonFormatter(compileObject(format, '', ctx));
}
