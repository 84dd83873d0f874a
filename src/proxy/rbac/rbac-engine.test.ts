import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import type { envoy_config_rbac_v3_Permission, envoy_config_rbac_v3_Principal, envoy_config_rbac_v3_RBAC } from '../../xds/gen/types.js';
import { HeaderMap } from '../http/headers.js';
import { RequestView } from '../route/route-request.js';
import type { CertificateFacts } from '../tls/peer-certificate.js';
import { decodeRbacRules } from './decode-rbac.js';
import { rbacResponseDetail } from './rbac-engine.js';
import { RbacInput, type RbacConnection } from './rbac-input.js';

const SA_A = 'spiffe://cluster.local/ns/default/sa/a';

function cert(uris: string[], dns: string[] = [], subject = 'CN=peer'): CertificateFacts {
  return { uriSans: uris, dnsSans: dns, sans: [], subject, serial: '01', fingerprint256: '00' };
}

interface Req {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  remote?: string;
  local?: string;
  port?: number;
  sni?: string;
  tls?: CertificateFacts | null;
  metadata?: Record<string, Record<string, unknown>>;
}

function input(r: Req = {}, network = false): RbacInput {
  const conn: RbacConnection = {
    remoteAddress: r.remote ?? '10.0.0.1',
    localAddress: r.local ?? '10.0.0.2',
    localPort: r.port ?? 9080,
    ...(r.sni !== undefined ? { serverName: r.sni } : {}),
    ...(r.tls !== undefined ? { tls: { peerCertificate: r.tls ?? undefined } } : {}),
  };
  const h = r.headers ?? {};
  const view = network ? undefined : new RequestView({ method: r.method ?? 'GET', path: r.path ?? '/', authority: 'svc', scheme: 'http', headers: new HeaderMap(Object.keys(h), Object.values(h)) });
  return new RbacInput(conn, view, r.metadata);
}

function engine(rules: envoy_config_rbac_v3_RBAC, network = false) {
  const errs = new ConfigErrors();
  const e = decodeRbacRules(rules, 'rules', errs, { network });
  assert.deepEqual(errs.errors.map((x) => `${x.path}: ${x.message}`), []);
  return e!;
}

/** One ALLOW policy with this permission and principal: does the request match it? */
function matches(permission: envoy_config_rbac_v3_Permission, principal: envoy_config_rbac_v3_Principal, r: Req): boolean {
  return engine({ action: 'ALLOW', policies: { p: { permissions: [permission], principals: [principal] } } }).evaluate(input(r)).allowed;
}

const ANY_PRINCIPAL: envoy_config_rbac_v3_Principal = { any: true };
const ANY_PERMISSION: envoy_config_rbac_v3_Permission = { any: true };

