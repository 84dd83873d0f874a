// Protobuf wire format → canonical object, in one pass over the bytes with
// the compiled field tables: no intermediate protobufjs message objects, no
// toObject. Anys are unpacked in place from the same buffer; an Any of a type
// the descriptor lacks is kept as `{ '@type', '@unknown': true, value }` so the
// decoder that meets it can report it with its path.
import { ProtoCodecError } from './codec-error.js';
import {
  canonicalUnderValueInAny, hasMessageType, K_BOOL, K_BYTES, K_DOUBLE, K_ENUM, K_FIXED32, K_FIXED64, K_FLOAT, K_INT32,
  K_INT64, K_MESSAGE, K_SFIXED32, K_SFIXED64, K_SINT32, K_SINT64, K_STRING, K_UINT32, K_UINT64, messageSchema, scalarDefault,
  WIRE_TYPES, type EnumSchema, type FieldSchema, type MessageSchema,
} from './schema.js';
import { TYPE_URL_PREFIX, typeNameFromUrl, typeUrl } from './type-urls.js';
import { WireReader } from './wire-reader.js';

type Reader = WireReader;
type Json = Record<string, unknown>;

/** Deeper nesting than this is refused (protobuf's own default limit). */
const MAX_DEPTH = 100;

/** An Any whose type the descriptor lacks, kept undecoded. */
export interface UnknownAny {
  '@type': string;
  '@unknown': true;
  value: Uint8Array;
}

/** True for the placeholder decodeBinary leaves for an Any of an unknown type. */
export function isUnknownAny(v: unknown): v is UnknownAny {
  return typeof v === 'object' && v !== null && (v as Partial<UnknownAny>)['@unknown'] === true;
}

/**
 * Decodes protobuf bytes of message `typeName` into the canonical shape.
 * Unknown fields are skipped (protobuf's rule, so newer servers work); an
 * Any of an unknown type becomes an UnknownAny. Throws ProtoCodecError for
 * bytes that are not a valid encoding.
 */
export function decodeBinary<T>(typeName: string, bytes: Uint8Array): T {
  const s = messageSchema(typeName);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  try {
    return readMessage(r, s, r.len, undefined, 0) as T;
  } catch (err) {
    if (err instanceof ProtoCodecError) throw err;
    throw new ProtoCodecError(typeName, '', `invalid protobuf encoding: ${(err as Error).message}`);
  }
}

function readScalar(r: Reader, kind: number, enumType: EnumSchema | undefined): unknown {
  switch (kind) {
    case K_DOUBLE: return r.double();
    case K_FLOAT: return r.float();
    case K_INT32: return r.int32();
    case K_UINT32: return r.uint32();
    case K_SINT32: return r.sint32();
    case K_FIXED32: return r.fixed32();
    case K_SFIXED32: return r.sfixed32();
    case K_INT64: return r.int64();
    case K_UINT64: return r.uint64();
    case K_SINT64: return r.sint64();
    case K_FIXED64: return r.fixed64();
    case K_SFIXED64: return r.sfixed64();
    case K_BOOL: return r.bool();
    case K_STRING: return r.string();
    case K_BYTES: return new Uint8Array(r.bytes()); // a copy: do not pin the whole response buffer
    case K_ENUM: {
      const n = r.int32();
      return enumType!.nameByNumber.get(n) ?? n; // open enums: keep numbers this build does not know
    }
    default: throw new Error(`unexpected kind ${kind}`);
  }
}

function isDefault(f: FieldSchema, v: unknown): boolean {
  if (f.kind === K_ENUM) return v === f.enumType!.defaultName;
  if (f.kind === K_BYTES) return (v as Uint8Array).length === 0;
  return v === 0 || v === '' || v === false;
}

function checkEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError('a field runs past the end of its message');
}

/** Length-delimited end of a nested value, checked against its parent's end. */
function nestedEnd(r: Reader, end: number): number {
  const len = r.uint32();
  const e = r.pos + len;
  if (e > end) throw new RangeError(`length ${len} at offset ${r.pos} runs past the end of its parent`);
  return e;
}

