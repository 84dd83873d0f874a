// The peers one request found, shared between istio.metadata_exchange (which
// discovers them) and istio.stats (which labels metrics with them). Envoy keeps
// these in the stream's filter state under `downstream_peer` and
// `upstream_peer`; weft keeps them beside the stream's StreamInfo, so the
// access log's dynamic metadata stays what filters set explicitly.
import type { StreamInfo } from '../../access-log/stream-info.js';
import type { WorkloadMetadata } from '../common/workload-metadata.js';

/** A discovered peer; `key` is small and unique per distinct peer, for metric lookups. */
export interface PeerRecord {
  readonly key: number;
  readonly meta: WorkloadMetadata;
}

export interface PeerState {
  /** The client workload (server side: from the request's headers). */
  downstream: PeerRecord | undefined;
  /** The server workload (client side: from the response's headers). */
  upstream: PeerRecord | undefined;
  /** The request came from a mesh peer (it sent exchange headers): the response may carry ours. */
  answerDownstream: boolean;
}

const states = new WeakMap<StreamInfo, PeerState>();

/** The peer state of a request, created on first use. */
export function peerStateOf(info: StreamInfo): PeerState {
  let s = states.get(info);
  if (!s) {
    s = { downstream: undefined, upstream: undefined, answerDownstream: false };
    states.set(info, s);
  }
  return s;
}

/** The peer state when a metadata exchange filter ran for the request. */
export function findPeerState(info: StreamInfo): PeerState | undefined {
  return states.get(info);
}
