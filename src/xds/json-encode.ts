// Canonical object → proto3 JSON, as Envoy prints it in /config_dump: proto
// (snake_case) field names in declaration order, enums by name, 64-bit
// integers as strings, bytes as base64, Durations as "1.5s", Timestamps in
// RFC 3339, wrappers as their plain value, Struct as JSON, Any with "@type".
import { ProtoCodecError, PathedFailure, within } from './codec-error.js';
import {
  canonicalUnderValueInAny, hasMessageType, is64Bit, jsonUnderValueInAny, K_BYTES, K_DOUBLE, K_ENUM, K_FLOAT,
  K_MESSAGE, messageSchema, scalarDefault, type FieldSchema, type MessageSchema,
} from './schema.js';
import { typeNameFromUrl } from './type-urls.js';
import { unsupportedTypeMessage } from './unsupported-type.js';
import { formatBase64, formatDuration, formatFieldMask, formatTimestamp } from './wkt-format.js';

type Json = Record<string, unknown>;


/**
 * proto3 JSON of a canonical object of message `typeName`. An UnknownAny is
 * printed as `{"@type", "@unknown": true, "value": <base64>}` so a dump never
 * fails on it. Throws ProtoCodecError when `obj` does not fit the schema.
 */
export function toJson(typeName: string, obj: unknown): unknown {
  try {
    return messageJson(messageSchema(typeName), obj);
  } catch (err) {
    if (err instanceof PathedFailure) throw new ProtoCodecError(typeName, err.path, err.message);
    throw err;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function messageJson(s: MessageSchema, obj: unknown): unknown {
  switch (s.wellKnown) {
    case 'any': return anyJson(obj);
    case 'struct': case 'value': case 'list_value': return obj; // already plain JSON
    case 'duration': return formatDuration(expectObject(s, obj));
    case 'timestamp': return formatTimestamp(expectObject(s, obj));
    case 'field_mask': return formatFieldMask((expectObject(s, obj).paths as string[] | undefined) ?? []);
    case 'wrapper': {
      const inner = s.fields[0];
      const v = expectObject(s, obj).value;
      return scalarJson(inner, v === undefined ? scalarDefault(inner.kind) : v);
    }
    default: return fieldsJson(s, expectObject(s, obj), {}, false);
  }
}

function expectObject(s: MessageSchema, obj: unknown): Json {
  if (!isObject(obj)) throw new PathedFailure('', `expected object for ${s.fullName}, got ${obj === null ? 'null' : typeof obj}`);
  return obj;
}

function fieldsJson(s: MessageSchema, obj: Json, out: Json, inAny: boolean): Json {
  let used = inAny ? 1 : 0;
  for (const f of s.fields) {
    const v = obj[f.name];
    if (v === undefined) continue;
    used++;
    if (v === null && !(f.kind === K_MESSAGE && f.message.wellKnown === 'value')) continue;
    try {
      out[f.name] = f.keyKind >= 0 ? mapJson(f, v) : f.repeated ? listJson(f, v) : valueJson(f, v);
    } catch (err) {
      within(f.name, err);
    }
  }
  let total = 0;
  for (const _ in obj) total++;
  if (total !== used) {
    for (const key of Object.keys(obj)) {
      if (!s.byName.has(key) && !(inAny && key === '@type')) throw new PathedFailure(key, `unknown field "${key}" for ${s.fullName}`);
    }
  }
  return out;
}

function listJson(f: FieldSchema, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new PathedFailure('', `expected array, got ${typeof v}`);
  const out: unknown[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    try {
      out[i] = valueJson(f, v[i]);
    } catch (err) {
      within(`[${i}]`, err);
    }
  }
  return out;
}

function mapJson(f: FieldSchema, v: unknown): Json {
  if (!isObject(v)) throw new PathedFailure('', `expected object (map), got ${typeof v}`);
  const out: Json = {};
  for (const key of Object.keys(v)) {
    try {
      out[key] = valueJson(f, v[key]);
    } catch (err) {
      within(`[${JSON.stringify(key)}]`, err);
    }
  }
  return out;
}

function valueJson(f: FieldSchema, v: unknown): unknown {
  return f.kind === K_MESSAGE ? messageJson(f.message, v) : scalarJson(f, v);
}

function scalarJson(f: FieldSchema, v: unknown): unknown {
  if (f.kind === K_ENUM) {
    if (typeof v === 'string' || typeof v === 'number') return v;
  } else if (is64Bit(f.kind)) {
    if (typeof v === 'number' || typeof v === 'string') return String(v);
  } else if (f.kind === K_DOUBLE || f.kind === K_FLOAT) {
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v); // NaN, Infinity, -Infinity
  } else if (f.kind === K_BYTES) {
    if (v instanceof Uint8Array) return formatBase64(v);
  } else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
    return v;
  }
  throw new PathedFailure('', `unexpected ${typeof v} for a ${f.kind === K_ENUM ? f.enumType!.fullName : 'scalar'} field`);
}

function anyJson(obj: unknown): Json {
  if (!isObject(obj) || typeof obj['@type'] !== 'string') throw new PathedFailure('', 'an Any needs a string "@type"');
  const url = obj['@type'];
  if (obj['@unknown'] === true) {
    return { '@type': url, '@unknown': true, value: obj.value instanceof Uint8Array ? formatBase64(obj.value) : '' };
  }
  const name = typeNameFromUrl(url);
  if (!hasMessageType(name)) throw new PathedFailure('', unsupportedTypeMessage(url));
  const inner = messageSchema(name);
  const out: Json = { '@type': url };
  if (!jsonUnderValueInAny(inner.wellKnown)) return fieldsJson(inner, obj, out, true);
  try {
    out.value = messageJson(inner, canonicalUnderValueInAny(inner.wellKnown) ? obj.value : obj);
  } catch (err) {
    within('value', err);
  }
  return out;
}
