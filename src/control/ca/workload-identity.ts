// Workload identity: who a caller is (namespace and service account, as
// Kubernetes names them) and its SPIFFE ID in one trust domain.

export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`, Istio's identity URI. */
export function spiffeId(trustDomain: string, id: WorkloadIdentity): string {
  return `spiffe://${trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

// Kubernetes: a namespace is a DNS-1123 label; a service account a DNS-1123 subdomain.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems with an identity, as `field: reason` strings; empty when valid. */
export function validateIdentity(id: WorkloadIdentity): string[] {
  const out: string[] = [];
  if (typeof id.namespace !== 'string' || id.namespace.length > 63 || !DNS1123_LABEL.test(id.namespace)) {
    out.push(`namespace: "${id.namespace}" is not a DNS-1123 label`);
  }
  if (typeof id.serviceAccount !== 'string' || id.serviceAccount.length > 253 || !DNS1123_SUBDOMAIN.test(id.serviceAccount)) {
    out.push(`serviceAccount: "${id.serviceAccount}" is not a DNS-1123 subdomain`);
  }
  return out;
}

/**
 * SPIFFE trust domain rules (lowercase letters, digits, `.`, `-`, `_`; at most
 * 255 bytes); the reason when `td` breaks them.
 */
export function validateTrustDomain(td: string): string | undefined {
  if (typeof td !== 'string' || td.length === 0) return 'trust domain is empty';
  if (td.length > 255) return 'trust domain is longer than 255 characters';
  if (!/^[a-z0-9._-]+$/.test(td)) return `trust domain "${td}" may only hold lowercase letters, digits, ".", "-" and "_"`;
  return undefined;
}
