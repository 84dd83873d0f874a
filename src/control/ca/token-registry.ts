// Local-mode authentication for the certificate API: the launcher (`weft up`)
// mints one bearer token per workload and hands it to that workload's sidecar;
// the CA maps a presented token back to the identity it was minted for. In
// Kubernetes mode this is the role of the service account token and the
// TokenReview API. Only SHA-256 digests are kept, so a heap dump or debug
// output does not leak usable tokens.
import { createHash, randomBytes } from 'node:crypto';
import { CaError } from './ca-error.js';
import { validateIdentity, type WorkloadIdentity } from './workload-identity.js';

/** Bytes of randomness per token (256 bits). */
const TOKEN_BYTES = 32;
/** Shortest token `register` accepts (the length of 192 random bits in base64url). */
const MIN_REGISTERED_TOKEN_CHARS = 32;

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class TokenRegistry {
  private readonly byDigest = new Map<string, WorkloadIdentity>();

  /** A new token for `identity` (base64url); throws CaError IDENTITY_INVALID for names Kubernetes would refuse. */
  mint(identity: WorkloadIdentity): string {
    const problems = validateIdentity(identity);
    if (problems.length) throw new CaError('IDENTITY_INVALID', `cannot mint a token: ${problems.join('; ')}`);
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    this.byDigest.set(digest(token), Object.freeze({ namespace: identity.namespace, serviceAccount: identity.serviceAccount }));
    return token;
  }

  /**
   * Accepts an existing `token` (at least 32 characters: a guessable token
   * would be an identity anyone can take) for `identity`: tokens an operator
   * provisioned to sidecars (`weft control --ca-token-dir`). Throws CaError
   * IDENTITY_INVALID for a bad identity or a short token.
   */
  register(token: string, identity: WorkloadIdentity): void {
    const problems = validateIdentity(identity);
    if (token.length < MIN_REGISTERED_TOKEN_CHARS) problems.push(`token: shorter than ${MIN_REGISTERED_TOKEN_CHARS} characters`);
    if (problems.length) throw new CaError('IDENTITY_INVALID', `cannot register a token: ${problems.join('; ')}`);
    this.byDigest.set(digest(token), Object.freeze({ namespace: identity.namespace, serviceAccount: identity.serviceAccount }));
  }

  /** The identity `token` was minted for, or undefined for an unknown or revoked token. */
  authenticate(token: string): WorkloadIdentity | undefined {
    if (!token) return undefined;
    return this.byDigest.get(digest(token));
  }

  /** Forgets `token`; true when it was known. */
  revoke(token: string): boolean {
    return this.byDigest.delete(digest(token));
  }

  get size(): number {
    return this.byDigest.size;
  }
}
