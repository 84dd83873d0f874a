// Istio's TCP metadata exchange frame, written once by each side right after
// the TLS handshake picked the exchange's ALPN:
//
//   magic 0x3D230467 (u32, big-endian) | length N (u32, big-endian) |
//   N bytes: google.protobuf.Any { type_url: ".../google.protobuf.Struct",
//            value: Struct { "x-envoy-peer-metadata": <node fields Struct>,
//                            "x-envoy-peer-metadata-id": <node id> } }
//
// The Any is two length-delimited fields, encoded and parsed here by hand
// (the codec has no raw-bytes Any); the Struct goes through the codec. The
// reader is incremental and bounded: it holds at most the header and
// MAX_MX_PAYLOAD_BYTES, then hands every byte after the frame back.
import { decodeBinary, encodeBinary } from '../../../xds/codec.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import { exchangeStruct, workloadMetadataFromStruct } from '../common/workload-metadata.js';
import type { PeerRecord } from '../peer-metadata/peer-state.js';
import { MAX_MX_PAYLOAD_BYTES, MX_HEADER_BYTES, MX_MAGIC, MX_METADATA_ID_KEY, MX_METADATA_KEY, MX_PEER_CACHE_SIZE, STRUCT_TYPE_URL } from './defaults.js';
import { varintBytes } from '../../../xds/wire-writer.js';

function lengthDelimited(field: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2]), varintBytes(body.length), body]);
}

/** The whole frame this node sends: header and Any(Struct). */
export function encodeExchangeFrame(node: NodeIdentity | undefined): Buffer {
  const data: Record<string, unknown> = { [MX_METADATA_KEY]: exchangeStruct(node) };
  if (node?.id) data[MX_METADATA_ID_KEY] = node.id;
  const value = Buffer.from(encodeBinary('google.protobuf.Struct', data));
  const any = Buffer.concat([lengthDelimited(1, Buffer.from(STRUCT_TYPE_URL)), lengthDelimited(2, value)]);
  const header = Buffer.alloc(MX_HEADER_BYTES);
  header.writeUInt32BE(MX_MAGIC, 0);
  header.writeUInt32BE(any.length, 4);
  return Buffer.concat([header, any]);
}

/** A frame with any payload (tests and the benchmark build malformed ones with it). */
export function frameOf(payload: Buffer, magic = MX_MAGIC): Buffer {
  const header = Buffer.alloc(MX_HEADER_BYTES);
  header.writeUInt32BE(magic >>> 0, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** The Any's type_url and value, or undefined when the bytes are not one. */
export function parseAny(b: Buffer): { typeUrl: string; value: Buffer } | undefined {
  let pos = 0;
  let typeUrl = '';
  let value: Buffer = Buffer.alloc(0);
  const readVarint = (): number | undefined => {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= b.length) return undefined;
      const byte = b[pos++]!;
      n += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return n;
    }
    return undefined;
  };
  while (pos < b.length) {
    const tag = readVarint();
    if (tag === undefined || tag === 0) return undefined;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 2) {
      const len = readVarint();
      if (len === undefined || pos + len > b.length) return undefined;
      const body = b.subarray(pos, pos + len);
      pos += len;
      if (field === 1) typeUrl = body.toString('utf8');
      else if (field === 2) value = body;
    } else if (wire === 0) {
      if (readVarint() === undefined) return undefined;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > b.length) return undefined;
    } else return undefined;
  }
  return { typeUrl, value };
}

/** What a payload said: a peer, no peer metadata in it, or not an Any of a Struct. */
export type PayloadResult = PeerRecord | 'empty' | 'invalid';

/** Record keys are unique across decoders: one metric set may see peers from several clusters' exchanges. */
let nextPeerKey = 1;

/** Decodes payloads into peers, cached by payload bytes (bounded: the bytes are peer data). */
export class PeerPayloadDecoder {
  private readonly cache = new Map<string, PayloadResult>();

  decode(payload: Buffer): PayloadResult {
    const cacheKey = payload.toString('latin1');
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const r = this.decodeUncached(payload);
    if (this.cache.size >= MX_PEER_CACHE_SIZE) this.cache.clear();
    this.cache.set(cacheKey, r);
    return r;
  }

  private decodeUncached(payload: Buffer): PayloadResult {
    const any = parseAny(payload);
    if (!any || any.typeUrl !== STRUCT_TYPE_URL) return 'invalid';
    let data: Record<string, unknown>;
    try {
      data = decodeBinary('google.protobuf.Struct', any.value) as Record<string, unknown>;
    } catch {
      return 'invalid';
    }
    const md = data[MX_METADATA_KEY];
    if (md === null || typeof md !== 'object' || Array.isArray(md)) return 'empty';
    const id = data[MX_METADATA_ID_KEY];
    return { key: nextPeerKey++, meta: workloadMetadataFromStruct(md as Record<string, unknown>, typeof id === 'string' ? id : '', false) };
  }
}

/** Why a frame was not read: Istio's counters. */
export type FrameFailure = 'initial_header_not_found' | 'header_not_found';

/** The outcome, once: the peer (or undefined) and, when the frame was bad, the counter to bump. */
export type FrameOutcome = (peer: PeerRecord | undefined, failure: FrameFailure | undefined) => void;

/**
 * Reads the peer's frame from the first bytes of a connection. `feed` returns
 * null while the frame is incomplete (the bytes are held), then the bytes
 * that follow it, to be passed on; after that the caller stops feeding.
 */
export class PeerFrameReader {
  private held: Buffer | undefined;
  private resolved = false;

  constructor(private readonly decoder: PeerPayloadDecoder, private readonly outcome: FrameOutcome) {}

  feed(chunk: Buffer): Buffer | null {
    const buf = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = undefined;
    if (buf.length < MX_HEADER_BYTES) return this.hold(buf);
    // Not the exchange (a peer without the filter that still picked the ALPN): every byte is the application's.
    if (buf.readUInt32BE(0) !== MX_MAGIC) return this.finish(undefined, 'initial_header_not_found', buf);
    const size = buf.readUInt32BE(4);
    if (size > MAX_MX_PAYLOAD_BYTES) return this.finish(undefined, 'header_not_found', buf.subarray(MX_HEADER_BYTES));
    const end = MX_HEADER_BYTES + size;
    if (buf.length < end) return this.hold(buf);
    const r = this.decoder.decode(buf.subarray(MX_HEADER_BYTES, end));
    if (r === 'invalid') return this.finish(undefined, 'header_not_found', buf.subarray(MX_HEADER_BYTES));
    return this.finish(r === 'empty' ? undefined : r, undefined, buf.subarray(end));
  }

  /** The peer's stream ended inside the frame: what was held passes on, and the peer stays unknown. */
  end(): Buffer {
    const b = this.held ?? Buffer.alloc(0);
    this.held = undefined;
    const failure = b.length >= MX_HEADER_BYTES && b.readUInt32BE(0) === MX_MAGIC ? 'header_not_found' : 'initial_header_not_found';
    this.finish(undefined, failure, b);
    return b;
  }

  get done(): boolean {
    return this.resolved;
  }

  private hold(buf: Buffer): null {
    this.held = buf;
    return null;
  }

  private finish(peer: PeerRecord | undefined, failure: FrameFailure | undefined, rest: Buffer): Buffer {
    if (!this.resolved) {
      this.resolved = true;
      this.outcome(peer, failure);
    }
    return rest;
  }
}
