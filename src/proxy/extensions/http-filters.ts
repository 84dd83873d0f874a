// The HTTP filters weft implements (http_connection_manager.http_filters[],
// and typed_per_filter_config by the same registrations). One line each.
import { bufferRegistration } from '../filters/buffer/registration.js';
import { compressorRegistration } from '../filters/compressor/registration.js';
import { corsRegistration } from '../filters/cors/registration.js';
import { csrfRegistration } from '../filters/csrf/registration.js';
import { extAuthzRegistration } from '../filters/ext-authz/registration.js';
import { faultRegistration } from '../filters/fault/registration.js';
import { headerToMetadataRegistration } from '../filters/header-to-metadata/registration.js';
import { healthCheckRegistration } from '../filters/health-check/registration.js';
import { httpLocalRateLimitRegistration } from '../filters/local-ratelimit/registration.js';
import { istioStatsRegistration } from '../filters/istio-stats/registration.js';
import { peerMetadataRegistration } from '../filters/peer-metadata/registration.js';
import { httpRbacRegistration } from '../filters/rbac/registration.js';
import { routerRegistration } from '../router/registration.js';
import type { HttpFilterRegistration } from './http-filter-registration.js';
import { ExtensionRegistry } from './registration.js';

export const HTTP_FILTERS = new ExtensionRegistry<HttpFilterRegistration>('HTTP filter', [
  routerRegistration,
  faultRegistration,
  httpLocalRateLimitRegistration,
  compressorRegistration,
  corsRegistration,
  csrfRegistration,
  healthCheckRegistration,
  bufferRegistration,
  headerToMetadataRegistration,
  peerMetadataRegistration,
  istioStatsRegistration,
  httpRbacRegistration,
  extAuthzRegistration,
] as HttpFilterRegistration[]);

/** The per-route decoders, by the type URL of a typed_per_filter_config entry. */
export function httpFilterForPerRouteType(url: string): HttpFilterRegistration | undefined {
  return HTTP_FILTERS.registrations.find((r) => r.perRoute?.typeUrls.includes(url));
}
