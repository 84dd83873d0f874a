// Canonical object → protobuf wire format. The xDS server encodes each
// resource once per version and sends the same bytes to every proxy, so this
// favours exactness over speed: fields are written in field-number order,
// proto3 defaults without presence are left out (as protobuf does), and a key
// that is not a field of the type throws, because a canonical object built by
// weft's own code that does not match its schema is a bug to surface.
import { ProtoCodecError, PathedFailure, within } from './codec-error.js';
import {
  canonicalUnderValueInAny, hasMessageType, K_BOOL, K_BYTES, K_DOUBLE, K_ENUM, K_FIXED32, K_FIXED64, K_FLOAT,
  K_INT32, K_INT64, K_MESSAGE, K_SFIXED32, K_SFIXED64, K_SINT32, K_SINT64, K_STRING, K_UINT32, K_UINT64, KIND_NAMES,
  messageSchema, WIRE_TYPES, type EnumSchema, type FieldSchema, type MessageSchema,
} from './schema.js';
import { typeNameFromUrl } from './type-urls.js';
import { WireWriter } from './wire-writer.js';
import { unsupportedTypeMessage } from './unsupported-type.js';

type Writer = WireWriter;

/** One writer reused across calls (encoding is synchronous), so its buffer is allocated once. */
let shared: WireWriter | undefined;
type Json = Record<string, unknown>;


/**
 * Encodes a canonical object of message `typeName`. Anys are packed by their
 * "@type"; an UnknownAny is written back with its original bytes. Throws
 * ProtoCodecError (with the field path) when `obj` does not fit the schema.
 */