function readMessage(r: Reader, s: MessageSchema, end: number, into: Json | undefined, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('message nesting too deep');
  switch (s.wellKnown) {
    case undefined:
    case 'empty':
    case 'field_mask':
      return readFields(r, s, end, into ?? {}, depth);
    case 'any':
      return readAny(r, end, depth);
    case 'struct':
      return readStruct(r, end, depth);
    case 'value':
      return readValue(r, end, depth);
    case 'list_value':
      return readListValue(r, end, depth);
    case 'wrapper': {
      const out = readFields(r, s, end, {}, depth);
      if (out.value === undefined) out.value = scalarDefault(s.fields[0].kind, undefined);
      return out;
    }
    case 'duration':
    case 'timestamp': {
      const out = readFields(r, s, end, {}, depth);
      return { seconds: out.seconds ?? 0, nanos: out.nanos ?? 0 };
    }
  }
}

/** Reads the fields of a plain message with its generated reader. */
function readFields(r: Reader, s: MessageSchema, end: number, out: Json, depth: number): Json {
  return fieldsReader(s)(r, end, out, depth);
}

/**
 * One field read the slow, general way: unknown numbers, wire types a field
 * cannot have, packed runs, maps. Generated readers fall back to this for any
 * tag they do not have a case for.
 */
function readOneField(r: Reader, s: MessageSchema, tag: number, out: Json, end: number, depth: number): void {
  const wt = tag & 7;
  const f = s.byNumber[tag >>> 3];
  if (f === undefined) {
    r.skipType(wt);
    return;
  }
  if (f.keyKind >= 0) {
    if (wt !== 2) r.skipType(wt);
    else readMapEntry(r, f, nestedEnd(r, end), out, depth);
    return;
  }
  if (f.repeated) {
    if (wt === 2 && f.packedTag !== 0) {
      const e = nestedEnd(r, end);
      if (e === r.pos) return;
      const arr = (out[f.name] ??= []) as unknown[];
      while (r.pos < e) arr.push(readScalar(r, f.kind, f.enumType));
      checkEnd(r, e);
    } else if (wt === WIRE_TYPES[f.kind]) {
      const arr = (out[f.name] ??= []) as unknown[];
      arr.push(f.kind === K_MESSAGE ? readMessage(r, f.message, nestedEnd(r, end), undefined, depth + 1) : readScalar(r, f.kind, f.enumType));
    } else {
      r.skipType(wt);
    }
    return;
  }
  if (wt !== WIRE_TYPES[f.kind]) {
    r.skipType(wt); // a wire type this field cannot have: treat as unknown, as protobuf does
    return;
  }
  if (f.kind === K_MESSAGE) {
    // a message field seen twice merges (protobuf's rule)
    const prev = out[f.name];
    const v = readMessage(r, f.message, nestedEnd(r, end), f.message.wellKnown === undefined ? prev as Json | undefined : undefined, depth + 1);
    if (f.oneof) clearOtherMembers(f, out);
    out[f.name] = v;
    return;
  }
  const v = readScalar(r, f.kind, f.enumType);
  if (f.oneof) {
    clearOtherMembers(f, out);
    out[f.name] = v;
  } else if (isDefault(f, v)) {
    // proto3: an explicitly written default is the same as unset
    if (out[f.name] !== undefined) delete out[f.name];
  } else {
    out[f.name] = v;
  }
}

type FieldsReader = (r: Reader, end: number, out: Json, depth: number) => Json;
const readers = new Map<MessageSchema, FieldsReader>();

function fieldsReader(s: MessageSchema): FieldsReader {
  let fn = readers.get(s);
  if (!fn) {
    fn = compileFieldsReader(s);
    readers.set(s, fn);
  }
  return fn;
}

const READ_EXPR: Record<number, string> = {
  [K_DOUBLE]: 'r.double()', [K_FLOAT]: 'r.float()', [K_INT32]: 'r.int32()', [K_UINT32]: 'r.uint32()',
  [K_SINT32]: 'r.sint32()', [K_FIXED32]: 'r.fixed32()', [K_SFIXED32]: 'r.sfixed32()', [K_INT64]: 'r.int64()',
  [K_UINT64]: 'r.uint64()', [K_SINT64]: 'r.sint64()', [K_FIXED64]: 'r.fixed64()', [K_SFIXED64]: 'r.sfixed64()',
  [K_BOOL]: 'r.bool()', [K_STRING]: 'r.string()', [K_BYTES]: 'new Uint8Array(r.bytes())',
};

