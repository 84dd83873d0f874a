// Istio's security.istio.io API (v1 and v1beta1 share one schema), as weft
// reads it from YAML: camelCase field names, exactly Istio's. Only
// PeerAuthentication and AuthorizationPolicy are read; RequestAuthentication
// is refused by name until it is supported (see validate-object.ts).
import type { ConfigObject, NetworkingObject } from './networking.js';
import type { Telemetry } from './telemetry.js';

export const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;

/** Kinds of security.istio.io that weft applies. */
export const SUPPORTED_SECURITY_KINDS = ['PeerAuthentication', 'AuthorizationPolicy'] as const;

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

/** Istio's AuthorizationPolicy.Action (ALLOW is the default). */
export const AUTHZ_ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;
export type AuthorizationAction = (typeof AUTHZ_ACTIONS)[number];

/** Istio's Source: every list is OR'ed inside, the fields are AND'ed. */
export interface AuthorizationSource {
  principals?: string[];
  notPrincipals?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  /** "namespace/name" service accounts (Istio 1.22+). */
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  ipBlocks?: string[];
  notIpBlocks?: string[];
  remoteIpBlocks?: string[];
  notRemoteIpBlocks?: string[];
}

/** Istio's Operation. */
export interface AuthorizationOperation {
  hosts?: string[];
  notHosts?: string[];
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
}

/** Istio's Condition: `key` is an attribute (request.headers[x-token], source.ip, ...). */
export interface AuthorizationCondition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface AuthorizationRule {
  from?: { source?: AuthorizationSource }[];
  to?: { operation?: AuthorizationOperation }[];
  when?: AuthorizationCondition[];
}

export interface AuthorizationPolicySpec {
  /** Workloads it applies to; absent = the namespace (the mesh in the root namespace). */
  selector?: { matchLabels?: Record<string, string> };
  rules?: AuthorizationRule[];
  /** Default ALLOW. */
  action?: AuthorizationAction;
  /** CUSTOM only: the meshConfig.extensionProviders entry. */
  provider?: { name?: string };
}

export type AuthorizationPolicy = ConfigObject<'AuthorizationPolicy', AuthorizationPolicySpec>;

/** Every Istio object weft accepts: networking kinds, the supported security kinds and Telemetry. */
export type IstioObject = NetworkingObject | PeerAuthentication | AuthorizationPolicy | Telemetry;