export function encodeBinary(typeName: string, obj: unknown): Uint8Array {
  const s = messageSchema(typeName);
  const w = shared ?? new WireWriter();
  shared = undefined; // not re-entrant: a nested call (none today) would get its own
  try {
    writeMessage(w, s, obj);
    return w.finish();
  } catch (err) {
    w.finish();
    if (err instanceof PathedFailure) throw new ProtoCodecError(typeName, err.path, err.message);
    throw err;
  } finally {
    if (w.reusable) shared = w;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function writeMessage(w: Writer, s: MessageSchema, obj: unknown): void {
  switch (s.wellKnown) {
    case 'any': return writeAny(w, obj);
    case 'struct': return writeStruct(w, obj);
    case 'value': return writeValue(w, obj);
    case 'list_value': return writeListValue(w, obj);
    default: return writeFields(w, s, obj, false);
  }
}

function isDefault(f: FieldSchema, v: unknown): boolean {
  if (f.kind === K_ENUM) return v === 0 || v === f.enumType!.defaultName;
  if (f.kind === K_BYTES) return v instanceof Uint8Array && v.length === 0;
  return v === 0 || v === '' || v === false;
}

function nullIsValue(f: FieldSchema): boolean {
  return f.kind === K_MESSAGE && f.message.wellKnown === 'value';
}

function writeFields(w: Writer, s: MessageSchema, obj: unknown, inAny: boolean): void {
  if (!isObject(obj)) throw new PathedFailure('', `expected object for ${s.fullName}, got ${obj === null ? 'null' : Array.isArray(obj) ? 'array' : typeof obj}`);
  let used = inAny ? 1 : 0; // the "@type" key of an Any
  for (const f of s.encodeOrder) {
    const v = obj[f.name];
    if (v === undefined) continue;
    used++;
    if (v === null && !nullIsValue(f)) continue;
    try {
      if (f.keyKind >= 0) writeMap(w, f, v);
      else if (f.repeated) writeRepeated(w, f, v);
      else if (f.tracksPresence || !isDefault(f, v)) writeOne(w, f, v);
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
}

function writeOne(w: Writer, f: FieldSchema, v: unknown): void {
  if (f.kind === K_MESSAGE) {
    w.uint32(f.tag);
    const m0 = w.fork();
    writeMessage(w, f.message, v);
    w.ldelim(m0);
  } else {
    w.uint32(f.tag);
    writeScalar(w, f.kind, f.enumType, v);
  }
}

function writeRepeated(w: Writer, f: FieldSchema, v: unknown): void {
  if (!Array.isArray(v)) throw new PathedFailure('', `expected array, got ${typeof v}`);
  if (v.length === 0) return;
  let i = 0;
  try {
    if (f.packed) {
      w.uint32(f.packedTag);
      const m0 = w.fork();
      for (; i < v.length; i++) writeScalar(w, f.kind, f.enumType, v[i]);
      w.ldelim(m0);
    } else {
      for (; i < v.length; i++) writeOne(w, f, v[i]);
    }
  } catch (err) {
    within(`[${i}]`, err);
  }
}

function writeMap(w: Writer, f: FieldSchema, v: unknown): void {
  if (!isObject(v)) throw new PathedFailure('', `expected object (map), got ${typeof v}`);
  const keyTag = (8 | WIRE_TYPES[f.keyKind]) >>> 0;
  const valueTag = (16 | WIRE_TYPES[f.kind]) >>> 0;
  for (const key of Object.keys(v)) {
    try {
      w.uint32(f.tag);
      const m0 = w.fork();
      w.uint32(keyTag);
      if (f.keyKind === K_STRING) w.string(key);
      else if (f.keyKind === K_BOOL) w.bool(key === 'true');
      else writeScalar(w, f.keyKind, undefined, /^-?\d+$/.test(key) ? Number(key) : key);
      if (f.kind === K_MESSAGE) {
        w.uint32(valueTag);
        const m1 = w.fork();
        writeMessage(w, f.message, v[key]);
        w.ldelim(m1);
      } else {
        w.uint32(valueTag);
        writeScalar(w, f.kind, f.enumType, v[key]);
      }
      w.ldelim(m0);
    } catch (err) {
      within(`[${JSON.stringify(key)}]`, err);
    }
  }
}

function writeScalar(w: Writer, kind: number, enumType: EnumSchema | undefined, v: unknown): void {
  const bad = (): never => {
    throw new PathedFailure('', `expected ${KIND_NAMES[kind]}, got ${v === null ? 'null' : typeof v} ${typeof v === 'object' ? '' : String(v)}`.trimEnd());
  };
  switch (kind) {
    case K_DOUBLE: if (typeof v !== 'number') bad(); w.double(v as number); return;
    case K_FLOAT: if (typeof v !== 'number') bad(); w.float(v as number); return;
    case K_INT32: if (!Number.isInteger(v)) bad(); w.int32(v as number); return;
    case K_UINT32: if (!Number.isInteger(v)) bad(); w.uint32(v as number); return;
    case K_SINT32: if (!Number.isInteger(v)) bad(); w.sint32(v as number); return;
    case K_FIXED32: if (!Number.isInteger(v)) bad(); w.fixed32(v as number); return;
    case K_SFIXED32: if (!Number.isInteger(v)) bad(); w.sfixed32(v as number); return;
    case K_INT64: case K_UINT64: case K_SINT64: case K_FIXED64: case K_SFIXED64: {
      if (!Number.isInteger(v) && !(typeof v === 'string' && /^-?\d+$/.test(v))) bad();
      const n = v as number | string;
      if (kind === K_INT64) w.int64(n);
      else if (kind === K_UINT64) w.uint64(n);
      else if (kind === K_SINT64) w.sint64(n);
      else if (kind === K_FIXED64) w.fixed64(n);
      else w.sfixed64(n);
      return;
    }
    case K_BOOL: if (typeof v !== 'boolean') bad(); w.bool(v as boolean); return;
    case K_STRING: if (typeof v !== 'string') bad(); w.string(v as string); return;
    case K_BYTES: if (!(v instanceof Uint8Array)) bad(); w.bytes(v as Uint8Array); return;
    case K_ENUM: {
      const n = typeof v === 'string' ? enumType!.numberByName.get(v) : Number.isInteger(v) ? v as number : undefined;
      if (n === undefined) throw new PathedFailure('', `unknown ${enumType!.fullName} value ${JSON.stringify(v)}`);
      w.int32(n);
      return;
    }
    default: throw new Error(`unexpected kind ${kind}`);
  }
}

function writeAny(w: Writer, obj: unknown): void {
  if (!isObject(obj)) throw new PathedFailure('', `expected object for google.protobuf.Any, got ${typeof obj}`);
  const url = obj['@type'];
  if (typeof url !== 'string') throw new PathedFailure('', 'an Any needs a string "@type"');
  if (obj['@unknown'] === true) {
    w.uint32(10).string(url);
    const value = obj.value;
    if (!(value instanceof Uint8Array)) throw new PathedFailure('value', 'an unknown Any keeps its bytes in "value"');
    if (value.length) w.uint32(18).bytes(value);
    return;
  }
  const name = typeNameFromUrl(url);
  if (!hasMessageType(name)) throw new PathedFailure('', unsupportedTypeMessage(url));
  const inner = messageSchema(name);
  w.uint32(10).string(url);
  let keys = 0;
  for (const _ in obj) keys++;
  if (keys === 1) return; // an empty payload is an absent bytes field
  w.uint32(18);
  const m0 = w.fork();
  if (canonicalUnderValueInAny(inner.wellKnown)) {
    if (keys !== 2 || !Object.hasOwn(obj, 'value')) throw new PathedFailure('', `an Any of ${name} holds only "@type" and "value"`);
    try {
      writeMessage(w, inner, obj.value);
    } catch (err) {
      within('value', err);
    }
  } else {
    writeFields(w, inner, obj, true);
  }
  w.ldelim(m0);
}

// google.protobuf.Struct / Value / ListValue from plain JSON; field numbers
// as in binary-decode.ts.

function writeStruct(w: Writer, obj: unknown): void {
  if (!isObject(obj)) throw new PathedFailure('', `expected object for google.protobuf.Struct, got ${typeof obj}`);
  for (const key of Object.keys(obj)) {
    w.uint32(10);
    const m0 = w.fork();
    w.uint32(10).string(key);
    w.uint32(18);
    const m1 = w.fork();
    try {
      writeValue(w, obj[key]);
    } catch (err) {
      within(`[${JSON.stringify(key)}]`, err);
    }
    w.ldelim(m1);
    w.ldelim(m0);
  }
}

function writeValue(w: Writer, v: unknown): void {
  if (v === null) w.uint32(8).int32(0);
  else if (typeof v === 'number') w.uint32(17).double(v);
  else if (typeof v === 'string') w.uint32(26).string(v);
  else if (typeof v === 'boolean') w.uint32(32).bool(v);
  else if (Array.isArray(v)) {
    w.uint32(50);
    const m0 = w.fork();
    writeListValue(w, v);
    w.ldelim(m0);
  } else if (isObject(v)) {
    w.uint32(42);
    const m0 = w.fork();
    writeStruct(w, v);
    w.ldelim(m0);
  } else {
    throw new PathedFailure('', `${typeof v} is not a JSON value`);
  }
}

function writeListValue(w: Writer, v: unknown): void {
  if (!Array.isArray(v)) throw new PathedFailure('', `expected array for google.protobuf.ListValue, got ${typeof v}`);
  for (let i = 0; i < v.length; i++) {
    w.uint32(10);
    const m0 = w.fork();
    try {
      writeValue(w, v[i]);
    } catch (err) {
      within(`[${i}]`, err);
    }
    w.ldelim(m0);
  }
}
