// The domain types of envoy.filters.http.jwt_authn: what decode.ts makes of
// the JwtAuthentication proto, immutable and shared by every stream. Nothing
// on the data path reads the proto.
import type { RouteMatcher } from '../../route/route-match.js';
import type { StringPredicate } from '../../route/string-matcher.js';
import type { Jwks } from './jwks.js';

/** Where a provider looks for tokens (JwtHeader, from_params, from_cookies). */
export interface TokenLocation {
  readonly kind: 'header' | 'param' | 'cookie';
  /** Header names are lower-case. */
  readonly name: string;
  /** JwtHeader.value_prefix; '' takes the whole value. */
  readonly prefix: string;
  /** The default `Authorization: Bearer` location matches its prefix without regard to case. */
  readonly prefixIgnoreCase: boolean;
  /** Identity of the location across providers: `header:authorization:Bearer `. */
  readonly id: string;
}

export interface RemoteJwksSettings {
  readonly uri: string;
  readonly cluster: string;
  /** :authority and :path of the fetch, from `uri`. */
  readonly authority: string;
  readonly path: string;
  readonly timeoutMs: number;
  readonly cacheDurationMs: number;
  /** async_fetch: fetched in the background and refreshed before use; undefined: fetched on demand. */
  readonly asyncFetch: { readonly failedRefetchMs: number } | undefined;
  /** retry_policy.num_retries (0: none) and its back-off. */
  readonly numRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

export interface ClaimToHeader {
  readonly header: string;
  /** claim_name split on '.', for nested claims. */
  readonly claimPath: readonly string[];
}

export interface ProviderSettings {
  readonly name: string;
  /** '' accepts any issuer. */
  readonly issuer: string;
  /** Allowed audiences with scheme and trailing '/' removed (Envoy's comparison); empty allows any. */
  readonly audiences: readonly string[];
  readonly subjects: StringPredicate | undefined;
  readonly requireExpiration: boolean;
  /** max_lifetime in seconds; undefined: no limit. */
  readonly maxLifetimeSeconds: number | undefined;
  readonly localJwks: Jwks | undefined;
  readonly remoteJwks: RemoteJwksSettings | undefined;
  readonly forward: boolean;
  readonly locations: readonly TokenLocation[];
  readonly forwardPayloadHeader: string | undefined;
  readonly padForwardPayloadHeader: boolean;
  readonly payloadInMetadata: string | undefined;
  readonly headerInMetadata: string | undefined;
  /** normalize_payload_in_metadata.space_delimited_claims. */
  readonly spaceDelimitedClaims: readonly string[];
  readonly clockSkewSeconds: number;
  readonly jwtCacheSize: number;
  readonly claimToHeaders: readonly ClaimToHeader[];
}

/** JwtRequirement. */
export type Requirement =
  | { readonly kind: 'provider'; readonly provider: string; readonly audiences: readonly string[] | undefined }
  | { readonly kind: 'any'; readonly children: readonly Requirement[] }
  | { readonly kind: 'all'; readonly children: readonly Requirement[] }
  | { readonly kind: 'allow_missing' }
  | { readonly kind: 'allow_missing_or_failed' };

export interface RequirementRuleSettings {
  readonly match: RouteMatcher;
  /** undefined: the matched request is not verified (a rule with no requirement). */
  readonly requirement: Requirement | undefined;
}

export interface JwtAuthnSettings {
  readonly providers: ReadonlyMap<string, ProviderSettings>;
  readonly rules: readonly RequirementRuleSettings[];
  readonly requirementMap: ReadonlyMap<string, Requirement>;
  readonly bypassCorsPreflight: boolean;
}

/** PerRouteConfig. */
export type JwtPerRoute = { readonly kind: 'disabled' } | { readonly kind: 'requirement'; readonly name: string };
