// PeerAuthentication (security.istio.io v1/v1beta1): the spec's schema and
// Istio's ValidatePeerAuthentication rules (pkg/config/validation): a
// workload selector without wildcards, a known mTLS mode, portLevelMtls only
// with a selector, at least one entry, and port numbers in 1..65535.
import type { PeerAuthenticationSpec } from '../../api/security.js';
import { MTLS_MODES } from '../../api/security.js';
import { hasWorkloadSelector, portOfKey } from '../model/peer-authentication-index.js';
import { checkWorkloadSelector } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { enumOf, map, obj, str, type Shape } from './schema.js';

const mutualTls = obj({ mode: enumOf(...MTLS_MODES) });

/** The spec schema (strict: unknown fields are refused, as Istio's CRD does). */
export const PEER_AUTHENTICATION_SCHEMA: Shape = obj({
  selector: obj({ matchLabels: map(str) }),
  mtls: mutualTls,
  portLevelMtls: map(mutualTls),
});

/** Istio's semantic rules on a schema-checked spec. */
export function validatePeerAuthentication(spec: PeerAuthenticationSpec, r: Reporter): void {
  const sel = spec.selector;
  checkWorkloadSelector(sel?.matchLabels, sel !== undefined, 'spec.selector', r, 'matchLabels');
  const ports = spec.portLevelMtls;
  if (ports === undefined) return;
  const keys = Object.keys(ports);
  if (keys.length === 0) r.report('WEFT0107', 'spec.portLevelMtls', 'portLevelMtls, if defined, must have at least one element');
  if (keys.length > 0 && !hasWorkloadSelector(spec)) {
    r.report('WEFT0106', 'spec.portLevelMtls', 'portLevelMtls requires a workload selector (selector.matchLabels): a mesh- or namespace-wide PeerAuthentication cannot set port-level mTLS');
  }
  for (const k of keys) {
    const port = portOfKey(k);
    const p = childPath('spec.portLevelMtls', k);
    if (port === undefined) r.report('WEFT0011', p, `portLevelMtls key "${k}" is not a port number`);
    else if (port < 1 || port > 65535) r.report('WEFT0102', p, `port ${port} must be in range 1..65535`);
  }
}
