// envoy.config.rbac.v3.RBAC decoded into an RbacEngine: every permission and
// principal compiled once into a closure, every error reported with its
// path. Kinds weft does not evaluate are refused by name.
import { CFG, ConfigErrors, joinPath } from '../../common/errors.js';
import { cidrContains, decodeCidr } from '../config/cidr.js';
import { checkSupported } from '../config/support.js';
import { decodeHeaderMatcher } from '../route/route-match-header.js';
import { decodeStringMatcher, type StringPredicate } from '../route/string-matcher.js';
import type {
  envoy_config_core_v3_CidrRange,
  envoy_config_rbac_v3_Permission,
  envoy_config_rbac_v3_Policy,
  envoy_config_rbac_v3_Principal,
  envoy_config_rbac_v3_RBAC,
  envoy_type_matcher_v3_MetadataMatcher,
  envoy_type_matcher_v3_ValueMatcher,
  envoy_type_matcher_v3_PathMatcher,
} from '../../xds/gen/types.js';
import { allMatch, anyMatches, RbacEngine, type RbacAction, type RbacMatcher, type RbacPolicy } from './rbac-engine.js';
import type { RbacInput } from './rbac-input.js';

/** Where the rules are used: the network filter has no request, so request matchers are refused there. */
export interface RbacDecodeContext {
  readonly network: boolean;
}

const ACTIONS: readonly RbacAction[] = ['ALLOW', 'DENY', 'LOG'];
const PERMISSION_KINDS = [
  'any', 'header', 'url_path', 'destination_ip', 'destination_port', 'destination_port_range',
  'requested_server_name', 'and_rules', 'or_rules', 'not_rule', 'metadata',
] as const;
const PRINCIPAL_KINDS = [
  'any', 'authenticated', 'direct_remote_ip', 'remote_ip', 'source_ip', 'header', 'url_path',
  'and_ids', 'or_ids', 'not_id', 'metadata',
] as const;
/** Request matchers: only the HTTP filter has a request. */
const REQUEST_KINDS = new Set(['header', 'url_path']);

