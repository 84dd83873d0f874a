// Errors the binary and JSON encoders throw. Decoding user config never
// throws (it collects ConfigErrors); these signal bytes that are not valid
// protobuf, or a canonical object built by weft's own code that does not match
// its schema, i.e. a bug in the caller.

/** Thrown by decodeBinary, encodeBinary and toJson. `path` locates the problem. */
export class ProtoCodecError extends Error {
  readonly code = 'WEFT_PROTO_CODEC';
  constructor(readonly typeName: string, readonly path: string, reason: string) {
    super(`${typeName}${path ? ` at ${path}` : ''}: ${reason}`);
    this.name = 'ProtoCodecError';
  }
}
