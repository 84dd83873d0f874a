// The authorization filters of one proxy's inbound chains (sidecar inbound
// listeners and gateway listeners), from the AuthorizationPolicies that
// apply to its workload, in Istio's order:
//
//   HTTP:  CUSTOM (shadow RBAC marking + ext_authz)
//          [authentication slot: RequestAuthentication's jwt_authn]
//          RBAC DENY, RBAC LOG (AUDIT), RBAC ALLOW
//   TCP:   network RBAC DENY, LOG, ALLOW
//
// No policy of an action: no filter for it (no ALLOW policy = allow). An
// ALLOW policy whose rules all drop (or that has no rules) still makes an
// ALLOW filter with no policies, which denies everything: Istio's
// fail-closed behaviour.
import type { AuthorizationPolicy } from '../../api/security.js';
import type {
  envoy_config_rbac_v3_Policy,
  envoy_config_rbac_v3_RBAC,
  envoy_config_rbac_v3_RBAC_Action,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter,
} from '../../xds/gen/types.js';
import type { Accepted } from '../model/types.js';
import { CUSTOM_DENY_ALL_POLICY, EXT_AUTHZ_HTTP_FILTER, EXT_AUTHZ_SHADOW, extAuthzForProvider, RBAC_HTTP_FILTER } from './authz-custom.js';
import { buildRulePolicy, rbacPolicyName, type AuthzAction } from './authz-rules.js';
import { MESSAGE_CODES } from './messages.js';
import { anyOf, TYPE_URLS } from './proto-helpers.js';
import type { TranslateContext } from './translate-context.js';
import { jwtAuthnFilters } from './request-authn.js';

type HttpFilter = envoy_extensions_filters_network_http_connection_manager_v3_HttpFilter;
/** A network filter (name + typed_config), as listener filter chains carry them. */
export interface NetworkFilter { name: string; typed_config: ReturnType<typeof anyOf> }

export const RBAC_NETWORK_FILTER = 'envoy.filters.network.rbac';
/** Istio's stat_prefix of the network RBAC filter. */
export const RBAC_TCP_STAT_PREFIX = 'tcp.';
/** Envoy's RBAC action of each enforced Istio action (AUDIT logs). */
const ENVOY_ACTION: Record<AuthzAction, envoy_config_rbac_v3_RBAC_Action> = { ALLOW: 'ALLOW', DENY: 'DENY', AUDIT: 'LOG' };

/**
 * The authentication filters (RequestAuthentication's jwt_authn) of the
 * proxy: the slot between CUSTOM and the RBAC filters.
 */
export function authnHttpFilters(ctx: TranslateContext): HttpFilter[] {
  return jwtAuthnFilters(ctx);
}

/** The security filters of an inbound HTTP chain, in Istio's order: the one place they are put together. */
export function securityHttpFilters(ctx: TranslateContext): HttpFilter[] {
  const policies = ctx.push.authorizationPolicies(ctx.proxy.namespace, ctx.proxy.labels);
  const customFilters = customHttpFilters(ctx, policies);
  const rbacFilters = (['DENY', 'AUDIT', 'ALLOW'] as const).flatMap((a) => {
    const rules = rbacRules(ctx, policies, a, false);
    return rules ? [{ name: RBAC_HTTP_FILTER, typed_config: anyOf(TYPE_URLS.httpRbac, { rules }) }] : [];
  });
  return [...customFilters, ...authnHttpFilters(ctx), ...rbacFilters];
}

/** The network RBAC filters of an inbound TCP chain (before istio.stats and tcp_proxy). */
export function securityNetworkFilters(ctx: TranslateContext): NetworkFilter[] {
  const policies = ctx.push.authorizationPolicies(ctx.proxy.namespace, ctx.proxy.labels);
  const out: NetworkFilter[] = [];
  const custom = customTcpDenyAll(ctx, policies);
  if (custom) out.push(networkRbac({ action: 'DENY', policies: { [CUSTOM_DENY_ALL_POLICY]: denyAllPolicy() } }));
  for (const a of ['DENY', 'AUDIT', 'ALLOW'] as const) {
    const rules = rbacRules(ctx, policies, a, true);
    if (rules) out.push(networkRbac(rules));
  }
  return out;
}

function networkRbac(rules: envoy_config_rbac_v3_RBAC): NetworkFilter {
  return { name: RBAC_NETWORK_FILTER, typed_config: anyOf(TYPE_URLS.networkRbac, { rules, stat_prefix: RBAC_TCP_STAT_PREFIX }) };
}

function actionOf(p: Accepted<AuthorizationPolicy>): string {
  return p.obj.spec?.action ?? 'ALLOW';
}

/** The policies of `action`, merged into one Envoy RBAC; undefined when no policy of that action applies. */
function rbacRules(ctx: TranslateContext, policies: readonly Accepted<AuthorizationPolicy>[], action: AuthzAction, forTcp: boolean): envoy_config_rbac_v3_RBAC | undefined {
  const mine = policies.filter((p) => actionOf(p) === action);
  if (mine.length === 0) return undefined;
  const out: Record<string, envoy_config_rbac_v3_Policy> = {};
  for (const p of mine) Object.assign(out, policiesOf(ctx, p, action, forTcp, ''));
  return withPolicies({ ...(action === 'ALLOW' ? {} : { action: ENVOY_ACTION[action] }) }, out);
}

