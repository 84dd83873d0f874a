// istio.metadata_exchange (io.istio.http.peer_metadata.Config in a TypedStruct).
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodePeerMetadataConfig, type PeerMetadataConfig } from './decode.js';
import { PEER_METADATA_FILTER_NAME, PEER_METADATA_TYPE_URL } from './defaults.js';
import { PeerMetadataFilterFactory } from './peer-metadata-filter.js';

export const peerMetadataRegistration: HttpFilterRegistration<PeerMetadataConfig> = {
  name: PEER_METADATA_FILTER_NAME,
  typeUrls: [PEER_METADATA_TYPE_URL],
  typedStructOnly: true,
  decode: (cfg, path, errs) => decodePeerMetadataConfig(cfg, path, errs),
  factory: (config, ctx) => new PeerMetadataFilterFactory(ctx.name, config),
};
