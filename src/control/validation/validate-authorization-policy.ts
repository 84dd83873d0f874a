// AuthorizationPolicy (security.istio.io v1/v1beta1): the spec's schema and
// Istio's ValidateAuthorizationPolicy rules (pkg/config/validation and
// pkg/config/security): a workload selector without wildcards; CUSTOM needs
// rules and provider.name and takes no identity fields; provider only with
// CUSTOM; DENY needs rules; no empty from/to/source/operation; no empty
// values; IP blocks and ports well formed; `when` keys Istio knows, with
// values valid for the key. targetRef(s) are refused by name (weft has no
// Gateway API objects to attach a policy to). Every problem is reported with
// its field path.
import { AUTHZ_ACTIONS, type AuthorizationCondition, type AuthorizationPolicySpec } from '../../api/security.js';
import { checkWorkloadSelector } from './common-checks.js';
import { childPath } from './field-path.js';
import type { Reporter } from './message.js';
import { checkIpOrCidr } from './names.js';
import { enumOf, list, map, obj, required, str, unsupportedField, type Shape } from './schema.js';

const strs = list(str);

const SOURCE = obj({
  principals: strs, notPrincipals: strs,
  requestPrincipals: strs, notRequestPrincipals: strs,
  namespaces: strs, notNamespaces: strs,
  serviceAccounts: strs, notServiceAccounts: strs,
  ipBlocks: strs, notIpBlocks: strs,
  remoteIpBlocks: strs, notRemoteIpBlocks: strs,
});

const OPERATION = obj({
  hosts: strs, notHosts: strs,
  ports: strs, notPorts: strs,
  methods: strs, notMethods: strs,
  paths: strs, notPaths: strs,
});

const TARGET_REF = 'targetRef/targetRefs attach a policy to Gateway API objects (Gateway, Service), which weft does not read; use selector';

/** The spec schema (strict: unknown fields are refused, as Istio's CRD does). */
export const AUTHORIZATION_POLICY_SCHEMA: Shape = obj({
  selector: obj({ matchLabels: map(str) }),
  targetRef: unsupportedField(TARGET_REF),
  targetRefs: unsupportedField(TARGET_REF),
  action: enumOf(...AUTHZ_ACTIONS),
  provider: obj({ name: str }),
  rules: list(obj({
    from: list(obj({ source: SOURCE })),
    to: list(obj({ operation: OPERATION })),
    when: list(obj({ key: required(str), values: strs, notValues: strs })),
  })),
});

const SOURCE_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
/** Source fields that match the peer identity: meaningless for CUSTOM (Istio refuses them there). */
const CUSTOM_REFUSED_SOURCE = ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'] as const;
/** Source fields that work on TCP (Istio's tcpRulesInFrom). */
const TCP_SOURCE = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;

/** Istio's `when` keys: exact ones, and the map-style ones written `key[name]`. */
export const CONDITION_KEYS = [
  'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'source.serviceAccount',
  'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter',
  'destination.ip', 'destination.port', 'connection.sni',
] as const;
export const CONDITION_MAP_KEYS = ['request.headers', 'request.auth.claims'] as const;
/** Keys Istio reserves and refuses. */
const DISABLED_KEYS = ['source.user', 'destination.user'];