/** Decodes `rules` or `shadow_rules`; undefined (errors reported) when unusable. */
export function decodeRbacRules(r: envoy_config_rbac_v3_RBAC, path: string, errs: ConfigErrors, ctx: RbacDecodeContext): RbacEngine | undefined {
  const before = errs.errors.length;
  checkSupported(r, path, errs, ['action', 'policies']);
  const action = (r.action ?? 'ALLOW') as RbacAction;
  if (!ACTIONS.includes(action)) errs.error(joinPath(path, 'action'), `unknown action ${String(r.action)} (${ACTIONS.join(', ')})`);
  const policies: RbacPolicy[] = [];
  // Envoy keeps policies in a std::map: tried in byte order of their names.
  const names = Object.keys(r.policies ?? {}).sort(byteOrder);
  for (const name of names) {
    const p = decodePolicy(r.policies![name]!, `${joinPath(path, 'policies')}[${JSON.stringify(name)}]`, errs, ctx, name);
    if (p) policies.push(p);
  }
  if (errs.errors.length > before) return undefined;
  return new RbacEngine(action, policies);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function decodePolicy(p: envoy_config_rbac_v3_Policy, path: string, errs: ConfigErrors, ctx: RbacDecodeContext, name: string): RbacPolicy | undefined {
  checkSupported(p, path, errs, ['permissions', 'principals']);
  const permissions = list(p.permissions, joinPath(path, 'permissions'), errs, (m, mp) => decodePermission(m, mp, errs, ctx));
  const principals = list(p.principals, joinPath(path, 'principals'), errs, (m, mp) => decodePrincipal(m, mp, errs, ctx));
  if (!permissions || !principals) return undefined;
  return { name, permissions, principals };
}

/** A repeated matcher field: at least one item (Envoy's min_items: 1), each decoded. */
function list<T>(items: T[] | undefined, path: string, errs: ConfigErrors, decode: (m: T, p: string) => RbacMatcher | undefined): RbacMatcher[] | undefined {
  if (!items || items.length === 0) {
    errs.required(path, 'at least one entry is required');
    return undefined;
  }
  const out: RbacMatcher[] = [];
  let ok = true;
  items.forEach((m, i) => {
    const d = decode(m, joinPath(path, i));
    if (d) out.push(d);
    else ok = false;
  });
  return ok ? out : undefined;
}

/** The one kind set in a Permission or Principal (a oneof); reports none or several. */
function oneKind<K extends string>(m: object, kinds: readonly K[], path: string, errs: ConfigErrors, ctx: RbacDecodeContext): K | undefined {
  checkSupported(m, path, errs, kinds);
  const set = kinds.filter((k) => (m as Record<string, unknown>)[k] !== undefined);
  if (set.length !== 1) {
    if (set.length === 0 && Object.keys(m).every((k) => (kinds as readonly string[]).includes(k))) errs.required(path, `one of ${kinds.join(', ')} is required`);
    else if (set.length > 1) errs.error(path, `only one of ${kinds.join(', ')} may be set (found ${set.join(', ')})`, CFG.CONFLICT);
    return undefined;
  }
  const k = set[0]!;
  if (ctx.network && REQUEST_KINDS.has(k)) {
    errs.error(joinPath(path, k), `${k} needs an HTTP request: envoy.filters.network.rbac has none (use envoy.filters.http.rbac)`, CFG.CONFLICT);
    return undefined;
  }
  return k;
}

function decodePermission(m: envoy_config_rbac_v3_Permission, path: string, errs: ConfigErrors, ctx: RbacDecodeContext): RbacMatcher | undefined {
  const kind = oneKind(m, PERMISSION_KINDS, path, errs, ctx);
  const p = kind && joinPath(path, kind);
  switch (kind) {
    case undefined: return undefined;
    case 'any': return decodeAny(m.any, p!, errs);
    case 'header': return decodeHeader(m.header!, p!, errs);
    case 'url_path': return decodeUrlPath(m.url_path!, p!, errs);
    case 'destination_ip': {
      const c = decodeCidr(m.destination_ip!, p!, errs);
      return c && ((i) => { const ip = i.localIp; return ip !== null && cidrContains(c, ip); });
    }
    case 'destination_port': {
      const port = m.destination_port!;
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        errs.error(p!, `must be a port in [0, 65535] (got ${port})`);
        return undefined;
      }
      return (i) => i.conn.localPort === port;
    }
    case 'destination_port_range': {
      const r = m.destination_port_range!;
      checkSupported(r, p!, errs, ['start', 'end']);
      const start = r.start ?? 0;
      const end = r.end ?? 0;
      // Envoy's PortRangeMatcher refuses bounds outside [0, 65536] and an empty range.
      let ok = true;
      for (const [k, v] of [['start', start], ['end', end]] as const) {
        if (!Number.isInteger(v) || v < 0 || v > 65536) {
          errs.error(joinPath(p!, k), `must be in [0, 65536] (got ${v})`);
          ok = false;
        }
      }
      if (ok && start >= end) {
        errs.error(p!, `start ${start} must be less than end ${end}`);
        ok = false;
      }
      // Int32Range is half-open: [start, end).
      return ok ? (i) => i.conn.localPort >= start && i.conn.localPort < end : undefined;
    }
    case 'requested_server_name': {
      const t = decodeStringMatcher(m.requested_server_name!, p!, errs);
      return t && ((i) => t(i.conn.serverName ?? ''));
    }
    case 'and_rules': return decodeSet(m.and_rules!.rules, p!, 'rules', errs, (x, xp) => decodePermission(x, xp, errs, ctx), allMatch);
    case 'or_rules': return decodeSet(m.or_rules!.rules, p!, 'rules', errs, (x, xp) => decodePermission(x, xp, errs, ctx), anyMatches);
    case 'not_rule': return negate(decodePermission(m.not_rule!, p!, errs, ctx));
    case 'metadata': return decodeMetadata(m.metadata!, p!, errs);
  }
}

