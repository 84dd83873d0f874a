// The CA server's counters, under Istio's metric names
// (security/pkg/server/ca/monitoring.go), so existing dashboards and alerts
// keep working.
import type { Counter, Gauge, StatsStore } from '../../stats/index.js';
import type { AuthRefusalReason } from './authenticator.js';

/** Label values of `citadel_server_csr_sign_err_count{error}`, Istio's caerror types. */
export type SignErrorKind = 'CSR_ERROR' | 'TTL_ERROR' | 'CERT_GEN_ERROR';

export class CitadelStats {
  /** Every CreateCertificate call. */
  readonly csr: Counter;
  /** Calls answered with a certificate. */
  readonly success: Counter;
  /** Requests or CSRs that do not decode or whose signature does not verify. */
  readonly csrParsingError: Counter;
  /** Unknown or missing tokens, refused impersonation, and identities the caller may not have. */
  readonly authenticationFailure: Counter;
  /** Unix seconds at which the root that signs new leaves expires (Istio's gauge of the same name). */
  readonly rootCertExpiry: Gauge;
  private readonly signErrors = new Map<SignErrorKind, Counter>();
  private readonly refusals = new Map<AuthRefusalReason, Counter>();

  constructor(private readonly store: StatsStore) {
    this.csr = store.labeledCounter('citadel_server_csr_count', {});
    this.success = store.labeledCounter('citadel_server_success_cert_issuance_count', {});
    this.csrParsingError = store.labeledCounter('citadel_server_csr_parsing_err_count', {});
    this.authenticationFailure = store.labeledCounter('citadel_server_authentication_failure_count', {});
    this.rootCertExpiry = store.labeledGauge('citadel_server_root_cert_expiry_timestamp', {});
  }

  /** `citadel_server_csr_sign_err_count{error=kind}`. */
  signError(kind: SignErrorKind): Counter {
    let c = this.signErrors.get(kind);
    if (!c) {
      c = this.store.labeledCounter('citadel_server_csr_sign_err_count', { error: kind });
      this.signErrors.set(kind, c);
    }
    return c;
  }

  /**
   * `weft_ca_authentication_refused_total{reason}`: weft's breakdown of the
   * token refusals inside citadel_server_authentication_failure_count (Istio
   * has no per-reason counter).
   */
  authRefused(reason: AuthRefusalReason): Counter {
    let c = this.refusals.get(reason);
    if (!c) {
      c = this.store.labeledCounter('weft_ca_authentication_refused_total', { reason });
      this.refusals.set(reason, c);
    }
    return c;
  }
}
