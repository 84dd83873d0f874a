// What the server reports about each connected proxy: per type, what was
// sent, what was ACKed, and the last NACK with its message. This is what
// `weft status`, the dashboard and /debug/syncz show.

/** The last response a proxy rejected. */
export interface NackRecord {
  /** version_info of the rejected response. */
  version: string;
  nonce: string;
  /** error_detail.message from the proxy. */
  message: string;
  /** error_detail.code (a google.rpc.Code), 0 when unset. */
  code: number;
  /** Wall-clock ms. */
  time: number;
}

export interface TypeStatus {
  typeUrl: string;
  /** '*' for a wildcard subscription, else the names asked for. */
  subscribed: '*' | string[];
  sentVersion?: string;
  sentNonce?: string;
  /** Wall-clock ms of the last response. */
  sentTime?: number;
  /** The last version the proxy accepted. */
  ackedVersion?: string;
  /** True while the last response awaits its ACK or NACK. */
  inFlight: boolean;
  lastNack?: NackRecord;
  pushes: number;
  acks: number;
  nacks: number;
}

export interface ProxyStatus {
  streamId: number;
  /** Service the stream is on: ads, lds, rds, cds, eds, sds. */
  service: string;
  protocol: 'sotw' | 'delta';
  nodeId: string;
  nodeCluster: string;
  nodeMetadata?: Record<string, unknown>;
  /** The snapshot group chosen by the cache's nodeHash. */
  group: string;
  peer: string;
  /** Wall-clock ms. */
  connectedAt: number;
  types: TypeStatus[];
}

/** Server-wide counters (monotonic, except activeStreams). */
export interface XdsCounters {
  streamsOpened: number;
  streamsClosed: number;
  activeStreams: number;
  pushes: number;
  acks: number;
  nacks: number;
  /** Requests whose response_nonce was not the latest sent for the type: ignored for ACK/NACK. */
  staleNonces: number;
  bytesSent: number;
  /** Responses not sent because a resource did not encode (a bug in the snapshot's builder; see the log). */
  encodeErrors: number;
  /** Streams ended because a request was not one (malformed, compressed, or over maxReceiveMessageBytes; native transport). */
  requestErrors: number;
  /** SotW EDS responses that carried only the load assignments changed since the stream's last response. */
  incrementalPushes: number;
}

export function newCounters(): XdsCounters {
  return { streamsOpened: 0, streamsClosed: 0, activeStreams: 0, pushes: 0, acks: 0, nacks: 0, staleNonces: 0, bytesSent: 0, encodeErrors: 0, requestErrors: 0, incrementalPushes: 0 };
}
