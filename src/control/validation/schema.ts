// A small declarative schema for Istio's YAML and the walker that checks a
// document against it. The walker checks types, enums, required fields,
// unknown fields (strict, as Istio), one-of groups and duration syntax, and
// returns a cleaned copy holding only well-typed values, so the semantic
// validators after it never meet a value of the wrong type. A null value is
// the same as an absent field (Kubernetes YAML: `subsets:` with no value).
import type { Code } from './codes.js';
import { parseDuration } from '../model/duration.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';

export type Shape =
  | { readonly k: 'string' }
  | { readonly k: 'bool' }
  | { readonly k: 'int'; readonly unsigned: boolean }
  | { readonly k: 'number' }
  | { readonly k: 'duration' }
  | { readonly k: 'enum'; readonly values: readonly string[] }
  | { readonly k: 'list'; readonly of: Shape }
  | { readonly k: 'map'; readonly of: Shape }
  | { readonly k: 'object'; readonly fields: Readonly<Record<string, Field>>; readonly oneOf: readonly (readonly string[])[] }
  | { readonly k: 'any' };

export interface Field {
  readonly shape: Shape;
  readonly required?: boolean;
  /** A deprecated field: still read, with a warning naming the replacement. */
  readonly deprecated?: { readonly code: Code; readonly message: string };
  /** An Istio field weft does not implement: refused with this reason. */
  readonly unsupported?: string;
}

export const str: Shape = { k: 'string' };
export const bool: Shape = { k: 'bool' };
export const int32: Shape = { k: 'int', unsigned: false };
export const uint32: Shape = { k: 'int', unsigned: true };
export const double: Shape = { k: 'number' };
export const duration: Shape = { k: 'duration' };
export const any: Shape = { k: 'any' };

export function enumOf(...values: string[]): Shape {
  return { k: 'enum', values };
}
export function list(of: Shape): Shape {
  return { k: 'list', of };
}
export function map(of: Shape): Shape {
  return { k: 'map', of };
}
/** An object; `oneOf` lists groups of fields of which at most one may be set. */
export function obj(fields: Record<string, Shape | Field>, oneOf: string[][] = []): Shape {
  const fs: Record<string, Field> = {};
  for (const [name, f] of Object.entries(fields)) fs[name] = 'k' in f ? { shape: f } : f;
  return { k: 'object', fields: fs, oneOf };
}
export function required(shape: Shape): Field {
  return { shape, required: true };
}
export function deprecatedField(shape: Shape, code: Code, message: string): Field {
  return { shape, deprecated: { code, message } };
}
export function unsupportedField(reason: string): Field {
  return { shape: any, unsupported: reason };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the boolean'} ${String(v)}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Lower-cased, without '_' and '-': how a mistyped field name is compared with the known ones. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * Checks `value` against `shape`, reporting each problem at its path, and
 * returns the cleaned value (undefined when absent, null or of the wrong type).
 */
export function checkShape(value: unknown, shape: Shape, path: string, r: Reporter): unknown {
  if (value === null || value === undefined) return undefined;
  switch (shape.k) {
    case 'any':
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      r.report('WEFT0011', path, `must be a string, got ${describe(value)}${typeof value === 'number' || typeof value === 'boolean' ? ` (quote it: "${String(value)}")` : ''}`);
      return undefined;
    case 'bool':
      if (typeof value === 'boolean') return value;
      r.report('WEFT0011', path, `must be true or false, got ${describe(value)}`);
      return undefined;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      r.report('WEFT0011', path, `must be a number, got ${describe(value)}`);
      return undefined;
    case 'int': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        r.report('WEFT0011', path, `must be an integer, got ${describe(value)}`);
        return undefined;
      }
      if (shape.unsigned ? value < 0 || value > UINT32_MAX : value < INT32_MIN || value > INT32_MAX) {
        r.report('WEFT0011', path, `${value} is out of range for ${shape.unsigned ? 'an unsigned 32-bit' : 'a 32-bit'} integer`);
        return undefined;
      }
      return value;
    }
    case 'duration':
      if (typeof value !== 'string') {
        r.report('WEFT0014', path, `must be a duration string such as "10s", "100ms", "5m", got ${describe(value)}${typeof value === 'number' ? ` (a unit is required: "${value}s")` : ''}`);
        return undefined;
      }
      if (parseDuration(value) === undefined) {
        r.report('WEFT0014', path, `"${value}" is not a valid duration (a number and a unit: ns, us, ms, s, m, h; e.g. "1.5s", "100ms", "5m")`);
        return undefined;
      }
      return value;
    case 'enum':
      if (typeof value === 'string' && shape.values.includes(value)) return value;
      r.report('WEFT0013', path, `${describe(value)} is not one of ${shape.values.join(', ')}`);
      return undefined;
    case 'list': {
      if (!Array.isArray(value)) {
        r.report('WEFT0011', path, `must be a list, got ${describe(value)}`);
        return undefined;
      }
      // Elements keep their index (an invalid element becomes a hole) so later paths stay right.
      return value.map((el, i) => checkShape(el, shape.of, childPath(path, i), r));
    }
    case 'map': {
      if (!isPlainObject(value)) {
        r.report('WEFT0011', path, `must be a map, got ${describe(value)}`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const c = checkShape(v, shape.of, childPath(path, k), r);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    case 'object':
      return checkObject(value, shape, path, r);
  }
}

function checkObject(value: unknown, shape: Extract<Shape, { k: 'object' }>, path: string, r: Reporter): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    r.report('WEFT0011', path, `must be an object, got ${describe(value)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const p = childPath(path, name);
    const field = shape.fields[name];
    if (!field) {
      const similar = Object.keys(shape.fields).find((f) => fold(f) === fold(name));
      r.report('WEFT0010', p, `unknown field "${name}"${similar ? ` (did you mean "${similar}"?)` : ''}`);
      continue;
    }
    if (v === null || v === undefined) continue;
    if (field.unsupported) {
      r.report('WEFT0016', p, `field "${name}" is not supported by weft yet: ${field.unsupported}`);
      continue;
    }
    if (field.deprecated) r.report(field.deprecated.code, p, field.deprecated.message);
    const c = checkShape(v, field.shape, p, r);
    if (c !== undefined) out[name] = c;
  }
  for (const [name, field] of Object.entries(shape.fields)) {
    if (field.required && (value[name] === undefined || value[name] === null)) r.report('WEFT0012', childPath(path, name), `required field "${name}" is missing`);
  }
  for (const group of shape.oneOf) {
    const set = group.filter((f) => value[f] !== undefined && value[f] !== null);
    if (set.length > 1) r.report('WEFT0015', childPath(path, set[1]!), `only one of ${group.map((g) => `"${g}"`).join(', ')} may be set; found ${set.map((g) => `"${g}"`).join(' and ')}`);
  }
  return out;
}
