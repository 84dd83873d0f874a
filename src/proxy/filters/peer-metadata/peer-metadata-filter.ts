// istio.metadata_exchange for HTTP: the client sidecar sends its workload
// metadata on the request and learns the server's from the response; the
// server sidecar learns the client's from the request and answers with its
// own. Both strip the headers so applications never see them.
import type { FilterStream, HttpFilter, HttpFilterFactory } from '../../http/filter.js';
import { CONTINUE, type FilterStatus } from '../../http/filter.js';
import type { HeaderMap } from '../../http/headers.js';
import type { PeerMetadataConfig } from './decode.js';
import { localPeerHeaders, PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER, PeerHeaderDecoder } from './peer-header.js';
import { peerStateOf } from './peer-state.js';

export class PeerMetadataFilterFactory implements HttpFilterFactory {
  readonly decoder = new PeerHeaderDecoder();
  private readonly filter: HttpFilter;

  constructor(readonly name: string, readonly config: PeerMetadataConfig) {
    // Stateless per stream (state lives in the stream's peer state): one object serves every stream.
    this.filter = new PeerMetadataFilter(this);
  }

  create(): HttpFilter {
    return this.filter;
  }
}

class PeerMetadataFilter implements HttpFilter {
  constructor(private readonly f: PeerMetadataFactoryView) {}

  decodeHeaders(s: FilterStream): FilterStatus {
    const c = this.f.config;
    const h = s.headers;
    const md = h.get(PEER_METADATA_HEADER);
    const id = h.get(PEER_METADATA_ID_HEADER);
    if (md !== undefined || id !== undefined) {
      if (c.downstreamDiscovery) {
        const peer = this.f.decoder.decode(md, id);
        const st = peerStateOf(s.info);
        st.downstream = peer;
        // Answer only a mesh peer: a client without a sidecar never learns this workload's metadata.
        st.answerDownstream = true;
      }
      // Never passed on as received (Istio strips them before the app and before the upstream).
      h.remove(PEER_METADATA_HEADER);
      h.remove(PEER_METADATA_ID_HEADER);
    }
    if (c.upstreamPropagation) {
      const own = localPeerHeaders(s.hcm.ctx.node);
      h.set(PEER_METADATA_ID_HEADER, own.id);
      h.set(PEER_METADATA_HEADER, own.metadata);
    }
    return CONTINUE;
  }

  encodeHeaders(s: FilterStream, _status: number, h: HeaderMap): void {
    const c = this.f.config;
    const md = h.get(PEER_METADATA_HEADER);
    const id = h.get(PEER_METADATA_ID_HEADER);
    if (md !== undefined || id !== undefined) {
      if (c.upstreamDiscovery) peerStateOf(s.info).upstream = this.f.decoder.decode(md, id);
      h.remove(PEER_METADATA_HEADER);
      h.remove(PEER_METADATA_ID_HEADER);
    }
    if (c.downstreamPropagation && peerStateOf(s.info).answerDownstream) {
      const own = localPeerHeaders(s.hcm.ctx.node);
      h.set(PEER_METADATA_ID_HEADER, own.id);
      h.set(PEER_METADATA_HEADER, own.metadata);
    }
  }
}

interface PeerMetadataFactoryView {
  readonly config: PeerMetadataConfig;
  readonly decoder: PeerHeaderDecoder;
}
