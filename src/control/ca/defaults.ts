// Defaults of the certificate authority, each with the reason for its value.

export const CA_DEFAULTS = {
  /** SPIFFE trust domain of issued identities (Istio's `trustDomain` default). */
  trustDomain: 'cluster.local',
  /** Workload certificate lifetime (Istio's DEFAULT_WORKLOAD_CERT_TTL / istio-agent's SECRET_TTL: 24 h). */
  defaultCertTtlMs: 24 * 3600_000,
  /** Longest lifetime a caller may request (Istio's MAX_WORKLOAD_CERT_TTL: 90 days). */
  maxCertTtlMs: 90 * 24 * 3600_000,
  /** Self-signed root lifetime (Istio's CITADEL_SELF_SIGNED_CA_CERT_TTL: 10 years). */
  rootCertTtlMs: 3650 * 24 * 3600_000,
  /**
   * Leaves start this long before issuance so a workload whose clock is a
   * little behind the CA's accepts them (Istio's ClockSkewGracePeriod: 2 min).
   */
  clockSkewGraceMs: 2 * 60_000,
  /** Key type of a generated root (Istio's self-signed CA uses RSA 2048; ECDSA P-256 is faster and as strong). */
  rootKeyType: 'ec-p256' as 'ec-p256' | 'rsa',
  /** Istio's port for the TLS xDS and certificate services. */
  port: 15012,
  /** Names on the CA server's own certificate (istiod's service name, and loopback for local mode). */
  serverDnsNames: ['istiod.istio-system.svc', 'localhost'] as readonly string[],
  serverIpAddresses: ['127.0.0.1'] as readonly string[],
  /** Lifetime of the CA server's own certificate; reissued at start. */
  serverCertTtlMs: 24 * 3600_000,
} as const;
