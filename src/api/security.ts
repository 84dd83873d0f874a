// Istio's security.istio.io API (v1 and v1beta1 share one schema), as weft
// reads it from YAML: camelCase field names, exactly Istio's. Kinds not in
// SUPPORTED_SECURITY_KINDS are refused by name (see validate-object.ts).
import type { ConfigObject, NetworkingObject } from './networking.js';
import type { Telemetry } from './telemetry.js';

export const SECURITY_VERSIONS = ['v1', 'v1beta1'] as const;

/** Kinds of security.istio.io that weft applies. */
export const SUPPORTED_SECURITY_KINDS = ['PeerAuthentication', 'RequestAuthentication', 'AuthorizationPolicy'] as const;

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

/** Istio's JWTHeader: a header that carries the token, with an optional value prefix (e.g. "Bearer "). */
export interface JwtHeader {
  name: string;
  prefix?: string;
}

/** Istio's ClaimToHeader: copies a verified claim into a request header. */
export interface ClaimToHeader {
  header: string;
  claim: string;
}

/**
 * Istio's JWTRule. Without fromHeaders/fromParams/fromCookies the token is
 * read where Envoy looks by default: `Authorization: Bearer <token>`, then the
 * `access_token` query parameter.
 */
export interface JwtRule {
  /** The token's `iss`; required by weft (see validate-request-authentication.ts). */
  issuer?: string;
  /** Accepted `aud` values; empty = any audience. */
  audiences?: string[];
  /** Where the control plane fetches the issuer's JWKS (http or https). Ignored when `jwks` is set. */
  jwksUri?: string;
  /** The JWKS itself, inline (a JSON string). Wins over jwksUri. */
  jwks?: string;
  fromHeaders?: JwtHeader[];
  fromParams?: string[];
  fromCookies?: string[];
  /** Header to carry the verified payload (base64url JSON) to the application. */
  outputPayloadToHeader?: string;
  /** Keep the token in the request after verification (default false: removed). */
  forwardOriginalToken?: boolean;
  outputClaimToHeaders?: ClaimToHeader[];
  /** Timeout of the control plane's JWKS fetch (Istio default 5s). */
  timeout?: string;
}

/** Istio's PolicyTargetReference (Gateway API targets); weft refuses it (no Gateway API). */
export interface PolicyTargetReference {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface RequestAuthenticationSpec {
  /** Workloads it applies to (matchLabels); absent or empty = the whole namespace (the whole mesh in the root namespace). */
  selector?: { matchLabels?: Record<string, string> };
  targetRef?: PolicyTargetReference;
  targetRefs?: PolicyTargetReference[];
  jwtRules?: JwtRule[];
}

export type RequestAuthentication = ConfigObject<'RequestAuthentication', RequestAuthenticationSpec>;

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
export type IstioObject = NetworkingObject | PeerAuthentication | RequestAuthentication | AuthorizationPolicy | Telemetry;