const NOT_DEFAULT: Record<number, string> = { [K_BOOL]: 'v', [K_STRING]: "v !== ''", [K_BYTES]: 'v.length !== 0' };

/**
 * Generates a reader for one message type, as protobufjs does: a switch on
 * the tag with a case per field and property names written out, so each
 * store is a monomorphic named store instead of a megamorphic keyed one.
 * This is what makes decoding 1000 clusters take milliseconds, not tens.
 */
function compileFieldsReader(s: MessageSchema): FieldsReader {
  const lines: string[] = [];
  const prop = (f: FieldSchema): string => `out[${JSON.stringify(f.name)}]`;
  const clearSiblings = (f: FieldSchema): string => (f.oneof ? f.oneof.fields.filter((o) => o !== f)
    .map((o) => `if (${prop(o)} !== undefined) delete ${prop(o)};`).join(' ') : '');
  s.fields.forEach((f, i) => {
    if (f.keyKind >= 0) return; // maps take the general path
    const p = prop(f);
    const value = (): string => {
      if (f.kind === K_MESSAGE) {
        const plain = f.message.wellKnown === undefined;
        const into = f.repeated ? '{}' : `(${p} || {})`;
        return plain
          ? `(R[${i}] || (R[${i}] = FR(F[${i}].message)))(r, E(r, end), ${into}, depth + 1)`
          : `M(r, F[${i}].message, E(r, end), undefined, depth + 1)`;
      }
      if (f.kind === K_ENUM) return `(n = r.int32(), N[${i}].get(n) ?? n)`;
      return READ_EXPR[f.kind];
    };
    lines.push(`case ${f.tag}: {`);
    if (f.repeated) {
      lines.push(`(${p} || (${p} = [])).push(${value()});`);
    } else if (f.kind === K_MESSAGE || f.oneof) {
      lines.push(`v = ${value()}; ${clearSiblings(f)} ${p} = v;`);
    } else if (f.kind === K_ENUM) {
      lines.push(`n = r.int32(); if (n !== 0) ${p} = N[${i}].get(n) ?? n; else if (${p} !== undefined) delete ${p};`);
    } else {
      lines.push(`v = ${value()}; if (${NOT_DEFAULT[f.kind] ?? 'v !== 0'}) ${p} = v; else if (${p} !== undefined) delete ${p};`);
    }
    lines.push('break; }');
  });
  const body = `return function read(r, end, out, depth) {
  if (depth > ${MAX_DEPTH}) throw new RangeError('message nesting too deep');
  var v, n;
  while (r.pos < end) {
    var tag = r.uint32();
    switch (tag) {
${lines.join('\n')}
      default: SLOW(r, S, tag, out, end, depth);
    }
  }
  if (r.pos !== end) CHECK(r, end);
  return out;
};`;
  const factory = new Function('S', 'F', 'N', 'R', 'FR', 'M', 'E', 'SLOW', 'CHECK', body) as (...args: unknown[]) => FieldsReader;
  const enumsByIndex = s.fields.map((f) => f.enumType?.nameByNumber);
  return factory(s, s.fields, enumsByIndex, [], fieldsReader, readMessage, nestedEnd, readOneField, checkEnd);
}

/** Last member of a oneof on the wire wins. */
function clearOtherMembers(f: FieldSchema, out: Json): void {
  for (const o of f.oneof!.fields) if (o !== f && out[o.name] !== undefined) delete out[o.name];
}

function readMapEntry(r: Reader, f: FieldSchema, end: number, out: Json, depth: number): void {
  let key: unknown;
  let value: unknown;
  while (r.pos < end) {
    const tag = r.uint32();
    const n = tag >>> 3;
    if (n === 1) key = readScalar(r, f.keyKind, undefined);
    else if (n === 2) value = f.kind === K_MESSAGE ? readMessage(r, f.message, nestedEnd(r, end), undefined, depth + 1) : readScalar(r, f.kind, f.enumType);
    else r.skipType(tag & 7);
  }
  checkEnd(r, end);
  if (value === undefined) {
    // an absent value is the default: an empty message, or the scalar default
    value = f.kind === K_MESSAGE ? readMessage(r, f.message, r.pos, undefined, depth + 1) : scalarDefault(f.kind, f.enumType);
  }
  const map = (out[f.name] ??= {}) as Json;
  map[key === undefined ? defaultKey(f.keyKind) : String(key)] = value;
}