function withPolicies(rbac: envoy_config_rbac_v3_RBAC, policies: Record<string, envoy_config_rbac_v3_Policy>): envoy_config_rbac_v3_RBAC {
  return Object.keys(policies).length > 0 ? { ...rbac, policies } : rbac;
}

/** One RBAC policy per rule of `p` (named as Istio names them), reporting what a TCP chain drops. */
function policiesOf(ctx: TranslateContext, p: Accepted<AuthorizationPolicy>, action: AuthzAction, forTcp: boolean, prefix: string): Record<string, envoy_config_rbac_v3_Policy> {
  const out: Record<string, envoy_config_rbac_v3_Policy> = {};
  const { name, namespace } = p.obj.metadata;
  (p.obj.spec?.rules ?? []).forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const r = buildRulePolicy(rule, path, action, forTcp, namespace ?? 'default');
    for (const d of r.drops) {
      ctx.messages.warn(MESSAGE_CODES.AUTHZ_HTTP_ONLY_ON_TCP, p.key, d.path, action === 'ALLOW'
        ? `${d.key} is HTTP only: on the TCP port(s) of proxy ${ctx.proxy.id} this ALLOW rule is dropped (as Istio), so it allows nothing there`
        : `${d.key} is HTTP only: on the TCP port(s) of proxy ${ctx.proxy.id} it is left out of this ${action} rule (as Istio), so the rule matches more there`);
    }
    if (r.policy) out[prefix + rbacPolicyName(namespace ?? 'default', name, i)] = r.policy;
  });
  return out;
}

function denyAllPolicy(): envoy_config_rbac_v3_Policy {
  return { permissions: [{ any: true }], principals: [{ any: true }] };
}

/** Istio's replacement for CUSTOM filters it cannot build: deny every request. */
function customDenyAll(): HttpFilter[] {
  return [{ name: RBAC_HTTP_FILTER, typed_config: anyOf(TYPE_URLS.httpRbac, { rules: { action: 'DENY', policies: { [CUSTOM_DENY_ALL_POLICY]: denyAllPolicy() } } }) }];
}

/** The provider all CUSTOM policies of the workload name, or the reason they cannot be built. */
function customProvider(policies: readonly Accepted<AuthorizationPolicy>[]): { custom: Accepted<AuthorizationPolicy>[]; provider?: string; error?: string } {
  const custom = policies.filter((p) => actionOf(p) === 'CUSTOM');
  const names = [...new Set(custom.map((p) => p.obj.spec?.provider?.name ?? ''))];
  if (names.length > 1) return { custom, provider: names.join(','), error: `CUSTOM policies of one workload name ${names.length} providers (${names.join(', ')}); only one is supported per workload (as Istio)` };
  return { custom, ...(names[0] !== undefined ? { provider: names[0] } : {}) };
}

function customHttpFilters(ctx: TranslateContext, policies: readonly Accepted<AuthorizationPolicy>[]): HttpFilter[] {
  const { custom, provider, error } = customProvider(policies);
  if (custom.length === 0 || provider === undefined) return [];
  const built = error ? { error } : extAuthzForProvider(ctx, provider);
  if ('error' in built) {
    for (const p of custom) {
      ctx.messages.warn(MESSAGE_CODES.AUTHZ_CUSTOM_DENY_ALL, p.key, 'spec.provider.name', `${built.error}: every request to proxy ${ctx.proxy.id} is denied (fail closed, as Istio)`);
    }
    return customDenyAll();
  }
  const shadow: Record<string, envoy_config_rbac_v3_Policy> = {};
  for (const p of custom) Object.assign(shadow, policiesOf(ctx, p, 'DENY', false, `${EXT_AUTHZ_SHADOW.policyPrefix}-`));
  return [
    { name: RBAC_HTTP_FILTER, typed_config: anyOf(TYPE_URLS.httpRbac, { shadow_rules: withPolicies({}, shadow), shadow_rules_stat_prefix: EXT_AUTHZ_SHADOW.statPrefix }) },
    { name: EXT_AUTHZ_HTTP_FILTER, typed_config: anyOf(TYPE_URLS.extAuthz, built.config) },
  ];
}

/**
 * CUSTOM on a TCP chain: an HTTP provider does not apply there (Istio
 * ignores it; said here as info); a gRPC provider would need Envoy's
 * network ext_authz, which weft's proxy does not run, so the chain denies
 * every connection (fail closed) with a warning. True when the chain must deny all.
 */
function customTcpDenyAll(ctx: TranslateContext, policies: readonly Accepted<AuthorizationPolicy>[]): boolean {
  const { custom, provider, error } = customProvider(policies);
  if (custom.length === 0 || provider === undefined) return false;
  const built = error ? { error } : extAuthzForProvider(ctx, provider);
  if (!('error' in built) && !built.grpc) {
    for (const p of custom) ctx.messages.info(MESSAGE_CODES.AUTHZ_CUSTOM_TCP, p.key, 'spec.provider.name', `the HTTP ext authz provider "${provider}" does not apply to TCP ports (as Istio): TCP ports of proxy ${ctx.proxy.id} are not checked by it`);
    return false;
  }
  const why = 'error' in built ? built.error : `the gRPC ext authz provider "${provider}" needs Envoy's envoy.filters.network.ext_authz on TCP ports, which weft does not run`;
  for (const p of custom) ctx.messages.warn(MESSAGE_CODES.AUTHZ_CUSTOM_DENY_ALL, p.key, 'spec.provider.name', `${why}: every connection to the TCP ports of proxy ${ctx.proxy.id} is denied (fail closed)`);
  return true;
}
