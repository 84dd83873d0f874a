// One AuthorizationPolicy rule → one Envoy RBAC Policy, as Istio's authz
// model builds it (pilot/pkg/security/authz/model):
//   - permissions: one entry per `to` (none: one entry) = and_rules of the
//     operation's fields and the destination-side `when` conditions;
//   - principals: one entry per `from` (none: one entry) = and_ids of the
//     source's fields and the source-side `when` conditions;
//   - a field with values is or_rules/or_ids of one matcher per value, its
//     `not` form the not_rule/not_id of that; an empty and-list is `any`.
// HTTP-only keys (hosts, methods, paths, requestPrincipals, request.*) on a
// TCP chain: ALLOW drops the whole rule (a narrower allow), DENY and AUDIT
// drop the key (a wider deny), exactly Istio's checkError; every drop is
// returned so the caller reports it.
import type { AuthorizationRule } from '../../api/security.js';
import type {
  envoy_config_core_v3_CidrRange,
  envoy_config_rbac_v3_Permission,
  envoy_config_rbac_v3_Policy,
  envoy_config_rbac_v3_Principal,
  envoy_type_matcher_v3_StringMatcher,
  envoy_type_matcher_v3_ValueMatcher,
  envoy_config_route_v3_HeaderMatcher,
} from '../../xds/gen/types.js';
import { mapKeyNames } from '../validation/validate-authorization-policy.js';

/** The dynamic metadata namespace where the jwt_authn filter writes verified payloads (key `payload`), the contract with RequestAuthentication. */
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
export const JWT_PAYLOAD_KEY = 'payload';
/** Istio's SPIFFE prefix for principals. */
export const SPIFFE_PREFIX = 'spiffe://';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT';

/** A key dropped for a TCP chain (or the rule, for ALLOW), with where it was. */
export interface TcpDrop {
  readonly path: string;
  readonly key: string;
}

export interface RuleResult {
  /** Undefined when the rule is dropped (ALLOW with an HTTP-only key on TCP). */
  readonly policy?: envoy_config_rbac_v3_Policy;
  readonly drops: readonly TcpDrop[];
}

type Side = 'permission' | 'principal';

/** One matcher per value; `http` marks keys Istio calls "HTTP only". */
interface Generator {
  readonly side: Side;
  readonly http: boolean;
  /** `namespace` is the policy's (service accounts default to it). */
  readonly build: (value: string, key: string, namespace: string) => envoy_config_rbac_v3_Permission | envoy_config_rbac_v3_Principal;
}

/** One key of a rule: its values and not-values. */
interface KeyValues {
  readonly key: string;
  readonly path: string;
  readonly g: Generator;
  readonly values: readonly string[];
  readonly notValues: readonly string[];
}

/** Istio's StringMatcherWithPrefix: `*` any non-empty, `*x` suffix, `x*` prefix, else exact. */
export function stringMatcher(v: string, prefix = '', ignoreCase = false): envoy_type_matcher_v3_StringMatcher {
  const ic = ignoreCase ? { ignore_case: true } : {};
  if (v === '*') return { safe_regex: { regex: '.+' } };
  if (v.startsWith('*')) {
    return prefix === '' ? { suffix: v.slice(1), ...ic } : { safe_regex: { regex: `${quoteRe(prefix)}.*${quoteRe(v.slice(1))}` } };
  }
  if (v.endsWith('*')) return { prefix: prefix + v.slice(0, -1), ...ic };
  return { exact: prefix + v, ...ic };
}

/** Istio's HeaderMatcher (HostMatcher with ignoreCase): `*` present, `*x` suffix, `x*` prefix, else exact. */
function headerMatcher(name: string, v: string, ignoreCase = false): envoy_config_route_v3_HeaderMatcher {
  const ic = ignoreCase ? { ignore_case: true } : {};
  if (v === '*') return { name, present_match: true };
  if (v.startsWith('*')) return { name, string_match: { suffix: v.slice(1), ...ic } };
  if (v.endsWith('*')) return { name, string_match: { prefix: v.slice(0, -1), ...ic } };
  return { name, string_match: { exact: v, ...ic } };
}