describe('RBAC permissions', () => {
  const cases: [string, envoy_config_rbac_v3_Permission, Req, boolean][] = [
    ['any', { any: true }, {}, true],
    ['header exact', { header: { name: 'x-user', string_match: { exact: 'jason' } } }, { headers: { 'x-user': 'jason' } }, true],
    ['header exact, other value', { header: { name: 'x-user', string_match: { exact: 'jason' } } }, { headers: { 'x-user': 'bob' } }, false],
    ['header absent', { header: { name: 'x-user', present_match: true } }, {}, false],
    [':method pseudo-header', { header: { name: ':method', string_match: { exact: 'POST' } } }, { method: 'POST' }, true],
    ['url_path prefix (query not compared)', { url_path: { path: { prefix: '/api/' } } }, { path: '/api/v1?x=/admin' }, true],
    ['url_path exact ignores the query', { url_path: { path: { exact: '/health' } } }, { path: '/health?full=1' }, true],
    ['url_path other', { url_path: { path: { prefix: '/api/' } } }, { path: '/admin' }, false],
    ['destination_ip in range', { destination_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 24 } } }, { local: '10.0.0.2' }, true],
    ['destination_ip outside', { destination_ip: { address_prefix: '10.1.0.0', prefix_len: { value: 16 } } }, { local: '10.0.0.2' }, false],
    ['destination_port', { destination_port: 9080 }, { port: 9080 }, true],
    ['destination_port other', { destination_port: 9080 }, { port: 9081 }, false],
    ['destination_port_range start is inclusive', { destination_port_range: { start: 9000, end: 9100 } }, { port: 9000 }, true],
    ['destination_port_range end is exclusive', { destination_port_range: { start: 9000, end: 9100 } }, { port: 9100 }, false],
    ['requested_server_name', { requested_server_name: { suffix: '.example.com' } }, { sni: 'api.example.com' }, true],
    ['requested_server_name without SNI', { requested_server_name: { exact: 'api.example.com' } }, {}, false],
    ['and_rules all', { and_rules: { rules: [{ destination_port: 9080 }, { url_path: { path: { exact: '/' } } }] } }, {}, true],
    ['and_rules one fails', { and_rules: { rules: [{ destination_port: 9080 }, { url_path: { path: { exact: '/x' } } }] } }, {}, false],
    ['or_rules one', { or_rules: { rules: [{ destination_port: 1 }, { destination_port: 9080 }] } }, {}, true],
    ['or_rules none', { or_rules: { rules: [{ destination_port: 1 }, { destination_port: 2 }] } }, {}, false],
    ['not_rule', { not_rule: { destination_port: 1 } }, {}, true],
    ['not_rule of a match', { not_rule: { destination_port: 9080 } }, {}, false],
    ['nested not(or(and))', { not_rule: { or_rules: { rules: [{ and_rules: { rules: [{ destination_port: 9080 }, { header: { name: 'x', present_match: true } }] } }] } } }, { headers: { x: '1' } }, false],
    ['metadata string', { metadata: { filter: 'ns', path: [{ key: 'a' }, { key: 'b' }], value: { string_match: { exact: 'v' } } } }, { metadata: { ns: { a: { b: 'v' } } } }, true],
    ['metadata absent', { metadata: { filter: 'ns', path: [{ key: 'a' }], value: { present_match: true } } }, {}, false],
    ['metadata inverted', { metadata: { filter: 'ns', path: [{ key: 'a' }], value: { bool_match: true }, invert: true } }, { metadata: { ns: { a: false } } }, true],
  ];
  for (const [name, perm, req, want] of cases) it(name, () => assert.equal(matches(perm, ANY_PRINCIPAL, req), want));
});

describe('RBAC principals', () => {
  const cases: [string, envoy_config_rbac_v3_Principal, Req, boolean][] = [
    ['any', { any: true }, {}, true],
    ['authenticated URI SAN', { authenticated: { principal_name: { exact: SA_A } } }, { tls: cert([SA_A]) }, true],
    ['authenticated other SA', { authenticated: { principal_name: { exact: SA_A } } }, { tls: cert(['spiffe://cluster.local/ns/default/sa/b']) }, false],
    ['authenticated: any of several URI SANs', { authenticated: { principal_name: { exact: SA_A } } }, { tls: cert(['spiffe://x/y', SA_A]) }, true],
    ['authenticated DNS SAN when no URI SAN matches', { authenticated: { principal_name: { exact: 'peer.example' } } }, { tls: cert([], ['peer.example']) }, true],
    ['authenticated subject last', { authenticated: { principal_name: { exact: 'CN=peer,O=acme' } } }, { tls: cert([], [], 'CN=peer,O=acme') }, true],
    ['authenticated on plaintext', { authenticated: { principal_name: { prefix: 'spiffe://' } } }, {}, false],
    ['authenticated without a name: any TLS connection', { authenticated: {} }, { tls: cert([SA_A]) }, true],
    ['authenticated without a name on plaintext', { authenticated: {} }, {}, false],
    ['TLS without a client certificate is the empty subject', { authenticated: { principal_name: { exact: '' } } }, { tls: null }, true],
    ['direct_remote_ip', { direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } }, { remote: '10.9.9.9' }, true],
    ['remote_ip other', { remote_ip: { address_prefix: '192.168.0.0', prefix_len: { value: 16 } } }, { remote: '10.9.9.9' }, false],
    ['source_ip v4-mapped', { source_ip: { address_prefix: '127.0.0.1' } }, { remote: '::ffff:127.0.0.1' }, true],
    ['remote_ip v6', { remote_ip: { address_prefix: '::1', prefix_len: { value: 128 } } }, { remote: '::1' }, true],
    ['header', { header: { name: 'x-caller', string_match: { prefix: 'ops-' } } }, { headers: { 'x-caller': 'ops-1' } }, true],
    ['url_path', { url_path: { path: { safe_regex: { regex: '/u/[0-9]+' } } } }, { path: '/u/42' }, true],
    ['and_ids', { and_ids: { ids: [{ authenticated: { principal_name: { exact: SA_A } } }, { remote_ip: { address_prefix: '10.0.0.0', prefix_len: { value: 8 } } }] } }, { tls: cert([SA_A]) }, true],
    ['or_ids', { or_ids: { ids: [{ remote_ip: { address_prefix: '1.1.1.1' } }, { any: true }] } }, {}, true],
    ['not_id', { not_id: { authenticated: { principal_name: { exact: SA_A } } } }, { tls: cert([SA_A]) }, false],
  ];
  for (const [name, principal, req, want] of cases) it(name, () => assert.equal(matches(ANY_PERMISSION, principal, req), want));
});