function decodePrincipal(m: envoy_config_rbac_v3_Principal, path: string, errs: ConfigErrors, ctx: RbacDecodeContext): RbacMatcher | undefined {
  const kind = oneKind(m, PRINCIPAL_KINDS, path, errs, ctx);
  const p = kind && joinPath(path, kind);
  switch (kind) {
    case undefined: return undefined;
    case 'any': return decodeAny(m.any, p!, errs);
    case 'authenticated': {
      const a = m.authenticated!;
      checkSupported(a, p!, errs, ['principal_name']);
      if (!a.principal_name) return (i) => i.conn.tls !== undefined;
      const t = decodeStringMatcher(a.principal_name, joinPath(p!, 'principal_name'), errs);
      return t && ((i) => authenticatedAs(i, t));
    }
    // weft's remote address is the direct peer's (see RbacInput.remoteIp).
    case 'direct_remote_ip': return decodeRemoteIp(m.direct_remote_ip!, p!, errs);
    case 'remote_ip': return decodeRemoteIp(m.remote_ip!, p!, errs);
    case 'source_ip': return decodeRemoteIp(m.source_ip!, p!, errs);
    case 'header': return decodeHeader(m.header!, p!, errs);
    case 'url_path': return decodeUrlPath(m.url_path!, p!, errs);
    case 'and_ids': return decodeSet(m.and_ids!.ids, p!, 'ids', errs, (x, xp) => decodePrincipal(x, xp, errs, ctx), allMatch);
    case 'or_ids': return decodeSet(m.or_ids!.ids, p!, 'ids', errs, (x, xp) => decodePrincipal(x, xp, errs, ctx), anyMatches);
    case 'not_id': return negate(decodePrincipal(m.not_id!, p!, errs, ctx));
    case 'metadata': return decodeMetadata(m.metadata!, p!, errs);
  }
}

/**
 * Envoy's AuthenticatedMatcher: the connection must be TLS; then any URI SAN
 * of the peer certificate, else any DNS SAN, else its subject (RFC 2253)
 * must match. A TLS connection without a client certificate is matched
 * against the empty subject.
 */
function authenticatedAs(i: RbacInput, t: StringPredicate): boolean {
  const tls = i.conn.tls;
  if (!tls) return false;
  const cert = tls.peerCertificate;
  if (!cert) return t('');
  for (const u of cert.uriSans) if (t(u)) return true;
  for (const d of cert.dnsSans) if (t(d)) return true;
  return t(cert.subject);
}

function decodeAny(v: boolean | undefined, path: string, errs: ConfigErrors): RbacMatcher | undefined {
  // Envoy's validation: `any` must be true when set.
  if (v !== true) {
    errs.error(path, 'must be true');
    return undefined;
  }
  return () => true;
}

function decodeHeader(h: Parameters<typeof decodeHeaderMatcher>[0], path: string, errs: ConfigErrors): RbacMatcher | undefined {
  const c = decodeHeaderMatcher(h, path, errs);
  return c && ((i) => i.request !== undefined && c.matches(i.request));
}

function decodeUrlPath(m: envoy_type_matcher_v3_PathMatcher, path: string, errs: ConfigErrors): RbacMatcher | undefined {
  checkSupported(m, path, errs, ['path']);
  if (!m.path) {
    errs.required(joinPath(path, 'path'));
    return undefined;
  }
  const t = decodeStringMatcher(m.path, joinPath(path, 'path'), errs);
  // Envoy matches the path without its query string and fragment.
  return t && ((i) => i.request !== undefined && t(i.request.path));
}

function decodeRemoteIp(c: envoy_config_core_v3_CidrRange, path: string, errs: ConfigErrors): RbacMatcher | undefined {
  const cidr = decodeCidr(c, path, errs);
  return cidr && ((i) => { const ip = i.remoteIp; return ip !== null && cidrContains(cidr, ip); });
}

function decodeSet<T>(items: T[] | undefined, path: string, field: string, errs: ConfigErrors, decode: (m: T, p: string) => RbacMatcher | undefined, combine: (ms: readonly RbacMatcher[], i: RbacInput) => boolean): RbacMatcher | undefined {
  const ms = list(items, joinPath(path, field), errs, decode);
  return ms && ((i) => combine(ms, i));
}

