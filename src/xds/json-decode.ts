// Strict proto3 JSON → canonical object. This is how a bootstrap file (YAML or
// JSON) is read, so it refuses what Envoy refuses: unknown fields, wrong JSON
// types, out-of-range numbers, unknown enum names, two members of a oneof,
// Anys without a known "@type". Every problem is collected with its field path
// and decoding goes on, so one run shows the user all of them. It is lenient
// only where Envoy's parser is: a single value for a repeated field.
import { CFG, ConfigErrors, joinPath } from '../common/errors.js';
import {
  canonicalUnderValueInAny, FieldSchema, hasMessageType, jsonUnderValueInAny, K_BOOL, K_BYTES, K_DOUBLE, K_ENUM,
  K_FIXED32, K_FIXED64, K_FLOAT, K_INT32, K_INT64, K_MESSAGE, K_SFIXED32, K_SFIXED64, K_SINT32, K_SINT64, K_STRING,
  K_UINT32, K_UINT64, KIND_NAMES, messageSchema, type EnumSchema, type MessageSchema, type OneofSchema,
} from './schema.js';
import { typeNameFromUrl, typeUrl } from './type-urls.js';
import { unknownTypeMessage } from './unsupported-type.js';
import { v2FieldHint } from './v2-hints.js';
import { checkDuration, parseBase64, parseDuration, parseFieldMask, parseTimestamp, type SecondsNanos } from './wkt-format.js';

type Json = Record<string, unknown>;

/**
 * Decodes proto3 JSON (as parsed from YAML or JSON) of message `typeName` into
 * the canonical shape (see docs/architecture/protobuf.md). Field names may be
 * the proto snake_case names or their lowerCamel JSON names; the result uses
 * snake_case. Every problem is added to `errs` under `path` (pass '' at the
 * root); the result leaves out what could not be decoded, so callers must
 * check `errs` before using it. Returns undefined only when `json` is not an
 * object at all. Throws only for a `typeName` the descriptor lacks (a bug).
 */
export function fromJson<T>(typeName: string, json: unknown, path: string, errs: ConfigErrors): T | undefined {
  const schema = messageSchema(typeName);
  if (json === null || json === undefined) {
    errs.error(path, `expected object (${typeName}), got ${describe(json)}`, CFG.WRONG_TYPE);
    return undefined;
  }
  return decodeMessage(schema, json, path, errs) as T | undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A JSON value as error messages show it: `string "abc"`, `number 1.5`, `object`. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number': case 'boolean': return `${typeof v} ${String(v)}`;
    default: return typeof v;
  }
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function mapKeyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

/** Does JSON null mean a value here (google.protobuf.Value) rather than "unset"? */
function nullIsValue(f: FieldSchema): boolean {
  return f.kind === K_MESSAGE && f.message.wellKnown === 'value';
}

function decodeMessage(s: MessageSchema, json: unknown, path: string, errs: ConfigErrors): unknown {
  if (s.wellKnown !== undefined) return decodeWellKnown(s, json, path, errs);
  if (!isObject(json)) {
    errs.error(path, `expected object (${s.fullName}), got ${describe(json)}`, CFG.WRONG_TYPE);
    return undefined;
  }
  return decodeFields(s, json, path, errs, {}, false);
}

/** Decodes the keys of `json` as fields of `s` into `out`; `inAny` skips the "@type" key. */
function decodeFields(s: MessageSchema, json: Json, path: string, errs: ConfigErrors, out: Json, inAny: boolean): Json {
  let oneofSet: Map<OneofSchema, string> | undefined;
  for (const key of Object.keys(json)) {
    if (inAny && key === '@type') continue;
    const value = json[key];
    const f = s.byKey.get(key);
    if (!f) {
      reportUnknownField(s, key, joinPath(path, key), errs);
      continue;
    }
    const fpath = joinPath(path, f.name);
    if (key !== f.name && Object.hasOwn(json, f.name)) {
      errs.error(fpath, `field is set twice, as "${f.name}" and as "${key}"`, CFG.DUPLICATE);
      continue;
    }
    if (value === undefined || (value === null && !(nullIsValue(f) && !f.repeated && !f.isMap))) continue; // null means unset
    if (f.oneof) {
      oneofSet ??= new Map();
      const first = oneofSet.get(f.oneof);
      if (first !== undefined) {
        errs.error(fpath, `oneof "${f.oneof.name}" has both "${first}" and "${f.name}" set; set only one`, CFG.CONFLICT);
        continue;
      }
      oneofSet.set(f.oneof, f.name);
    }
    const v = f.isMap ? decodeMap(f, value, fpath, errs) : f.repeated ? decodeList(f, value, fpath, errs) : decodeSingle(f, value, fpath, errs);
    if (v === undefined) continue;
    // proto3: a scalar without presence that holds its default is the same as unset
    if (!f.tracksPresence && !f.repeated && !f.isMap && isDefault(f, v)) continue;
    out[f.name] = v;
  }
  return out;
}

