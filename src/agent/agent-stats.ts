// The node agent's stats, declared beside it. istio-agent's metric names
// where Istio has one (pkg/istio-agent, security/pkg/nodeagent), weft's own
// `weft_agent_*` names where it has none. docs/architecture/agent.md lists them.
import type { Counter, Gauge, StatsStore } from '../stats/index.js';

export class AgentStats {
  /** istio_agent_num_outgoing_requests{request_type="csr"}: every CreateCertificate call. */
  readonly csrRequests: Counter;
  /** istio_agent_num_failed_outgoing_requests{request_type="csr"}: calls that did not return a usable chain. */
  readonly csrFailures: Counter;
  /** istio_agent_num_outgoing_retries{request_type="csr"}: calls made after a failure. */
  readonly csrRetries: Counter;
  /** weft_agent_cert_issued_total: certificates received and put in place (first one and rotations). */
  readonly issued: Counter;
  /** weft_agent_cert_rotations_total: certificates that replaced an earlier one. */
  readonly rotations: Counter;
  /** weft_agent_cert_expired_total: times the certificate expired with no replacement. */
  readonly expired: Counter;
  /** istio_agent_cert_expiry_seconds{resource_name="default"}: seconds left; negative once expired. */
  readonly expirySeconds: Gauge;
  /** weft_agent_cert_expiry_timestamp_seconds: notAfter of the certificate in use (Unix seconds). */
  readonly expiryTimestamp: Gauge;
  /** weft_agent_cert_valid: 1 while a certificate that has not expired is in place, else 0. */
  readonly valid: Gauge;

  constructor(store: StatsStore) {
    const csr = { request_type: 'csr' };
    this.csrRequests = store.labeledCounter('istio_agent_num_outgoing_requests', csr);
    this.csrFailures = store.labeledCounter('istio_agent_num_failed_outgoing_requests', csr);
    this.csrRetries = store.labeledCounter('istio_agent_num_outgoing_retries', csr);
    this.issued = store.labeledCounter('weft_agent_cert_issued_total', {});
    this.rotations = store.labeledCounter('weft_agent_cert_rotations_total', {});
    this.expired = store.labeledCounter('weft_agent_cert_expired_total', {});
    this.expirySeconds = store.labeledGauge('istio_agent_cert_expiry_seconds', { resource_name: 'default' });
    this.expiryTimestamp = store.labeledGauge('weft_agent_cert_expiry_timestamp_seconds', {});
    this.valid = store.labeledGauge('weft_agent_cert_valid', {});
  }
}
