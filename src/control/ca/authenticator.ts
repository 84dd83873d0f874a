// The CA's authentication seam: who presented this bearer token? Local mode
// answers from the TokenRegistry (tokens minted by `weft up` or provisioned
// with --ca-token-dir); Kubernetes mode adds the TokenReview API
// (src/kube/token-review.ts), as istiod's KubeJWTAuthenticator does. An
// authenticator never throws: every failure is a refusal with a reason.
import type { WorkloadIdentity } from './workload-identity.js';

/** Why a token was refused; the label of weft_ca_authentication_refused_total. */
export type AuthRefusalReason =
  /** No token, or one nobody issued, that expired or was revoked. */
  | 'unauthenticated'
  /** A valid token meant for another audience than the CA's. */
  | 'audience'
  /** A valid token whose user is not a service account (system:serviceaccount:<ns>:<sa>). */
  | 'not_service_account'
  /** The token could not be checked (API server down or answering errors): refused, never allowed. */
  | 'unreachable';

export type AuthOutcome =
  | { readonly ok: true; readonly identity: WorkloadIdentity }
  | { readonly ok: false; readonly reason: AuthRefusalReason; readonly message: string };

/** Maps a bearer token to the workload identity it proves. */
export interface TokenAuthenticator {
  authenticate(token: string): Promise<AuthOutcome>;
}