function reportUnknownField(s: MessageSchema, key: string, path: string, errs: ConfigErrors): void {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const hint = v2FieldHint(s.fullName, snake);
  if (hint) {
    errs.error(path, hint, CFG.UNKNOWN_FIELD);
    return;
  }
  const near = closest(snake, s.fields.map((f) => f.name));
  errs.error(path, `unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, CFG.UNKNOWN_FIELD);
}

/** The field name within a small edit distance of `word`, for "did you mean". */
function closest(word: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.min(2, Math.floor(word.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(word, n, bestD);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

function isDefault(f: FieldSchema, v: unknown): boolean {
  if (f.kind === K_ENUM) return v === f.enumType!.defaultName;
  if (f.kind === K_BYTES) return (v as Uint8Array).length === 0;
  return v === 0 || v === '' || v === false;
}

function typeLabel(f: FieldSchema): string {
  if (f.kind === K_MESSAGE) return f.message.fullName;
  if (f.kind === K_ENUM) return f.enumType!.fullName;
  return KIND_NAMES[f.kind];
}

function decodeList(f: FieldSchema, value: unknown, path: string, errs: ConfigErrors): unknown[] | undefined {
  if (!Array.isArray(value)) {
    // Envoy reads config with protobuf's JsonStringToMessage, which parses
    // with allow_legacy_syntax: a single element written in place of the
    // array is a one-element list (as the older ProtoStreamObjectWriter did).
    const v = decodeSingle(f, value, path, errs);
    return v === undefined ? undefined : [v];
  }
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const ipath = joinPath(path, i);
    if (value[i] === null && !nullIsValue(f)) {
      errs.error(ipath, 'null is not allowed in a list', CFG.WRONG_TYPE);
      continue;
    }
    const v = decodeSingle(f, value[i], ipath, errs);
    if (v !== undefined) out.push(v);
  }
  return out.length ? out : undefined;
}

function decodeMap(f: FieldSchema, value: unknown, path: string, errs: ConfigErrors): Json | undefined {
  if (!isObject(value)) {
    errs.error(path, `expected object (map<${KIND_NAMES[f.keyKind]}, ${typeLabel(f)}>), got ${describe(value)}`, CFG.WRONG_TYPE);
    return undefined;
  }
  const out: Json = {};
  let any = false;
  for (const key of Object.keys(value)) {
    const kpath = mapKeyPath(path, key);
    const k = decodeMapKey(f.keyKind, key);
    if (k === undefined) {
      errs.error(kpath, `invalid map key "${key}" (expected ${KIND_NAMES[f.keyKind]})`);
      continue;
    }
    const item = value[key];
    if (item === null && !nullIsValue(f)) {
      errs.error(kpath, 'null is not allowed as a map value', CFG.WRONG_TYPE);
      continue;
    }
    const v = decodeSingle(f, item, kpath, errs);
    if (v === undefined) continue;
    out[k] = v;
    any = true;
  }
  return any ? out : undefined;
}

/** Map keys stay strings in canonical form; integer keys are normalised ("007" → "7"). */
function decodeMapKey(kind: number, key: string): string | undefined {
  if (kind === K_STRING) return key;
  if (kind === K_BOOL) return key === 'true' || key === 'false' ? key : undefined;
  const n = integer(kind, key);
  return typeof n === 'number' ? String(n) : undefined;
}

function decodeSingle(f: FieldSchema, value: unknown, path: string, errs: ConfigErrors): unknown {
  if (f.kind === K_MESSAGE) return decodeMessage(f.message, value, path, errs);
  if (f.kind === K_ENUM) return decodeEnum(f.enumType!, value, path, errs);
  return decodeScalar(f.kind, value, path, errs);
}

function decodeEnum(e: EnumSchema, value: unknown, path: string, errs: ConfigErrors): string | undefined {
  const expected = `expected one of ${e.names.join(', ')}`;
  if (typeof value === 'string') {
    // Envoy parses JSON/YAML with protobuf's case_insensitive_enum_parsing: a
    // name that is not found is upper-cased (ASCII) and looked up again, so
    // `codec_type: auto` is AUTO while `tlsv1_2` (TLSv1_2) stays unknown.
    const n = e.numberByName.get(value) ?? e.numberByName.get(asciiUpper(value));
    if (n === undefined) {
      errs.error(path, `unknown enum value "${value}" (${expected})`);
      return undefined;
    }
    return e.nameByNumber.get(n); // aliases normalise to the first name, as binary decoding does
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    const name = e.nameByNumber.get(value);
    if (name === undefined) errs.error(path, `unknown enum number ${value} (${expected})`);
    return name;
  }
  errs.error(path, `expected ${shortName(e.fullName)} enum name (${expected}), got ${describe(value)}`, CFG.WRONG_TYPE);
  return undefined;
}

function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const FLOAT_MAX = 3.4028234663852886e38;

/** An integer of `kind` from a JSON number or decimal string, or an error message. */
function integer(kind: number, value: unknown): number | string {
  const name = KIND_NAMES[kind];
  let n: number;
  let big: bigint | undefined;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `expected ${name} (an integer), got ${describe(value)}`;
    n = value;
  } else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    big = BigInt(value);
    n = Number(value);
  } else {
    return `expected ${name} (an integer), got ${describe(value)}`;
  }
  const unsigned = kind === K_UINT32 || kind === K_FIXED32 || kind === K_UINT64 || kind === K_FIXED64;
  if (unsigned && n < 0) return `${name} must not be negative, got ${value}`;
  let ok: boolean;
  if (kind === K_INT32 || kind === K_SINT32 || kind === K_SFIXED32) ok = n >= INT32_MIN && n <= INT32_MAX;
  else if (kind === K_UINT32 || kind === K_FIXED32) ok = n <= UINT32_MAX;
  else {
    const b = big ?? BigInt(n);
    ok = unsigned ? b <= UINT64_MAX : b >= INT64_MIN && b <= INT64_MAX;
  }
  if (!ok) return `value ${value} is out of range for ${name}`;
  return n === 0 ? 0 : n; // no -0
}

function decodeScalar(kind: number, value: unknown, path: string, errs: ConfigErrors): unknown {
  // "expected X, got Y" is a JSON type mismatch; the rest (range, base64) are bad values.
  const fail = (msg: string): undefined => {
    errs.error(path, msg, msg.startsWith('expected ') ? CFG.WRONG_TYPE : CFG.INVALID_VALUE);
    return undefined;
  };
  switch (kind) {
    case K_STRING:
      return typeof value === 'string' ? value : fail(`expected string, got ${describe(value)}`);
    case K_BOOL:
      return typeof value === 'boolean' ? value : fail(`expected boolean (true or false), got ${describe(value)}`);
    case K_BYTES: {
      if (typeof value !== 'string') return fail(`expected base64 string (bytes), got ${describe(value)}`);
      const b = parseBase64(value);
      return typeof b === 'string' ? fail(b) : b;
    }
    case K_DOUBLE:
    case K_FLOAT: {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (value === 'NaN') n = NaN;
      else if (value === 'Infinity') n = Infinity;
      else if (value === '-Infinity') n = -Infinity;
      else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) n = Number(value);
      else return fail(`expected ${KIND_NAMES[kind]} (a number), got ${describe(value)}`);
      if (kind === K_FLOAT && Number.isFinite(n) && Math.abs(n) > FLOAT_MAX) return fail(`value ${value} is out of range for float`);
      return n;
    }
    case K_INT32: case K_UINT32: case K_SINT32: case K_FIXED32: case K_SFIXED32:
    case K_INT64: case K_UINT64: case K_SINT64: case K_FIXED64: case K_SFIXED64: {
      const n = integer(kind, value);
      return typeof n === 'string' ? fail(n) : n;
    }
    default:
      throw new Error(`unexpected scalar kind ${kind}`);
  }
}

function decodeWellKnown(s: MessageSchema, json: unknown, path: string, errs: ConfigErrors): unknown {
  switch (s.wellKnown) {
    case 'any':
      return decodeAny(json, path, errs);
    case 'duration':
    case 'timestamp':
      return decodeSecondsNanos(s, json, path, errs);
    case 'wrapper': {
      const inner = s.byName.get('value')!;
      if (isObject(json)) {
        errs.error(path, `expected ${KIND_NAMES[inner.kind]}, got object (a ${s.fullName} is written as the plain value, not {value: ...})`, CFG.WRONG_TYPE);
        return undefined;
      }
      const v = decodeScalar(inner.kind, json, path, errs);
      return v === undefined ? undefined : { value: v };
    }
    case 'struct':
      if (!isObject(json)) {
        errs.error(path, `expected object (google.protobuf.Struct), got ${describe(json)}`, CFG.WRONG_TYPE);
        return undefined;
      }
      return plainJson(json, path, errs);
    case 'list_value':
      if (!Array.isArray(json)) {
        errs.error(path, `expected array (google.protobuf.ListValue), got ${describe(json)}`, CFG.WRONG_TYPE);
        return undefined;
      }
      return plainJson(json, path, errs);
    case 'value':
      return plainJson(json, path, errs);
    case 'field_mask':
      if (typeof json !== 'string') {
        errs.error(path, `expected string of comma-separated paths (google.protobuf.FieldMask), got ${describe(json)}`, CFG.WRONG_TYPE);
        return undefined;
      }
      return { paths: parseFieldMask(json) };
    case 'empty':
    default:
      if (!isObject(json)) {
        errs.error(path, `expected object (${s.fullName}), got ${describe(json)}`, CFG.WRONG_TYPE);
        return undefined;
      }
      return decodeFields(s, json, path, errs, {}, false);
  }
}

function decodeSecondsNanos(s: MessageSchema, json: unknown, path: string, errs: ConfigErrors): SecondsNanos | undefined {
  const isDuration = s.wellKnown === 'duration';
  if (typeof json === 'string') {
    const r = isDuration ? parseDuration(json) : parseTimestamp(json);
    if (typeof r === 'string') {
      errs.error(path, r);
      return undefined;
    }
    return r;
  }
  if (isObject(json)) {
    // {seconds, nanos}: YAML users write Durations this way, and Envoy accepts it
    const before = errs.issues.length;
    const f = decodeFields(s, json, path, errs, {}, false) as Partial<SecondsNanos>;
    if (errs.issues.length !== before) return undefined;
    const d = { seconds: f.seconds ?? 0, nanos: f.nanos ?? 0 };
    const bad = isDuration ? checkDuration(d) : d.nanos < 0 || d.nanos > 999_999_999 ? 'timestamp nanos out of range' : undefined;
    if (bad) {
      errs.error(path, bad);
      return undefined;
    }
    return d;
  }
  errs.error(path, isDuration
    ? `expected duration string like "1.5s", got ${describe(json)}`
    : `expected RFC 3339 timestamp string, got ${describe(json)}`, CFG.WRONG_TYPE);
  return undefined;
}

function decodeAny(json: unknown, path: string, errs: ConfigErrors): Json | undefined {
  if (!isObject(json)) {
    errs.error(path, `expected object with "@type" (google.protobuf.Any), got ${describe(json)}`, CFG.WRONG_TYPE);
    return undefined;
  }
  const url = json['@type'];
  if (url === undefined || url === null) {
    errs.error(path, 'missing "@type" (an Any names its message, e.g. "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router")', CFG.REQUIRED);
    return undefined;
  }
  if (typeof url !== 'string' || !url.includes('/')) {
    errs.error(joinPath(path, '@type'), `invalid type URL ${typeof url === 'string' ? JSON.stringify(url) : describe(url)} (expected "type.googleapis.com/<full.type.Name>")`);
    return undefined;
  }
  const name = typeNameFromUrl(url);
  if (!hasMessageType(name)) {
    // Kept as a placeholder (the binary decoder's shape) so decoding goes on;
    // the position's decoder reports it with what that position supports.
    errs.unknownType(path, unknownTypeMessage(url));
    return { '@type': url, '@unknown': true };
  }
  const inner = messageSchema(name);
  const out: Json = { '@type': typeUrl(name) };
  if (!jsonUnderValueInAny(inner.wellKnown)) return decodeFields(inner, json, path, errs, out, true);
  // a well-known type with a special JSON form sits under "value"
  for (const key of Object.keys(json)) {
    if (key !== '@type' && key !== 'value') errs.error(joinPath(path, key), `unknown field "${key}" (an Any of ${name} holds only "@type" and "value")`, CFG.UNKNOWN_FIELD);
  }
  const vpath = joinPath(path, 'value');
  if (!Object.hasOwn(json, 'value')) {
    errs.error(vpath, `missing "value" (an Any of ${name} holds its JSON under "value")`, CFG.REQUIRED);
    return undefined;
  }
  const v = decodeMessage(inner, json.value, vpath, errs);
  if (v === undefined) return undefined;
  if (canonicalUnderValueInAny(inner.wellKnown)) out.value = v;
  else Object.assign(out, v);
  return out;
}

/** A deep copy of arbitrary JSON (Struct, Value, ListValue), refusing what JSON cannot hold. */
function plainJson(v: unknown, path: string, errs: ConfigErrors): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    errs.error(path, `${v} is not a JSON number`, CFG.WRONG_TYPE);
    return undefined;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = plainJson(v[i], joinPath(path, i), errs);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
  if (isObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Json = {};
    for (const key of Object.keys(v)) {
      const item = plainJson(v[key], mapKeyPath(path, key), errs);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }
  errs.error(path, `expected a JSON value, got ${describe(v)}`, CFG.WRONG_TYPE);
  return undefined;
}
