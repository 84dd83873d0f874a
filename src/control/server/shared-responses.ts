// One DiscoveryResponse message, bytes and nonce included, shared by every
// SotW stream that gets the same resources of the same snapshot type: a push
// to a thousand sidecars builds the response once and writes the same Buffer
// a thousand times. A nonce only has to be fresh within a stream and type
// (Envoy compares it with the last one it got for that type), so sharing is
// safe as long as a stream never gets a nonce older than one it already has;
// the caller checks that with `seq` and builds a private response otherwise.
import type { TypeResources } from '../cache/type-resources.js';
import { sotwResponseBytes } from '../cache/response-bytes.js';
import { FRAME_HEADROOM, frameInPlace } from './grpc-frames.js';

export interface PreparedResponse {
  /** Position in the server's nonce sequence; nonce = seq in base 36. */
  seq: number;
  nonce: string;
  bytes: Buffer;
}

/** Prepared responses kept per snapshot type (one per distinct name subset). */
const MAX_PER_TYPE = 64;

export class SharedResponses {
  private byType = new WeakMap<TypeResources, Map<string, PreparedResponse>>();

  constructor(private readonly nextSeq: () => number) {}

  /** The response carrying `body` for subset `key` of `tr`, built on first use. */
  get(tr: TypeResources, key: string, body: () => Uint8Array): PreparedResponse {
    let m = this.byType.get(tr);
    if (!m) this.byType.set(tr, (m = new Map()));
    let p = m.get(key);
    if (p) return p;
    const seq = this.nextSeq();
    const nonce = seq.toString(36);
    // Built with room for the gRPC frame prefix: framed once, written as is to every stream.
    const bytes = sotwResponseBytes(tr.version, tr.typeUrl, nonce, body(), FRAME_HEADROOM);
    frameInPlace(bytes);
    p = { seq, nonce, bytes };
    if (m.size >= MAX_PER_TYPE) m.delete(m.keys().next().value!);
    m.set(key, p);
    return p;
  }
}
