// The RBAC engine shared by envoy.filters.http.rbac and
// envoy.filters.network.rbac: a decoded envoy.config.rbac.v3.RBAC, its
// policies compiled to matcher closures (decode-rbac.ts), evaluated as
// Envoy's RoleBasedAccessControlEngineImpl does.
import type { RbacInput } from './rbac-input.js';

/** A compiled permission or principal. */
export type RbacMatcher = (input: RbacInput) => boolean;

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

/** A policy: some permission and some principal must match. */
export interface RbacPolicy {
  readonly name: string;
  readonly permissions: readonly RbacMatcher[];
  readonly principals: readonly RbacMatcher[];
}

/** What one evaluation decided. */
export interface RbacResult {
  readonly allowed: boolean;
  /** The first policy (in name order) that matched; undefined when none did. */
  readonly policy: string | undefined;
}

export class RbacEngine {
  /**
   * `policies` must be in Envoy's order: its engine keeps them in a
   * std::map, so they are tried in byte order of their names and the first
   * match names the effective policy (decode-rbac.ts sorts them).
   */
  constructor(readonly action: RbacAction, readonly policies: readonly RbacPolicy[]) {}

  /**
   * ALLOW: allowed when a policy matches; DENY: allowed when none does; LOG:
   * always allowed (the caller sets the access log hint when one matched).
   */
  evaluate(input: RbacInput): RbacResult {
    const policy = this.firstMatch(input);
    const matched = policy !== undefined;
    const allowed = this.action === 'LOG' ? true : this.action === 'ALLOW' ? matched : !matched;
    return { allowed, policy };
  }

  private firstMatch(input: RbacInput): string | undefined {
    for (const p of this.policies) {
      if (anyMatches(p.permissions, input) && anyMatches(p.principals, input)) return p.name;
    }
    return undefined;
  }
}

export function anyMatches(ms: readonly RbacMatcher[], input: RbacInput): boolean {
  for (const m of ms) if (m(input)) return true;
  return false;
}

export function allMatch(ms: readonly RbacMatcher[], input: RbacInput): boolean {
  for (const m of ms) if (!m(input)) return false;
  return true;
}

/** Envoy's sanitised policy name in response code details (whitespace → '_'). */
export function rbacResponseDetail(policy: string | undefined): string {
  return `rbac_access_denied_matched_policy[${(policy ?? 'none').replace(/[ \t\f\v\n\r]/g, '_')}]`;
}
