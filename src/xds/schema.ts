// Per-type field tables compiled from the descriptor JSON, built lazily the
// first time a type is used and cached for the life of the process. Every
// codec path (JSON in, binary in and out, JSON out) walks these tables instead
// of protobufjs reflection objects, so a field lookup is one array or map read.
import { loadDescriptorJson, type DescriptorField, type DescriptorNode } from './descriptor.js';

/** Scalar kinds, enums and messages as small integers so hot loops can switch on them. */
export const K_DOUBLE = 0;
export const K_FLOAT = 1;
export const K_INT32 = 2;
export const K_UINT32 = 3;
export const K_SINT32 = 4;
export const K_FIXED32 = 5;
export const K_SFIXED32 = 6;
export const K_INT64 = 7;
export const K_UINT64 = 8;
export const K_SINT64 = 9;
export const K_FIXED64 = 10;
export const K_SFIXED64 = 11;
export const K_BOOL = 12;
export const K_STRING = 13;
export const K_BYTES = 14;
export const K_ENUM = 15;
export const K_MESSAGE = 16;

const SCALAR_KINDS: Record<string, number> = {
  double: K_DOUBLE, float: K_FLOAT, int32: K_INT32, uint32: K_UINT32, sint32: K_SINT32,
  fixed32: K_FIXED32, sfixed32: K_SFIXED32, int64: K_INT64, uint64: K_UINT64, sint64: K_SINT64,
  fixed64: K_FIXED64, sfixed64: K_SFIXED64, bool: K_BOOL, string: K_STRING, bytes: K_BYTES,
};

/** Protobuf type name of each kind, for messages. */
export const KIND_NAMES = ['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64',
  'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes', 'enum', 'message'] as const;

/** Wire type of each kind (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
export const WIRE_TYPES = [1, 5, 0, 0, 0, 5, 5, 0, 0, 0, 1, 1, 0, 2, 2, 0, 2] as const;

/** Kinds that are 64-bit integers (numbers in canonical form, strings in proto3 JSON). */
export function is64Bit(kind: number): boolean {
  return kind >= K_INT64 && kind <= K_SFIXED64;
}

/** proto3's default of a scalar or enum (what an absent field means). */
export function scalarDefault(kind: number, enumType?: EnumSchema): unknown {
  switch (kind) {
    case K_STRING: return '';
    case K_BOOL: return false;
    case K_BYTES: return new Uint8Array(0);
    case K_ENUM: return enumType?.defaultName ?? 0;
    default: return 0;
  }
}

/** Well-known types whose canonical or JSON form differs from a plain message. */
export type WellKnown = 'any' | 'duration' | 'timestamp' | 'struct' | 'value' | 'list_value' | 'wrapper' | 'empty' | 'field_mask';

const WELL_KNOWN: Record<string, WellKnown> = {
  'google.protobuf.Any': 'any',
  'google.protobuf.Duration': 'duration',
  'google.protobuf.Timestamp': 'timestamp',
  'google.protobuf.Struct': 'struct',
  'google.protobuf.Value': 'value',
  'google.protobuf.ListValue': 'list_value',
  'google.protobuf.Empty': 'empty',
  'google.protobuf.FieldMask': 'field_mask',
  'google.protobuf.DoubleValue': 'wrapper',
  'google.protobuf.FloatValue': 'wrapper',
  'google.protobuf.Int64Value': 'wrapper',
  'google.protobuf.UInt64Value': 'wrapper',
  'google.protobuf.Int32Value': 'wrapper',
  'google.protobuf.UInt32Value': 'wrapper',
  'google.protobuf.BoolValue': 'wrapper',
  'google.protobuf.StringValue': 'wrapper',
  'google.protobuf.BytesValue': 'wrapper',
};

/**
 * Well-known types with a special proto3 JSON form: inside an Any their JSON
 * sits under a "value" key (`{"@type": ".../Duration", "value": "1s"}`).
 */
export function jsonUnderValueInAny(wkt: WellKnown | undefined): boolean {
  return wkt !== undefined && wkt !== 'empty';
}

/**
 * Well-known types whose canonical form is not an object of fields (plain
 * JSON, or an Any that has its own "@type"): inside an Any their canonical
 * form sits under a "value" key. Duration, wrappers etc. spread their fields.
 */
export function canonicalUnderValueInAny(wkt: WellKnown | undefined): boolean {
  return wkt === 'struct' || wkt === 'value' || wkt === 'list_value' || wkt === 'any';
}

