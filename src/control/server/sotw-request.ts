// DiscoveryRequest decoding for SotW streams, by hand and only as far as
// needed. A SotW request repeats the whole subscription: an EDS ACK from a
// sidecar that sees 1000 services carries 1000 names (about 75 KiB), and
// every proxy sends one per push. The names are kept as the raw bytes of
// their fields, so a stream compares them with its last request's bytes
// (one memcmp) and decodes them only when they changed; the node and
// error_detail messages go through the generic codec, when present.
import { decodeBinary } from '../../xds/codec.js';
import type { envoy_config_core_v3_Node, google_rpc_Status } from '../../xds/gen/types.js';

/**
 * The fields of a DiscoveryRequest a SotW stream uses; `names` stays encoded
 * and is a view of the request's bytes (valid while the request is handled:
 * copy what is kept). node and error_detail are decoded from copies.
 */
export interface SotwRequest {
  version_info?: string;
  node?: envoy_config_core_v3_Node;
  /** The `resource_names` fields (3) as they came on the wire: tag, length, bytes, repeated. */
  names: Buffer;
  type_url?: string;
  response_nonce?: string;
  error_detail?: google_rpc_Status;
}

// DiscoveryRequest: version_info=1, node=2, resource_names=3, type_url=4,
// response_nonce=5, error_detail=6, resource_locators=7 (not served).
const NAMES_TAG = (3 << 3) | 2;
const EMPTY = Buffer.alloc(0);

/** Thrown on bytes that are not a DiscoveryRequest (grpc-js ends the call with INTERNAL, as for any deserialization error). */
export class MalformedRequestError extends Error {
  constructor(message: string) {
    super(`malformed DiscoveryRequest: ${message}`);
    this.name = 'MalformedRequestError';
  }
}

export function decodeSotwRequest(b: Buffer): SotwRequest {
  const req: SotwRequest = { names: EMPTY };
  let pos = 0;
  const spans: [number, number][] = [];
  const varint = (): number => {
    let v = 0;
    let s = 0;
    for (;;) {
      if (pos >= b.length) throw new MalformedRequestError('truncated varint');
      const c = b[pos++];
      v += (c & 127) * 2 ** s;
      if ((c & 128) === 0) return v;
      s += 7;
      if (s > 63) throw new MalformedRequestError('varint too long');
    }
  };
  while (pos < b.length) {
    const fieldStart = pos;
    const tag = varint();
    const wire = tag & 7;
    const field = Math.floor(tag / 8);
    if (wire === 2) {
      const len = varint();
      const end = pos + len;
      if (end > b.length) throw new MalformedRequestError(`field ${field} runs past the end`);
      switch (field) {
        case 1: req.version_info = b.toString('utf8', pos, end); break;
        case 2: req.node = decodeBinary<envoy_config_core_v3_Node>('envoy.config.core.v3.Node', Buffer.from(b.subarray(pos, end))); break;
        case 3:
          if (tag !== NAMES_TAG) break;
          // Encoders write a repeated field's elements together: one span.
          if (spans.length && spans[spans.length - 1][1] === fieldStart) spans[spans.length - 1][1] = end;
          else spans.push([fieldStart, end]);
          break;
        case 4: req.type_url = b.toString('utf8', pos, end); break;
        case 5: req.response_nonce = b.toString('utf8', pos, end); break;
        case 6: req.error_detail = decodeBinary<google_rpc_Status>('google.rpc.Status', Buffer.from(b.subarray(pos, end))); break;
        default: break;
      }
      pos = end;
    } else if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new MalformedRequestError(`wire type ${wire} of field ${field}`);
    if (pos > b.length) throw new MalformedRequestError(`field ${field} runs past the end`);
  }
  if (spans.length === 1) req.names = b.subarray(spans[0][0], spans[0][1]);
  else if (spans.length > 1) req.names = Buffer.concat(spans.map(([a, z]) => b.subarray(a, z)));
  return req;
}

/** Decodes `resource_names` fields (as in SotwRequest.names) into strings. */
export function decodeNames(raw: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < raw.length) {
    pos++; // the tag, checked when the fields were collected
    let len = 0;
    let s = 0;
    let c: number;
    do {
      c = raw[pos++];
      len += (c & 127) * 2 ** s;
      s += 7;
    } while (c & 128);
    out.push(raw.toString('utf8', pos, pos + len));
    pos += len;
  }
  return out;
}

/** `resource_names` fields for `names` (tests and callers that hold strings). */
export function encodeNames(names: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const n of names) {
    const body = Buffer.from(n, 'utf8');
    const head: number[] = [NAMES_TAG];
    let v = body.length;
    while (v > 127) {
      head.push((v & 127) | 128);
      v >>>= 7;
    }
    head.push(v);
    parts.push(Buffer.from(head), body);
  }
  return Buffer.concat(parts);
}