/** Istio's semantic rules on a schema-checked spec. */
export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec, r: Reporter): void {
  const sel = spec.selector;
  checkWorkloadSelector(sel?.matchLabels, sel !== undefined, 'spec.selector', r, 'matchLabels');
  const action = spec.action ?? 'ALLOW';
  const rules = spec.rules && spec.rules.length > 0 ? spec.rules : undefined;
  if (action === 'CUSTOM') {
    if (!rules) r.report('WEFT0107', 'spec.rules', 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
    else if (!spec.provider?.name) r.report('WEFT0107', 'spec.provider.name', '`provider.name` must not be empty');
  }
  if (spec.provider !== undefined && action !== 'CUSTOM') r.report('WEFT0106', 'spec.provider', `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && !rules) r.report('WEFT0107', 'spec.rules', 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');

  (spec.rules ?? []).forEach((rule, i) => {
    const rp = `spec.rules[${i}]`;
    let tcpFrom = false;
    let tcpTo = false;
    (rule.from ?? []).forEach((f, j) => {
      const fp = `${rp}.from[${j}].source`;
      const src = f.source;
      if (!src) {
        r.report('WEFT0107', fp, `\`from.source\` must not be nil, found at rule ${i}`);
        return;
      }
      if (SOURCE_FIELDS.every((k) => (src[k]?.length ?? 0) === 0)) r.report('WEFT0107', fp, `\`from.source\` must not be empty, found at rule ${i}`);
      if ((src.principals?.length ?? 0) + (src.notPrincipals?.length ?? 0) + (src.namespaces?.length ?? 0) + (src.notNamespaces?.length ?? 0) > 0
        && (src.serviceAccounts?.length ?? 0) + (src.notServiceAccounts?.length ?? 0) > 0) {
        r.report('WEFT0106', fp, `cannot set serviceAccounts with namespaces or principals, found at rule ${i}`);
      }
      for (const k of SOURCE_FIELDS) checkValues(src[k], childPath(fp, k), r);
      for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) checkIps(src[k], childPath(fp, k), r);
      for (const k of ['serviceAccounts', 'notServiceAccounts'] as const) {
        (src[k] ?? []).forEach((v, n) => {
          if (v !== '' && !/^([^/*]+\/)?[^/*]+$/.test(v)) r.report('WEFT0011', `${childPath(fp, k)}[${n}]`, `service account "${v}" must be "<name>" or "<namespace>/<name>" (no wildcards)`);
        });
      }
      if (action === 'CUSTOM') for (const k of CUSTOM_REFUSED_SOURCE) if ((src[k]?.length ?? 0) > 0) r.report('WEFT0106', childPath(fp, k), `From.${k[0]!.toUpperCase()}${k.slice(1)} is currently not supported with CUSTOM action`);
      if (TCP_SOURCE.some((k) => src[k] !== undefined)) tcpFrom = true;
    });
    (rule.to ?? []).forEach((t, j) => {
      const tp = `${rp}.to[${j}].operation`;
      const op = t.operation;
      if (!op) {
        r.report('WEFT0107', tp, `\`to.operation\` must not be nil, found at rule ${i}`);
        return;
      }
      if (OPERATION_FIELDS.every((k) => (op[k]?.length ?? 0) === 0)) r.report('WEFT0107', tp, `\`to.operation\` must not be empty, found at rule ${i}`);
      for (const k of OPERATION_FIELDS) checkValues(op[k], childPath(tp, k), r);
      for (const k of ['ports', 'notPorts'] as const) checkPorts(op[k], childPath(tp, k), r);
      for (const k of ['paths', 'notPaths'] as const) checkPathTemplates(op[k], childPath(tp, k), r);
      if (op.ports !== undefined || op.notPorts !== undefined) tcpTo = true;
    });
    (rule.when ?? []).forEach((c, j) => checkCondition(c, `${rp}.when[${j}]`, action === 'CUSTOM', r));
    const fromExists = (rule.from ?? []).some((f) => f.source);
    const toExists = (rule.to ?? []).some((t) => t.operation);
    if (action === 'DENY' && ((fromExists && !toExists && !tcpFrom) || (toExists && !tcpTo))) {
      r.report('WEFT0152', rp, 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port');
    }
  });
}

function checkValues(values: readonly string[] | undefined, path: string, r: Reporter): void {
  (values ?? []).forEach((v, i) => {
    if (v === '') r.report('WEFT0107', `${path}[${i}]`, `empty value not allowed, found in ${path.slice(path.lastIndexOf('.') + 1)}`);
  });
}

function checkIps(values: readonly string[] | undefined, path: string, r: Reporter): void {
  (values ?? []).forEach((v, i) => {
    if (v === '') return;
    const err = checkIpOrCidr(v);
    if (err) r.report('WEFT0114', `${path}[${i}]`, `invalid IP address or CIDR range: ${v}`);
  });
}

function checkPorts(values: readonly string[] | undefined, path: string, r: Reporter): void {
  (values ?? []).forEach((v, i) => {
    if (v === '') return;
    const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
    if (!(n >= 0 && n <= 65535)) r.report('WEFT0102', `${path}[${i}]`, `invalid port ${v}: must be a number in 0..65535`);
  });
}

/** Istio's path templates ({*}, {**}) compile to Envoy's uri_template matcher, which weft's RBAC does not run: refused by name. */
function checkPathTemplates(values: readonly string[] | undefined, path: string, r: Reporter): void {
  (values ?? []).forEach((v, i) => {
    if (v.includes('{') || v.includes('}')) r.report('WEFT0016', `${path}[${i}]`, `path template "${v}" ({*}, {**}) is not supported by weft (Envoy's uri_template matcher); use a prefix ("/x/*"), suffix ("*/x") or exact path`);
  });
}

/** A `when` key as Istio's ValidateAttribute reads it. */
function checkCondition(c: AuthorizationCondition, path: string, custom: boolean, r: Reporter): void {
  const key = c.key;
  const kp = childPath(path, 'key');
  if (key === '') {
    r.report('WEFT0107', kp, '`key` must not be empty');
    return;
  }
  if ((c.values?.length ?? 0) === 0 && (c.notValues?.length ?? 0) === 0) {
    r.report('WEFT0107', path, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    return;
  }
  if (custom && (key === 'source.namespace' || key === 'source.principal' || key.startsWith('request.auth.'))) {
    r.report('WEFT0106', kp, `${key} is currently not supported with CUSTOM action`);
  }
  const err = conditionKeyError(key);
  if (err) {
    r.report(err.code, kp, err.message);
    return;
  }
  for (const [field, values] of [['values', c.values], ['notValues', c.notValues]] as const) {
    const vp = childPath(path, field);
    (values ?? []).forEach((v, i) => {
      const e = conditionValueError(key, v);
      if (e) r.report(e.code, `${vp}[${i}]`, `invalid \`${field === 'values' ? 'value' : 'notValue'}\` for \`key\` ${key}: ${e.message}`);
    });
  }
}

/** Why a `when` key is refused, or undefined when weft translates it. */
export function conditionKeyError(key: string): { code: 'WEFT0119' | 'WEFT0016'; message: string } | undefined {
  if (DISABLED_KEYS.includes(key)) return { code: 'WEFT0119', message: `attribute ${key} is disabled` };
  if ((CONDITION_KEYS as readonly string[]).includes(key)) return undefined;
  const mapKey = CONDITION_MAP_KEYS.find((k) => key.startsWith(`${k}[`) || key === k);
  if (mapKey) return mapKeyNames(key) ? undefined : { code: 'WEFT0119', message: `bad key (${key}): should have format a[b]` };
  if (key.startsWith('experimental.envoy.filters.')) {
    return { code: 'WEFT0016', message: `${key}: experimental.envoy.filters.* conditions (matching another filter's metadata) are not supported by weft` };
  }
  return { code: 'WEFT0119', message: `unknown attribute: ${key}` };
}

/** The names inside `a[b][c]` (after the prefix), or undefined when the key is not well formed. */
export function mapKeyNames(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open < 0 || !key.endsWith(']')) return undefined;
  const rest = key.slice(open);
  const names: string[] = [];
  const re = /\[([^[\]]+)\]/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(rest)) !== null) {
    names.push(m[1]!);
    end = re.lastIndex;
  }
  return end === rest.length && names.length > 0 ? names : undefined;
}

function conditionValueError(key: string, v: string): { code: 'WEFT0114' | 'WEFT0102' | 'WEFT0107'; message: string } | undefined {
  if (v === '') return { code: 'WEFT0107', message: 'empty value not allowed' };
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') {
    return checkIpOrCidr(v) ? { code: 'WEFT0114', message: `invalid IP address or CIDR range: ${v}` } : undefined;
  }
  if (key === 'destination.port') {
    const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
    return n >= 0 && n <= 65535 ? undefined : { code: 'WEFT0102', message: `invalid port ${v}` };
  }
  return undefined;
}
