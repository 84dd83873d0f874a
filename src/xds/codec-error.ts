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

/**
 * Thrown inside an encoder's walk with the path relative to where it was
 * thrown; `within` prefixes each enclosing field on the way out, and the
 * entry point turns it into a ProtoCodecError with the full path.
 */
export class PathedFailure extends Error {
  constructor(public path: string, message: string) {
    super(message);
  }
}

/** Re-throws `err`, adding `segment` (a field name or `[i]`) in front of a PathedFailure's path. */
export function within(segment: string, err: unknown): never {
  if (err instanceof PathedFailure) {
    err.path = err.path ? (err.path.startsWith('[') ? segment + err.path : `${segment}.${err.path}`) : segment;
  }
  throw err;
}