/** RE2 quoting (Go's regexp.QuoteMeta). */
export function quoteRe(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** An IP or CIDR as a CidrRange (a bare address is /32 or /128). */
export function cidrRange(v: string): envoy_config_core_v3_CidrRange {
  const slash = v.indexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  const len = slash < 0 ? (addr.includes(':') ? 128 : 32) : Number(v.slice(slash + 1));
  return { address_prefix: addr, prefix_len: { value: len } };
}

function authenticated(m: envoy_type_matcher_v3_StringMatcher): envoy_config_rbac_v3_Principal {
  return { authenticated: { principal_name: m } };
}

function jwtMetadata(keys: readonly string[], value: envoy_type_matcher_v3_ValueMatcher): envoy_config_rbac_v3_Principal {
  return { metadata: { filter: JWT_AUTHN_FILTER, path: [JWT_PAYLOAD_KEY, ...keys].map((key) => ({ key })), value } };
}

/** A claim that may be a string or a list of strings (Istio's extended-JWT MetadataListMatcher): list one_of, or the string itself. */
function claimValue(m: envoy_type_matcher_v3_StringMatcher): envoy_type_matcher_v3_ValueMatcher {
  return { or_match: { value_matchers: [{ list_match: { one_of: { string_match: m } } }, { string_match: m }] } };
}

/** Istio's "any non-empty" string matcher. */
const MATCH_ANY: envoy_type_matcher_v3_StringMatcher = { safe_regex: { regex: '.+' } };

/**
 * requestPrincipals / request.auth.principal ("iss/sub"), as Istio's
 * extended-JWT generator: the jwt_authn payload's `iss` and `sub`, the value
 * split at its last '/' (an issuer may be a URL); `*` any issuer and subject;
 * a leading `*` makes the issuer a suffix (or, without '/', the subject), a
 * trailing `*` the subject a prefix (or, without '/', the issuer).
 */
export function requestPrincipal(v: string): envoy_config_rbac_v3_Principal {
  const cut = v.lastIndexOf('/');
  const found = cut >= 0;
  const iss = found ? v.slice(0, cut) : v;
  const sub = found ? v.slice(cut + 1) : '';
  let mi: envoy_type_matcher_v3_StringMatcher;
  let ms: envoy_type_matcher_v3_StringMatcher;
  if (v === '*') [mi, ms] = [MATCH_ANY, MATCH_ANY];
  else if (v.startsWith('*')) {
    [mi, ms] = found ? [iss === '*' ? MATCH_ANY : { suffix: iss.slice(1) }, { exact: sub }] : [MATCH_ANY, { suffix: v.slice(1) }];
  } else if (v.endsWith('*')) {
    [mi, ms] = found ? [{ exact: iss }, sub === '*' ? MATCH_ANY : { prefix: sub.slice(0, -1) }] : [{ prefix: v.slice(0, -1) }, MATCH_ANY];
  } else [mi, ms] = [{ exact: iss }, { exact: sub }];
  return { and_ids: { ids: [jwtMetadata(['iss'], { string_match: mi }), jwtMetadata(['sub'], { string_match: ms })] } };
}

/** Istio's serviceAccountRegex: `<name>` (in the policy's namespace) or `<namespace>/<name>`, in any trust domain. */
export function serviceAccountRegex(policyNamespace: string, v: string): string {
  const slash = v.indexOf('/');
  const ns = slash < 0 ? policyNamespace : v.slice(0, slash);
  const sa = slash < 0 ? v : v.slice(slash + 1);
  return `spiffe://.+/ns/${ns}/(.+/|)sa/${sa}(/.+)?`;
}

const G = {
  principals: { side: 'principal', http: false, build: (v) => authenticated(stringMatcher(v, SPIFFE_PREFIX)) },
  namespaces: { side: 'principal', http: false, build: (v) => authenticated({ safe_regex: { regex: `.*/ns/${quoteRe(v).replace(/\\\*/g, '.*')}/.*` } }) },
  serviceAccounts: { side: 'principal', http: false, build: (v, _key, ns) => authenticated({ safe_regex: { regex: serviceAccountRegex(ns, v) } }) },
  ipBlocks: { side: 'principal', http: false, build: (v) => ({ direct_remote_ip: cidrRange(v) }) },
  remoteIpBlocks: { side: 'principal', http: false, build: (v) => ({ remote_ip: cidrRange(v) }) },
  requestPrincipals: { side: 'principal', http: true, build: (v) => requestPrincipal(v) },
  audiences: { side: 'principal', http: true, build: (v) => jwtMetadata(['aud'], claimValue(stringMatcher(v))) },
  presenter: { side: 'principal', http: true, build: (v) => jwtMetadata(['azp'], claimValue(stringMatcher(v))) },
  claims: { side: 'principal', http: true, build: (v, key) => jwtMetadata(mapKeyNames(key) ?? [], claimValue(stringMatcher(v))) },
  header: { side: 'principal', http: true, build: (v, key) => ({ header: headerMatcher((mapKeyNames(key) ?? [''])[0]!, v) }) },
  hosts: { side: 'permission', http: true, build: (v) => ({ header: headerMatcher(':authority', v, true) }) },
  methods: { side: 'permission', http: true, build: (v) => ({ header: headerMatcher(':method', v) }) },
  paths: { side: 'permission', http: true, build: (v) => ({ url_path: { path: stringMatcher(v) } }) },
  ports: { side: 'permission', http: false, build: (v) => ({ destination_port: Number(v) }) },
  destinationIp: { side: 'permission', http: false, build: (v) => ({ destination_ip: cidrRange(v) }) },
  sni: { side: 'permission', http: false, build: (v) => ({ requested_server_name: stringMatcher(v) }) },
} satisfies Record<string, Generator>;

/** The generator of a `when` key (validation has refused every other key). */
function conditionGenerator(key: string): Generator | undefined {
  switch (key) {
    case 'source.ip': return G.ipBlocks;
    case 'remote.ip': return G.remoteIpBlocks;
    case 'source.namespace': return G.namespaces;
    case 'source.principal': return G.principals;
    case 'source.serviceAccount': return G.serviceAccounts;
    case 'request.auth.principal': return G.requestPrincipals;
    case 'request.auth.audiences': return G.audiences;
    case 'request.auth.presenter': return G.presenter;
    case 'destination.ip': return G.destinationIp;
    case 'destination.port': return G.ports;
    case 'connection.sni': return G.sni;
  }
  if (key.startsWith('request.headers[')) return G.header;
  if (key.startsWith('request.auth.claims[')) return G.claims;
  return undefined;
}

const SOURCE_KEYS = [
  ['principals', 'notPrincipals', G.principals], ['requestPrincipals', 'notRequestPrincipals', G.requestPrincipals],
  ['namespaces', 'notNamespaces', G.namespaces], ['serviceAccounts', 'notServiceAccounts', G.serviceAccounts],
  ['ipBlocks', 'notIpBlocks', G.ipBlocks], ['remoteIpBlocks', 'notRemoteIpBlocks', G.remoteIpBlocks],
] as const;
const OPERATION_KEYS = [
  ['hosts', 'notHosts', G.hosts], ['ports', 'notPorts', G.ports], ['methods', 'notMethods', G.methods], ['paths', 'notPaths', G.paths],
] as const;

/** Builds the RBAC policy of `rule` (at `path`, e.g. spec.rules[0]) for an HTTP or a TCP chain. */
export function buildRulePolicy(rule: AuthorizationRule, path: string, action: AuthzAction, forTcp: boolean, namespace = 'default'): RuleResult {
  const base: KeyValues[] = [];
  (rule.when ?? []).forEach((c, i) => {
    const g = conditionGenerator(c.key);
    if (g) base.push({ key: c.key, path: `${path}.when[${i}]`, g, values: c.values ?? [], notValues: c.notValues ?? [] });
  });
  const principalSets: KeyValues[][] = [];
  const froms = rule.from ?? [];
  froms.forEach((f, i) => {
    const set = base.filter((k) => k.g.side === 'principal');
    const src = f.source ?? {};
    for (const [k, nk, g] of SOURCE_KEYS) {
      if (src[k] !== undefined || src[nk] !== undefined) set.push({ key: k, path: `${path}.from[${i}].source`, g, values: src[k] ?? [], notValues: src[nk] ?? [] });
    }
    principalSets.push(set);
  });
  if (froms.length === 0) principalSets.push(base.filter((k) => k.g.side === 'principal'));
  const permissionSets: KeyValues[][] = [];
  const tos = rule.to ?? [];
  tos.forEach((t, i) => {
    const set = base.filter((k) => k.g.side === 'permission');
    const op = t.operation ?? {};
    for (const [k, nk, g] of OPERATION_KEYS) {
      if (op[k] !== undefined || op[nk] !== undefined) set.push({ key: k, path: `${path}.to[${i}].operation`, g, values: op[k] ?? [], notValues: op[nk] ?? [] });
    }
    permissionSets.push(set);
  });
  if (tos.length === 0) permissionSets.push(base.filter((k) => k.g.side === 'permission'));

  const drops: TcpDrop[] = [];
  const keep = (set: KeyValues[]): KeyValues[] => set.filter((k) => {
    if (!(forTcp && k.g.http)) return true;
    drops.push({ path: k.path, key: k.key });
    return false;
  });
  const p2 = permissionSets.map(keep);
  const pr2 = principalSets.map(keep);
  if (drops.length > 0 && action === 'ALLOW') return { drops };
  return {
    policy: {
      permissions: p2.map((set) => permissionAnd(set, namespace)),
      principals: pr2.map((set) => principalAnd(set, namespace)),
    },
    drops,
  };
}

function permissionAnd(set: readonly KeyValues[], ns: string): envoy_config_rbac_v3_Permission {
  if (set.length === 0) return { any: true };
  const rules: envoy_config_rbac_v3_Permission[] = [];
  for (const k of set) {
    if (k.values.length > 0) rules.push({ or_rules: { rules: k.values.map((v) => k.g.build(v, k.key, ns) as envoy_config_rbac_v3_Permission) } });
    if (k.notValues.length > 0) rules.push({ not_rule: { or_rules: { rules: k.notValues.map((v) => k.g.build(v, k.key, ns) as envoy_config_rbac_v3_Permission) } } });
  }
  return rules.length === 0 ? { any: true } : { and_rules: { rules } };
}

function principalAnd(set: readonly KeyValues[], ns: string): envoy_config_rbac_v3_Principal {
  if (set.length === 0) return { any: true };
  const ids: envoy_config_rbac_v3_Principal[] = [];
  for (const k of set) {
    if (k.values.length > 0) ids.push({ or_ids: { ids: k.values.map((v) => k.g.build(v, k.key, ns) as envoy_config_rbac_v3_Principal) } });
    if (k.notValues.length > 0) ids.push({ not_id: { or_ids: { ids: k.notValues.map((v) => k.g.build(v, k.key, ns) as envoy_config_rbac_v3_Principal) } } });
  }
  return ids.length === 0 ? { any: true } : { and_ids: { ids } };
}

/** Istio's RBAC policy name of one rule: ns[<namespace>]-policy[<name>]-rule[<index>]. */
export function rbacPolicyName(namespace: string, name: string, index: number): string {
  return `ns[${namespace}]-policy[${name}]-rule[${index}]`;
}