describe('RBAC actions and policy order', () => {
  const deny: envoy_config_rbac_v3_RBAC = { action: 'DENY', policies: { admin: { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: [{ any: true }] } } };
  it('ALLOW: allowed when a policy matches, else denied with no policy named', () => {
    const e = engine({ action: 'ALLOW', policies: { a: { permissions: [{ destination_port: 9080 }], principals: [{ any: true }] } } });
    assert.deepEqual(e.evaluate(input({ port: 9080 })), { allowed: true, policy: 'a' });
    assert.deepEqual(e.evaluate(input({ port: 1 })), { allowed: false, policy: undefined });
  });
  it('DENY: denied when a policy matches (it is named), else allowed', () => {
    const e = engine(deny);
    assert.deepEqual(e.evaluate(input({ path: '/admin/x' })), { allowed: false, policy: 'admin' });
    assert.deepEqual(e.evaluate(input({ path: '/' })), { allowed: true, policy: undefined });
  });
  it('LOG: always allowed, the match is reported', () => {
    const e = engine({ ...deny, action: 'LOG' });
    assert.deepEqual(e.evaluate(input({ path: '/admin' })), { allowed: true, policy: 'admin' });
    assert.deepEqual(e.evaluate(input({ path: '/' })), { allowed: true, policy: undefined });
  });
  it('the action defaults to ALLOW; no policies under ALLOW denies everything', () => {
    assert.equal(engine({}).evaluate(input()).allowed, false);
    assert.equal(engine({ action: 'DENY' }).evaluate(input()).allowed, true);
  });
  it('a policy needs some permission AND some principal; each list is an OR', () => {
    const e = engine({ policies: { p: { permissions: [{ destination_port: 1 }, { destination_port: 9080 }], principals: [{ remote_ip: { address_prefix: '1.1.1.1' } }, { remote_ip: { address_prefix: '10.0.0.1' } }] } } });
    assert.equal(e.evaluate(input()).allowed, true);
    assert.equal(e.evaluate(input({ remote: '10.0.0.9' })).allowed, false);
  });
  it('policies are tried in byte order of their names (Envoy keeps them in a std::map): the first match is named', () => {
    const any = { permissions: [{ any: true }], principals: [{ any: true }] };
    const e = engine({ action: 'DENY', policies: { zeta: any, Beta: any, alpha: any } });
    assert.deepEqual(e.policies.map((p) => p.name), ['Beta', 'alpha', 'zeta']);
    assert.equal(e.evaluate(input()).policy, 'Beta');
  });
  it('response code details name the policy, whitespace replaced, or none', () => {
    assert.equal(rbacResponseDetail('deny admin'), 'rbac_access_denied_matched_policy[deny_admin]');
    assert.equal(rbacResponseDetail(undefined), 'rbac_access_denied_matched_policy[none]');
  });
});

