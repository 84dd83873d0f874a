// envoy.filters.http.header_to_metadata.
import type { HttpFilterRegistration } from '../../extensions/http-filter-registration.js';
import { decodeHeaderToMetadata, HEADER_TO_METADATA_TYPE_URL, type HeaderToMetadataSettings } from './decode.js';
import { HeaderToMetadataFactory } from './header-to-metadata-filter.js';

export const headerToMetadataRegistration: HttpFilterRegistration<HeaderToMetadataSettings> = {
  name: 'envoy.filters.http.header_to_metadata',
  typeUrls: [HEADER_TO_METADATA_TYPE_URL],
  decode: decodeHeaderToMetadata,
  factory: (settings, ctx) => new HeaderToMetadataFactory(ctx.name, settings),
};
