// Names and defaults of envoy.filters.http.jwt_authn, each as Envoy documents it.

export const JWT_AUTHN_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
export const JWT_AUTHN_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';

/** The filter's canonical name: also the dynamic metadata namespace its payloads go to. */
export const JWT_AUTHN_NAME = 'envoy.filters.http.jwt_authn';

export const JWT_AUTHN_DEFAULTS = {
  /** JwtProvider.clock_skew_seconds: Envoy's default, tolerance for exp and nbf. */
  clockSkewSeconds: 60,
  /** RemoteJwks.cache_duration: Envoy's default, 10 minutes. */
  jwksCacheDurationMs: 600_000,
  /** JwksAsyncFetch.failed_refetch_duration: Envoy's default, 1 s between failed background fetches. */
  failedRefetchMs: 1_000,
  /** JwtCacheConfig.jwt_cache_size: Envoy's default number of verified tokens kept per provider. */
  jwtCacheSize: 100,
  /** A JWKS response larger than this is a failed fetch (keeps a bad endpoint from filling memory). */
  maxJwksBytes: 1 << 20,
  /** Envoy's buildOriginalUri limit for the realm of www-authenticate. */
  maxRealmUriLength: 256,
} as const;

/**
 * Verification results and Envoy's (jwt_verify_lib's) wording for each: the
 * body of the 401/403 and, with spaces as '_', the response code details
 * `jwt_authn_access_denied{...}`.
 */
export const JwtStatus = {
  Ok: 'OK',
  JwtMissed: 'Jwt is missing',
  JwtNotYetValid: 'Jwt not yet valid',
  JwtExpired: 'Jwt is expired',
  JwtBadFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  JwtHeaderParseErrorBadBase64: 'Jwt header is an invalid Base64url encoded',
  JwtHeaderParseErrorBadJson: 'Jwt header is an invalid JSON',
  JwtHeaderBadAlg: 'Jwt header [alg] field is required and must be a string',
  JwtHeaderNotImplementedAlg: 'Jwt header [alg] is not supported',
  JwtHeaderBadKid: 'Jwt header [kid] field is not a string',
  JwtPayloadParseErrorBadBase64: 'Jwt payload is an invalid Base64url encoded',
  JwtPayloadParseErrorBadJson: 'Jwt payload is an invalid JSON',
  JwtPayloadParseErrorIssNotString: 'Jwt payload [iss] field is not a string',
  JwtPayloadParseErrorSubNotString: 'Jwt payload [sub] field is not a string',
  JwtPayloadParseErrorIatNotInteger: 'Jwt payload [iat] field is not an integer',
  JwtPayloadParseErrorNbfNotInteger: 'Jwt payload [nbf] field is not an integer',
  JwtPayloadParseErrorExpNotInteger: 'Jwt payload [exp] field is not an integer',
  JwtPayloadParseErrorJtiNotString: 'Jwt payload [jti] field is not a string',
  JwtPayloadParseErrorAudNotString: 'Jwt payload [aud] field is not a string or string list',
  JwtSignatureParseErrorBadBase64: 'Jwt signature is an invalid Base64url encoded',
  JwtEd25519SignatureWrongLength: 'Jwt ED25519 signature is wrong length',
  JwtUnknownIssuer: 'Jwt issuer is not configured',
  JwtAudienceNotAllowed: 'Audiences in Jwt are not allowed',
  JwtVerificationFail: 'Jwt verification fails',
  JwtMultipleTokens: 'Found multiple Jwt tokens',
  JwksKidAlgMismatch: "Jwks doesn't have key to match kid or alg from Jwt",
  JwksNoValidKeys: "Jwks doesn't have any valid public key",
  JwksFetchFail: 'Jwks remote fetch is failed',
} as const;

export type JwtStatusText = (typeof JwtStatus)[keyof typeof JwtStatus];
