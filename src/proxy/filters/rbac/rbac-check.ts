// One RBAC decision, as both Envoy filters make it: the shadow rules first
// (counted, their result in dynamic metadata, never enforced), then the
// enforced rules (counted; a LOG match sets the access log hint).
import type { StreamInfo } from '../../access-log/stream-info.js';
import type { RbacResult } from '../../rbac/rbac-engine.js';
import type { RbacInput } from '../../rbac/rbac-input.js';
import type { RbacSettings } from './decode.js';
import { ACCESS_LOG_HINT_KEY, ACCESS_LOG_HINT_NAMESPACE, SHADOW_POLICY_ID_KEY, SHADOW_RESULT_KEY } from './defaults.js';
import type { RbacStats } from './rbac-stats.js';

/**
 * Returns the enforced result, or undefined when there are no enforced
 * rules (allowed, and not counted, as Envoy). `metadataNamespace` is the
 * filter's canonical name (where Envoy puts the shadow result).
 */
export function checkRbac(s: RbacSettings, stats: RbacStats, input: RbacInput, info: StreamInfo | undefined, metadataNamespace: string): RbacResult | undefined {
  const shadow = s.shadowRules;
  if (shadow) {
    const r = shadow.evaluate(input);
    (r.allowed ? stats.shadowAllowed : stats.shadowDenied).inc();
    if (info) {
      if (r.policy !== undefined) info.setDynamicMetadata(metadataNamespace, `${s.shadowRulesStatPrefix}${SHADOW_POLICY_ID_KEY}`, r.policy);
      info.setDynamicMetadata(metadataNamespace, `${s.shadowRulesStatPrefix}${SHADOW_RESULT_KEY}`, r.allowed ? 'allowed' : 'denied');
    }
  }
  const rules = s.rules;
  if (!rules) return undefined;
  const r = rules.evaluate(input);
  if (rules.action === 'LOG' && info) info.setDynamicMetadata(ACCESS_LOG_HINT_NAMESPACE, ACCESS_LOG_HINT_KEY, r.policy !== undefined);
  (r.allowed ? stats.allowed : stats.denied).inc();
  return r;
}