/** An enum's names in declaration order and both lookup directions. */
export class EnumSchema {
  readonly names: string[];
  readonly numberByName = new Map<string, number>();
  readonly nameByNumber = new Map<number, string>();
  /** Name of the value 0 (proto3's default), if any. */
  readonly defaultName: string | undefined;

  constructor(readonly fullName: string, values: Record<string, number>) {
    this.names = Object.keys(values);
    for (const name of this.names) {
      const n = values[name];
      this.numberByName.set(name, n);
      if (!this.nameByNumber.has(n)) this.nameByNumber.set(n, name);
    }
    this.defaultName = this.nameByNumber.get(0);
  }
}

/** Members of one oneof, for "only one may be set" checks and last-wins decoding. */
export interface OneofSchema {
  readonly name: string;
  readonly fields: FieldSchema[];
}

/** One field of a message, with everything the codecs need precomputed. */
export class FieldSchema {
  /** lowerCamelCase JSON name, accepted on input as an alias of `name`. */
  readonly camelName: string;
  /** `(number << 3) | wire type` of one element. */
  readonly tag: number;
  /** Tag of a packed run (wire type 2), or 0 when this field cannot be packed. */
  readonly packedTag: number;
  /** Encode repeated scalars packed (proto3's default unless `[packed = false]`). */
  readonly packed: boolean;
  oneof: OneofSchema | undefined;
  private resolved: MessageSchema | undefined;

  constructor(
    readonly name: string,
    readonly number: number,
    /** K_* kind of the value (of the map value for maps). */
    readonly kind: number,
    readonly repeated: boolean,
    /** K_* kind of the map key, or -1 when this is not a map. */
    readonly keyKind: number,
    /** Full type name for enums and messages. */
    readonly typeName: string | undefined,
    readonly enumType: EnumSchema | undefined,
    packedOption: boolean | undefined,
  ) {
    this.camelName = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    this.tag = ((number << 3) | (keyKind >= 0 ? 2 : WIRE_TYPES[kind])) >>> 0;
    const packable = keyKind < 0 && repeated && kind !== K_STRING && kind !== K_BYTES && kind !== K_MESSAGE;
    this.packedTag = packable ? ((number << 3) | 2) >>> 0 : 0;
    this.packed = packable && packedOption !== false;
  }

  get isMap(): boolean {
    return this.keyKind >= 0;
  }

  /** proto3: message fields and oneof members are "set" even at their default value. */
  get tracksPresence(): boolean {
    return this.kind === K_MESSAGE || this.oneof !== undefined;
  }

  /** The message type of a message field (compiled on first use). */
  get message(): MessageSchema {
    if (!this.resolved) this.resolved = messageSchema(this.typeName!);
    return this.resolved;
  }
}

/** A message type's fields in declaration order, and lookups by number and JSON key. */
export class MessageSchema {
  readonly fields: FieldSchema[] = [];
  /** Sparse, indexed by field number. */
  readonly byNumber: (FieldSchema | undefined)[] = [];
  /** By proto name and by lowerCamel JSON name. */
  readonly byKey = new Map<string, FieldSchema>();
  /** By proto name only (the canonical shape). */
  readonly byName = new Map<string, FieldSchema>();
  /** Fields sorted by number: the order protobuf encoders write. */
  readonly encodeOrder: FieldSchema[];
  readonly oneofs: OneofSchema[] = [];
  readonly wellKnown: WellKnown | undefined;

  constructor(readonly fullName: string, node: DescriptorNode) {
    this.wellKnown = WELL_KNOWN[fullName];
    for (const [name, f] of Object.entries(node.fields ?? {})) {
      const field = compileField(fullName, name, f);
      this.fields.push(field);
      this.byNumber[field.number] = field;
      this.byName.set(name, field);
      this.byKey.set(name, field);
      if (!this.byKey.has(field.camelName)) this.byKey.set(field.camelName, field);
    }
    for (const [name, o] of Object.entries(node.oneofs ?? {})) {
      const oneof: OneofSchema = { name, fields: o.oneof.map((n) => this.byName.get(n)).filter((f): f is FieldSchema => !!f) };
      for (const f of oneof.fields) f.oneof = oneof;
      this.oneofs.push(oneof);
    }
    this.encodeOrder = [...this.fields].sort((a, b) => a.number - b.number);
  }
}

type IndexEntry = { kind: 'message' | 'enum' | 'other'; node: DescriptorNode };