describe('decodeRbacRules errors', () => {
  function errors(rules: unknown, network = false) {
    const errs = new ConfigErrors();
    const e = decodeRbacRules(rules as envoy_config_rbac_v3_RBAC, 'rules', errs, { network });
    return { e, errors: errs.errors.map((x) => [x.code, x.path]) };
  }
  it('reports every bad policy at once, each with its path, and yields no engine', () => {
    const { e, errors: got } = errors({
      action: 'ALLOW',
      audit_logging_options: {},
      policies: {
        a: { permissions: [], principals: [{ any: true }] },
        b: { permissions: [{ any: false }], principals: [{ authenticated: { principal_name: { exact: 'x', prefix: 'y' } } }] },
        c: { permissions: [{ matcher: { name: 'm' } }], principals: [{ filter_state: { key: 'k' } }], condition: {} },
        d: { permissions: [{ destination_port: 70000 }], principals: [{ remote_ip: { address_prefix: 'nope' } }] },
        e: { permissions: [{ destination_port_range: { start: 90, end: 90 } }, { destination_port_range: { start: -1, end: 65537 } }], principals: [{ any: true }] },
      },
    });
    assert.equal(e, undefined);
    assert.deepEqual(got, [
      [CFG.UNSUPPORTED_FIELD, 'rules.audit_logging_options'],
      [CFG.REQUIRED, 'rules.policies["a"].permissions'],
      [CFG.INVALID_VALUE, 'rules.policies["b"].permissions[0].any'],
      [CFG.CONFLICT, 'rules.policies["b"].principals[0].authenticated.principal_name'],
      [CFG.UNSUPPORTED_FIELD, 'rules.policies["c"].condition'],
      [CFG.UNSUPPORTED_FIELD, 'rules.policies["c"].permissions[0].matcher'],
      [CFG.UNSUPPORTED_FIELD, 'rules.policies["c"].principals[0].filter_state'],
      [CFG.INVALID_VALUE, 'rules.policies["d"].permissions[0].destination_port'],
      [CFG.INVALID_VALUE, 'rules.policies["d"].principals[0].remote_ip.address_prefix'],
      [CFG.INVALID_VALUE, 'rules.policies["e"].permissions[0].destination_port_range'],
      [CFG.INVALID_VALUE, 'rules.policies["e"].permissions[1].destination_port_range.start'],
      [CFG.INVALID_VALUE, 'rules.policies["e"].permissions[1].destination_port_range.end'],
    ]);
  });
  it('the network filter refuses header and url_path (it has no request)', () => {
    const { errors: got } = errors({ policies: { p: { permissions: [{ url_path: { path: { exact: '/' } } }], principals: [{ or_ids: { ids: [{ header: { name: 'x', present_match: true } }] } }] } } }, true);
    assert.deepEqual(got, [
      [CFG.CONFLICT, 'rules.policies["p"].permissions[0].url_path'],
      [CFG.CONFLICT, 'rules.policies["p"].principals[0].or_ids.ids[0].header'],
    ]);
  });
  it('unknown action and a metadata value kind weft does not evaluate are refused by name', () => {
    const { errors: got } = errors({ action: 'AUDIT', policies: { p: { permissions: [{ metadata: { filter: 'ns', path: [{ key: 'a' }], value: { double_match: { exact: 1 } } } }], principals: [{ any: true }] } } });
    assert.deepEqual(got, [
      [CFG.INVALID_VALUE, 'rules.action'],
      [CFG.UNSUPPORTED_FIELD, 'rules.policies["p"].permissions[0].metadata.value.double_match'],
    ]);
  });
});
