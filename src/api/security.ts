// Istio's security.istio.io API (v1 and v1beta1 share one schema), as weft
// reads it from YAML: camelCase field names, exactly Istio's. Only
// PeerAuthentication is read so far; AuthorizationPolicy and
// RequestAuthentication are refused by name (see validate-object.ts).
import type { ConfigObject, NetworkingObject } from './networking.js';
import type { Telemetry } from './telemetry.js';

export const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;

/** Kinds of security.istio.io that weft applies. */
export const SUPPORTED_SECURITY_KINDS = ['PeerAuthentication'] as const;

/**
 * Istio's PeerAuthentication.MutualTLS.Mode. UNSET inherits from the parent
 * scope (port → workload → namespace → mesh); with nothing set anywhere the
 * mode is PERMISSIVE.
 */
export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
export type MutualTlsMode = (typeof MTLS_MODES)[number];

export interface PeerAuthenticationMutualTls {
  mode?: MutualTlsMode;
}

export interface PeerAuthenticationSpec {
  /** Workloads it applies to (matchLabels); absent or empty = the whole namespace (the whole mesh in the root namespace). */
  selector?: { matchLabels?: Record<string, string> };
  mtls?: PeerAuthenticationMutualTls;
  /** Per workload port (the port the workload listens on, not the service port); needs a selector. Keys are port numbers as strings (YAML map keys). */
  portLevelMtls?: Record<string, PeerAuthenticationMutualTls>;
}

export type PeerAuthentication = ConfigObject<'PeerAuthentication', PeerAuthenticationSpec>;

/** Every Istio object weft accepts: networking kinds, the supported security kinds and Telemetry. */
export type IstioObject = NetworkingObject | PeerAuthentication | Telemetry;