function defaultKey(kind: number): string {
  return kind === K_STRING ? '' : kind === K_BOOL ? 'false' : '0';
}

/** Type URL → schema (null when unknown), so each Any costs one map lookup. */
const anySchemas = new Map<string, MessageSchema | null>();

function anyPayloadSchema(url: string): MessageSchema | null {
  let s = anySchemas.get(url);
  if (s === undefined) {
    const name = typeNameFromUrl(url);
    s = url.includes('/') && hasMessageType(name) ? messageSchema(name) : null;
    if (anySchemas.size < 1000) anySchemas.set(url, s); // bounded: URLs come from the network
  }
  return s;
}

function readAny(r: Reader, end: number, depth: number): Json {
  let url = '';
  let start = -1;
  let stop = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) url = r.string();
    else if (tag === 18) {
      stop = nestedEnd(r, end);
      start = r.pos;
      r.pos = stop;
    } else r.skipType(tag & 7);
  }
  checkEnd(r, end);
  const after = r.pos;
  const inner = anyPayloadSchema(url);
  if (inner === null) {
    const value = start < 0 ? new Uint8Array(0) : new Uint8Array(r.buf.subarray(start, stop));
    const unknown: UnknownAny = { '@type': url, '@unknown': true, value };
    return unknown as unknown as Json;
  }
  const out: Json = { '@type': url.startsWith(TYPE_URL_PREFIX) ? url : typeUrl(inner.fullName) };
  // decode the payload in place from the same buffer
  if (start < 0) start = stop = after;
  r.pos = start;
  if (inner.wellKnown === undefined) {
    readFields(r, inner, stop, out, depth + 1);
  } else {
    const v = readMessage(r, inner, stop, undefined, depth + 1);
    if (canonicalUnderValueInAny(inner.wellKnown)) out.value = v;
    else Object.assign(out, v);
  }
  r.pos = after;
  return out;
}

// google.protobuf.Struct / Value / ListValue → plain JSON. Field numbers are
// fixed by struct.proto: Struct.fields = 1 (map entries: key 1, value 2);
// Value: null 1, number 2, string 3, bool 4, struct 5, list 6; ListValue.values = 1.

function readStruct(r: Reader, end: number, depth: number): Json {
  if (depth > MAX_DEPTH) throw new RangeError('message nesting too deep');
  const out: Json = {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag !== 10) {
      r.skipType(tag & 7);
      continue;
    }
    const e = nestedEnd(r, end);
    let key = '';
    let value: unknown = null;
    while (r.pos < e) {
      const t = r.uint32();
      if (t === 10) key = r.string();
      else if (t === 18) value = readValue(r, nestedEnd(r, e), depth + 1);
      else r.skipType(t & 7);
    }
    checkEnd(r, e);
    out[key] = value;
  }
  checkEnd(r, end);
  return out;
}

function readValue(r: Reader, end: number, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('message nesting too deep');
  let v: unknown = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case 8: r.int32(); v = null; break;
      case 17: v = r.double(); break;
      case 26: v = r.string(); break;
      case 32: v = r.bool(); break;
      case 42: v = readStruct(r, nestedEnd(r, end), depth + 1); break;
      case 50: v = readListValue(r, nestedEnd(r, end), depth + 1); break;
      default: r.skipType(tag & 7);
    }
  }
  checkEnd(r, end);
  return v;
}

function readListValue(r: Reader, end: number, depth: number): unknown[] {
  if (depth > MAX_DEPTH) throw new RangeError('message nesting too deep');
  const out: unknown[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 10) out.push(readValue(r, nestedEnd(r, end), depth + 1));
    else r.skipType(tag & 7);
  }
  checkEnd(r, end);
  return out;
}
