// The running exchange of one filter config (a listener chain's filter or a
// cluster's upstream filter): its counters, this node's frame (encoded once),
// and the peer decoder cache. Per connection, `start` checks the negotiated
// ALPN, writes this node's frame and returns the reader of the peer's.
//
// Istio's filter writes its frame on the connection's first read or write;
// weft writes it as soon as the TLS handshake is done. Both sides always
// write exactly one frame before any application byte, so the bytes on the
// wire are the same and the two interoperate either way.
import type { Counter } from '../../../stats/counter.js';
import type { StatsStore } from '../../../stats/stats-store.js';
import type { NodeIdentity } from '../../config/node-identity.js';
import type { PeerRecord } from '../peer-metadata/peer-state.js';
import type { TcpMetadataExchangeConfig } from './decode.js';
import { MX_COUNTERS, MX_STAT_PREFIX, type MxCounter } from './defaults.js';
import { encodeExchangeFrame, PeerFrameReader, PeerPayloadDecoder } from './wire.js';

export class TcpMetadataExchange {
  private readonly counters: Record<MxCounter, Counter>;
  private readonly decoder = new PeerPayloadDecoder();
  private frame: Buffer | undefined;

  constructor(readonly config: TcpMetadataExchangeConfig, stats: StatsStore, private readonly node: NodeIdentity | undefined) {
    this.counters = Object.fromEntries(MX_COUNTERS.map((n) => [n, stats.counter(MX_STAT_PREFIX + n)])) as Record<MxCounter, Counter>;
  }

  /**
   * One connection whose TLS negotiated `alpn` (undefined: plaintext or no
   * ALPN). When it is the configured protocol, `write` gets this node's frame
   * at once and the returned reader takes the peer's first bytes; `onPeer` is
   * called once with what they said (undefined: unknown). Otherwise the
   * connection is left alone and undefined returned.
   */
  start(alpn: string | undefined, write: (frame: Buffer) => void, onPeer: (peer: PeerRecord | undefined) => void): PeerFrameReader | undefined {
    if (alpn !== this.config.protocol) {
      this.counters.alpn_protocol_not_found.inc();
      return undefined;
    }
    this.counters.alpn_protocol_found.inc();
    this.frame ??= encodeExchangeFrame(this.node);
    write(this.frame);
    this.counters.metadata_added.inc();
    return new PeerFrameReader(this.decoder, (peer, failure) => {
      if (failure) this.counters[failure].inc();
      onPeer(peer);
    });
  }
}

const byConfig = new WeakMap<TcpMetadataExchangeConfig, TcpMetadataExchange>();

/** The exchange of a cluster's upstream filter config, built on first use and kept with the config object. */
export function upstreamExchangeOf(config: TcpMetadataExchangeConfig, stats: StatsStore, node: NodeIdentity | undefined): TcpMetadataExchange {
  let x = byConfig.get(config);
  if (!x) {
    x = new TcpMetadataExchange(config, stats, node);
    byConfig.set(config, x);
  }
  return x;
}
