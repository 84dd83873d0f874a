// Envoy's runtime: string values by dotted key, each read as a boolean, an
// integer, a double or a FractionalPercent as Envoy reads it
// (source/common/runtime/runtime_impl.cc). A snapshot is immutable: code on the
// request path takes `runtime.snapshot()` once and looks keys up in one Map.
import { ConfigErrors } from '../../common/errors.js';
import { fromJson } from '../../xds/codec.js';
import type { envoy_type_v3_FractionalPercent } from '../../xds/gen/types.js';
import { parseConfigText } from '../config/config-text.js';

/** A FractionalPercent as numerator / denominator (100, 10 000 or 1 000 000). */
export interface RuntimePercent {
  readonly numerator: number;
  readonly denominator: number;
}

/** One value, with every reading Envoy derives from its text once, when it is set. */
export interface RuntimeEntry {
  /** The text as given (what /runtime prints). */
  readonly raw: string;
  readonly bool?: boolean;
  readonly double?: number;
  /** Non-negative numbers, floored (Envoy's uint_value_). */
  readonly uint?: number;
  readonly fraction?: RuntimePercent;
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };
/** absl::SimpleAtoi for uint64: optional surrounding whitespace and '+'. */
const UINT_TEXT = /^\s*\+?\d+\s*$/;
/** absl::SimpleAtod: a decimal or exponent number, optional surrounding whitespace (inf/nan are not runtime numbers in practice). */
const DOUBLE_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Envoy's SnapshotImpl::createEntry(string): boolean, then number, then FractionalPercent. */
export function createRuntimeEntry(raw: string): RuntimeEntry {
  const stripped = raw.trim();
  let bool: boolean | undefined;
  if (UINT_TEXT.test(stripped)) bool = Number(stripped) !== 0; // an integer is also a boolean, and goes on as a number
  else if (stripped.toLowerCase() === 'true') return { raw, bool: true };
  else if (stripped.toLowerCase() === 'false') return { raw, bool: false };
  if (DOUBLE_TEXT.test(raw)) {
    const double = Number(raw);
    if (double >= 0 && double <= Number.MAX_SAFE_INTEGER) return { raw, ...(bool !== undefined ? { bool } : {}), double, uint: Math.floor(double) };
    return { raw, double };
  }
  const fraction = stripped.startsWith('{') || /^(numerator|denominator)\s*:/m.test(stripped) ? parseFraction(stripped) : undefined;
  return { raw, ...(fraction ? { fraction } : {}) };
}

/** A FractionalPercent written as YAML or JSON text, or undefined when it is not one. */
function parseFraction(text: string): RuntimePercent | undefined {
  const errs = new ConfigErrors();
  const json = parseConfigText(text, errs);
  if (errs.hasErrors || json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  return fractionFromJson(json, errs);
}

/** A FractionalPercent object (a static layer's `{numerator, denominator}`); problems go to `errs`. */
export function fractionFromJson(json: object, errs: ConfigErrors, path = ''): RuntimePercent | undefined {
  const before = errs.issues.length;
  const p = fromJson<envoy_type_v3_FractionalPercent>('envoy.type.v3.FractionalPercent', json, path, errs);
  if (!p || errs.issues.length > before) return undefined;
  return { numerator: p.numerator ?? 0, denominator: DENOMINATORS[p.denominator ?? 'HUNDRED'] ?? 100 };
}

/** The text Envoy shows for a static-layer value (it round-trips numbers and booleans through YAML). */
export function runtimeValueText(v: string | number | boolean | object): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `{${Object.entries(v).map(([k, x]) => `${k}: ${String(x)}`).join(', ')}}`;
}

/** Envoy's 100%: a runtime integer above 100 enables the feature outright. */
const ALWAYS: RuntimePercent = { numerator: 1, denominator: 1 };

/** The merged view of all layers at one moment. */
export class RuntimeSnapshot {
  static readonly EMPTY = new RuntimeSnapshot(new Map());

  constructor(private readonly values: ReadonlyMap<string, RuntimeEntry>) {}

  get size(): number {
    return this.values.size;
  }

  /** The raw text of `key`, or undefined. */
  get(key: string): string | undefined {
    return this.values.get(key)?.raw;
  }

  entry(key: string): RuntimeEntry | undefined {
    return this.values.get(key);
  }

  /** Envoy's getInteger: the value when it reads as a non-negative number (floored), else `dflt`. */
  getInteger(key: string, dflt: number): number {
    return this.values.get(key)?.uint ?? dflt;
  }

  getDouble(key: string, dflt: number): number {
    return this.values.get(key)?.double ?? dflt;
  }

  /** Envoy's getBoolean: true/false (any case) or an integer (non-zero is true), else `dflt`. */
  getBoolean(key: string, dflt: boolean): boolean {
    return this.values.get(key)?.bool ?? dflt;
  }

  /**
   * The percentage Envoy's featureEnabled(key, FractionalPercent) draws
   * against: a FractionalPercent value; an integer as a percentage of 100
   * (above 100: always); otherwise `dflt`. The caller draws, so a 0% or
   * 100% result costs no random number.
   */
  percent<P extends RuntimePercent>(key: string, dflt: P): RuntimePercent | P {
    if (this.values.size === 0) return dflt;
    const e = this.values.get(key);
    if (!e) return dflt;
    if (e.fraction) return e.fraction;
    if (e.uint !== undefined) return e.uint > 100 ? ALWAYS : { numerator: e.uint, denominator: 100 };
    return dflt;
  }

  /** featureEnabled with a uniform [0, 1) draw: `floor(random * denominator) < numerator`. */
  featureEnabled(key: string, dflt: RuntimePercent, random: () => number): boolean {
    const p = this.percent(key, dflt);
    if (p.numerator >= p.denominator) return true;
    if (p.numerator <= 0) return false;
    return Math.floor(random() * p.denominator) < p.numerator;
  }
}