let index: Map<string, IndexEntry> | undefined;
const messages = new Map<string, MessageSchema>();
const enums = new Map<string, EnumSchema>();

function typeIndex(): Map<string, IndexEntry> {
  if (index) return index;
  index = new Map();
  const walk = (node: DescriptorNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = prefix ? `${prefix}.${name}` : name;
      const kind = child.fields ? 'message' : child.values ? 'enum' : 'other';
      index!.set(full, { kind, node: child });
      walk(child, full);
    }
  };
  walk(loadDescriptorJson(), '');
  return index;
}

/**
 * Resolves a type reference written inside `scope` the way protobufjs does:
 * try the whole dotted name in the innermost scope, then each enclosing one.
 */
function resolveReference(scope: string, ref: string): string | undefined {
  const idx = typeIndex();
  if (ref.startsWith('.')) return idx.has(ref.slice(1)) ? ref.slice(1) : undefined;
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = i ? `${parts.slice(0, i).join('.')}.${ref}` : ref;
    const e = idx.get(candidate);
    if (e && e.kind !== 'other') return candidate;
  }
  return undefined;
}

function compileField(scope: string, name: string, f: DescriptorField): FieldSchema {
  const repeated = f.rule === 'repeated';
  const keyKind = f.keyType !== undefined ? SCALAR_KINDS[f.keyType] : -1;
  if (keyKind === undefined) throw new Error(`${scope}.${name}: unsupported map key type ${f.keyType}`);
  const scalar = SCALAR_KINDS[f.type];
  if (scalar !== undefined) return new FieldSchema(name, f.id, scalar, repeated, keyKind, undefined, undefined, f.options?.packed);
  const full = resolveReference(scope, f.type);
  if (!full) throw new Error(`${scope}.${name}: cannot resolve type ${f.type}`);
  if (typeIndex().get(full)!.kind === 'enum') {
    return new FieldSchema(name, f.id, K_ENUM, repeated, keyKind, full, enumSchema(full), f.options?.packed);
  }
  return new FieldSchema(name, f.id, K_MESSAGE, repeated, keyKind, full, undefined, f.options?.packed);
}

/** True when the descriptor holds a message type of this full name. */
export function hasMessageType(fullName: string): boolean {
  return typeIndex().get(fullName)?.kind === 'message';
}

/** The compiled table of a message type. Throws for a name the descriptor lacks. */
export function messageSchema(fullName: string): MessageSchema {
  let s = messages.get(fullName);
  if (s) return s;
  const e = typeIndex().get(fullName);
  if (!e || e.kind !== 'message') throw new Error(`unknown protobuf message type ${fullName}`);
  s = new MessageSchema(fullName, e.node);
  messages.set(fullName, s);
  return s;
}

/** The compiled table of an enum type. */
export function enumSchema(fullName: string): EnumSchema {
  let s = enums.get(fullName);
  if (s) return s;
  const e = typeIndex().get(fullName);
  if (!e || e.kind !== 'enum') throw new Error(`unknown protobuf enum type ${fullName}`);
  s = new EnumSchema(fullName, e.node.values!);
  enums.set(fullName, s);
  return s;
}

/** Every message type name in the descriptor (for suggestions in error messages). */
export function allMessageTypeNames(): string[] {
  const out: string[] = [];
  for (const [name, e] of typeIndex()) if (e.kind === 'message') out.push(name);
  return out;
}

/** Message types no field of another type refers to: the plausible payloads of an Any. */
let anyPayloads: string[] | undefined;
export function anyPayloadTypeNames(): string[] {
  if (anyPayloads) return anyPayloads;
  const referenced = new Set<string>();
  const idx = typeIndex();
  for (const [name, e] of idx) {
    if (e.kind !== 'message') continue;
    for (const f of Object.values(e.node.fields ?? {})) {
      if (SCALAR_KINDS[f.type] !== undefined) continue;
      const full = resolveReference(name, f.type);
      if (full && full !== name) referenced.add(full);
    }
  }
  anyPayloads = [];
  for (const [name, e] of idx) {
    if (e.kind !== 'message' || referenced.has(name) || name.startsWith('google.')) continue;
    // nested messages are parts of their parent, never payloads on their own
    const parent = name.slice(0, name.lastIndexOf('.'));
    if (idx.get(parent)?.kind === 'message') continue;
    anyPayloads.push(name);
  }
  anyPayloads.sort();
  return anyPayloads;
}