function negate(m: RbacMatcher | undefined): RbacMatcher | undefined {
  return m && ((i) => !m(i));
}

/** A ValueMatcher of a metadata matcher, as a test on the value found at the path. */
function decodeValueMatcher(v: envoy_type_matcher_v3_ValueMatcher, vp: string, errs: ConfigErrors): ((x: unknown) => boolean) | undefined {
  checkSupported(v, vp, errs, ['string_match', 'bool_match', 'present_match', 'list_match', 'or_match']);
  if (v.string_match !== undefined) {
    const t = decodeStringMatcher(v.string_match, joinPath(vp, 'string_match'), errs);
    return t && ((x) => typeof x === 'string' && t(x));
  }
  if (v.bool_match !== undefined) {
    const want = v.bool_match;
    return (x) => x === want;
  }
  if (v.present_match !== undefined) {
    const want = v.present_match;
    return (x) => (x !== undefined) === want;
  }
  if (v.list_match !== undefined) {
    const lp = joinPath(vp, 'list_match');
    checkSupported(v.list_match, lp, errs, ['one_of']);
    if (!v.list_match.one_of) {
      errs.required(joinPath(lp, 'one_of'));
      return undefined;
    }
    const one = decodeValueMatcher(v.list_match.one_of, joinPath(lp, 'one_of'), errs);
    return one && ((x) => Array.isArray(x) && x.some(one));
  }
  if (v.or_match !== undefined) {
    const op = joinPath(vp, 'or_match');
    const ms = (v.or_match.value_matchers ?? []).map((m, i) => decodeValueMatcher(m, joinPath(joinPath(op, 'value_matchers'), i), errs));
    if (ms.length < 2) errs.required(joinPath(op, 'value_matchers'), 'at least two value_matchers are required');
    if (ms.some((m) => !m) || ms.length < 2) return undefined;
    const all = ms as ((x: unknown) => boolean)[];
    return (x) => all.some((m) => m(x));
  }
  if (Object.keys(v).length === 0) errs.required(vp, 'one of string_match, bool_match, present_match, list_match, or_match is required');
  return undefined;
}

/**
 * MetadataMatcher against the stream's dynamic metadata: `filter` is the
 * namespace, `path` the keys inside it. Value kinds string_match, bool_match,
 * present_match, list_match (one_of: some element of a list matches) and
 * or_match; the others are refused by name.
 */
function decodeMetadata(m: envoy_type_matcher_v3_MetadataMatcher, path: string, errs: ConfigErrors): RbacMatcher | undefined {
  const t = decodeMetadataMatcher(m, path, errs);
  return t && ((i) => t(i.metadata));
}

/** Dynamic metadata: filter namespace → its fields. */
export type DynamicMetadata = Readonly<Record<string, Readonly<Record<string, unknown>>>> | undefined;

/** An envoy.type.matcher.v3.MetadataMatcher as a test on a stream's dynamic metadata (also ext_authz's filter_enabled_metadata). */
export function decodeMetadataMatcher(m: envoy_type_matcher_v3_MetadataMatcher, path: string, errs: ConfigErrors): ((md: DynamicMetadata) => boolean) | undefined {
  checkSupported(m, path, errs, ['filter', 'path', 'value', 'invert']);
  const ns = m.filter ?? '';
  if (ns === '') errs.required(joinPath(path, 'filter'));
  const keys = (m.path ?? []).map((s, i) => {
    checkSupported(s, joinPath(joinPath(path, 'path'), i), errs, ['key']);
    return s.key ?? '';
  });
  if (keys.length === 0) errs.required(joinPath(path, 'path'), 'at least one path segment is required');
  const vp = joinPath(path, 'value');
  const v = m.value;
  if (!v) {
    errs.required(vp);
    return undefined;
  }
  const test = decodeValueMatcher(v, vp, errs);
  if (!test || ns === '' || keys.length === 0) return undefined;
  const invert = m.invert === true;
  const t = test;
  return (md) => {
    let x: unknown = md?.[ns];
    for (const k of keys) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined;
    return t(x) !== invert;
  };
}
