// Istio's HTTP metadata exchange headers: `x-envoy-peer-metadata` carries the
// base64 of a serialised google.protobuf.Struct with the workload's node
// fields (NAMESPACE, WORKLOAD_NAME, LABELS, …); `x-envoy-peer-metadata-id`
// carries the node id. Decoding is cached by header value (a peer sends the
// same bytes on every request) and the cache is bounded, because the header
// is request data.
import { decodeBinary, encodeBinary } from '../../../xds/codec.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import { exchangeStruct, workloadMetadataFromStruct } from '../common/workload-metadata.js';
import { MAX_PEER_HEADER_LENGTH, PEER_CACHE_SIZE } from './defaults.js';
import type { PeerRecord } from './peer-state.js';

export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';

/** The two header values this node sends. */
export interface PeerHeaderValues {
  readonly metadata: string;
  readonly id: string;
}

const encoded = new WeakMap<NodeIdentity, PeerHeaderValues>();

/** This node's header values, encoded once per node. */
export function localPeerHeaders(node: NodeIdentity | undefined): PeerHeaderValues {
  if (!node) return { metadata: Buffer.from(encodeBinary('google.protobuf.Struct', exchangeStruct(undefined))).toString('base64'), id: '' };
  let v = encoded.get(node);
  if (!v) {
    v = { metadata: Buffer.from(encodeBinary('google.protobuf.Struct', exchangeStruct(node))).toString('base64'), id: node.id };
    encoded.set(node, v);
  }
  return v;
}

/**
 * Decodes peer headers into a PeerRecord, or undefined when the value is not
 * a Struct (a peer without a sidecar, or garbage). Never throws.
 */
export class PeerHeaderDecoder {
  private readonly cache = new Map<string, PeerRecord | null>();
  private nextKey = 1;

  decode(metadata: string | undefined, id: string | undefined): PeerRecord | undefined {
    if (metadata === undefined || metadata === '' || metadata.length > MAX_PEER_HEADER_LENGTH) return undefined;
    const cacheKey = id === undefined ? metadata : `${id}\n${metadata}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit ?? undefined;
    let rec: PeerRecord | null = null;
    try {
      const md = decodeBinary('google.protobuf.Struct', Buffer.from(metadata, 'base64')) as Record<string, unknown>;
      rec = { key: this.nextKey++, meta: workloadMetadataFromStruct(md, (id ?? '').slice(0, MAX_PEER_HEADER_LENGTH), false) };
    } catch {
      rec = null;
    }
    // Bounded: a client sending a new value on every request cannot grow it.
    if (this.cache.size >= PEER_CACHE_SIZE) this.cache.clear();
    this.cache.set(cacheKey, rec);
    return rec ?? undefined;
  }
}
