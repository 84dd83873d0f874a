// AuthorizationPolicy translation: the filters of inbound HTTP and TCP
// chains (Istio's order and names), the RBAC policy each field becomes, what
// a TCP port drops (reported), CUSTOM's ext_authz and its fail-closed cases,
// and the JWT metadata contract evaluated by the proxy's own RBAC engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationPolicy, AuthorizationPolicySpec } from '../../api/security.js';
import { ConfigErrors } from '../../common/errors.js';
import { HeaderMap } from '../../proxy/http/headers.js';
import { decodeRbacRules } from '../../proxy/rbac/decode-rbac.js';
import { RbacInput } from '../../proxy/rbac/rbac-input.js';
import { RequestView } from '../../proxy/route/route-request.js';
import type {
  envoy_config_listener_v3_FilterChain,
  envoy_config_listener_v3_Listener,
  envoy_config_rbac_v3_RBAC,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager,
} from '../../xds/gen/types.js';
import type { ExtensionProvider, ServiceEndpoint, ServiceModel } from '../model/types.js';
import { DEFAULT_MESH } from '../model/types.js';
import { CUSTOM_DENY_ALL_POLICY } from './authz-custom.js';
import { requestPrincipal } from './authz-rules.js';
import { MESSAGE_CODES } from './messages.js';
import { BOOKINFO_SERVICES, endpoint, gatewayProxy, host, NS, sidecarProxy } from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';
import { TestPushContext } from './test-push-context.js';
import { translateProxy } from './translate-proxy.js';

const SERVICE: ServiceModel = {
  hostname: host('productpage'), namespace: NS, resolution: 'STATIC', location: 'MESH_INTERNAL', exportTo: ['*'], addresses: [], source: 'test',
  ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }, { name: 'tcp', port: 9091, protocol: 'TCP' }],
};
const AUTHZ_SVC: ServiceModel = {
  hostname: 'ext-authz.foo.svc.cluster.local', namespace: 'foo', resolution: 'STATIC', location: 'MESH_INTERNAL', exportTo: ['*'], addresses: [], source: 'test',
  ports: [{ name: 'http', port: 8000, protocol: 'HTTP' }, { name: 'grpc', port: 9000, protocol: 'GRPC' }],
};
const ENDPOINTS: ServiceEndpoint[] = [endpoint('productpage', 'v1', '10.0.0.1'), endpoint('productpage', 'v1', '10.0.0.1', { servicePort: 9091, port: 9091 })];

const ap = (name: string, spec: AuthorizationPolicySpec, namespace = NS): AuthorizationPolicy =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace }, spec });

function translate(policies: AuthorizationPolicy[], providers: ExtensionProvider[] = []) {
  const push = new TestPushContext({
    services: [SERVICE, AUTHZ_SVC], endpoints: ENDPOINTS, authorizationPolicies: policies,
    mesh: { extensionProviders: [...DEFAULT_MESH.extensionProviders, ...providers] },
  });
  return translateProxy(sidecarProxy(), push);
}

function chains(policies: AuthorizationPolicy[], providers: ExtensionProvider[] = []) {
  const t = translate(policies, providers);
  const vi = (t.resources.listeners as envoy_config_listener_v3_Listener[]).find((l) => l.name === 'virtualInbound')!;
  const byPort = (port: number): envoy_config_listener_v3_FilterChain => vi.filter_chains!.find((c) => c.filter_chain_match?.destination_port?.value === port)!;
  const hcm = byPort(9080).filters![0]!.typed_config as unknown as envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager;
  return { t, http: hcm.http_filters!, tcp: byPort(9091).filters! };
}

const rulesOf = (f: { typed_config?: unknown }) => (f.typed_config as { rules?: envoy_config_rbac_v3_RBAC }).rules!;

describe('AuthorizationPolicy translation: filter chain', () => {
  it('no policy: no RBAC filter', () => {
    const { http, tcp } = chains([]);
    assert.deepEqual(http.map((f) => f.name), ['istio.metadata_exchange', 'istio.stats', 'envoy.filters.http.router']);
    assert.deepEqual(tcp.map((f) => f.name), ['istio.stats', 'envoy.filters.network.tcp_proxy']);
  });

  it('Istio\'s order: CUSTOM (shadow RBAC, ext_authz), then DENY, AUDIT (LOG), ALLOW; TCP: network RBAC before istio.stats', () => {
    const { http, tcp } = chains([
      ap('allow', { rules: [{}] }), ap('audit', { action: 'AUDIT', rules: [{}] }), ap('deny', { action: 'DENY', rules: [{ to: [{ operation: { ports: ['1'] } }] }] }),
      ap('ext', { action: 'CUSTOM', provider: { name: 'authz-http' }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] }),
    ], [{ name: 'authz-http', envoyExtAuthzHttp: { service: 'foo/ext-authz.foo.svc.cluster.local', port: 8000 } }]);
    assert.deepEqual(http.map((f) => f.name), ['istio.metadata_exchange', 'envoy.filters.http.rbac', 'envoy.filters.http.ext_authz',
      'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'istio.stats', 'envoy.filters.http.router']);
    assert.deepEqual(http.slice(3, 6).map((f) => rulesOf(f).action), ['DENY', 'LOG', undefined]);
    assert.deepEqual(tcp.map((f) => f.name), ['envoy.filters.network.rbac', 'envoy.filters.network.rbac', 'envoy.filters.network.rbac', 'istio.stats', 'envoy.filters.network.tcp_proxy']);
    assert.equal((tcp[0]!.typed_config as { stat_prefix?: string }).stat_prefix, 'tcp.');
  });

  it('an ALLOW policy without rules is an ALLOW filter with no policies (denies everything)', () => {
    const { http } = chains([ap('allow-nothing', {})]);
    assert.deepEqual(rulesOf(http[1]!), {});
  });

  it('gateways get the filters too, before fault and cors', () => {
    const push = new TestPushContext({
      services: BOOKINFO_SERVICES, authorizationPolicies: [ap('gw', { selector: { matchLabels: { istio: 'ingressgateway' } }, rules: [{ from: [{ source: { ipBlocks: ['1.2.3.4'] } }] }] }, 'istio-system')],
      gateways: [{ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } }],
      virtualServices: [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'istio-system' }, spec: { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'productpage.default.svc.cluster.local' } }] }] } }],
    });
    const l = (translateProxy(gatewayProxy(), push).resources.listeners as envoy_config_listener_v3_Listener[])[0]!;
    const hcm = l.filter_chains![0]!.filters![0]!.typed_config as unknown as envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager;
    const names = hcm.http_filters!.map((f) => f.name);
    assert.ok(names.indexOf('envoy.filters.http.rbac') >= 0 && names.indexOf('envoy.filters.http.rbac') < names.indexOf('envoy.filters.http.fault'), names.join(','));
  });

  it('everything emitted (without CUSTOM) is accepted by weft\'s proxy decoders', () => {
    const { t } = chains([
      ap('a', { rules: [{
        from: [{ source: { principals: ['cluster.local/ns/default/sa/x', '*'], namespaces: ['foo*'], ipBlocks: ['10.0.0.0/8'], remoteIpBlocks: ['1.2.3.4'], requestPrincipals: ['iss/sub'] } }],
        to: [{ operation: { hosts: ['*.example.com'], methods: ['GET'], paths: ['/x/*', '*/y', '*'], ports: ['9080'], notPaths: ['/z'] } }],
        when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }, { key: 'request.headers[x-a]', notValues: ['b'] }, { key: 'connection.sni', values: ['*.local'] },
          { key: 'request.auth.audiences', values: ['aud'] }, { key: 'request.auth.presenter', values: ['azp'] }, { key: 'destination.ip', values: ['10.0.0.1'] }],
      }] }),
      ap('d', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] }),
    ]);
    const d = decodeWithProxy(t.resources);
    assert.deepEqual(d.errors, []);
  });
});

describe('AuthorizationPolicy translation: one rule', () => {
  it('principals (spiffe://, * patterns), namespaces (regex), ipBlocks → direct_remote_ip, remoteIpBlocks → remote_ip', () => {
    const { http } = chains([ap('p', { rules: [{ from: [{ source: {
      principals: ['cluster.local/ns/default/sa/a', '*/sa/b', 'cluster.local/*', '*'], namespaces: ['foo', 'bar*'], ipBlocks: ['10.1.0.0/16'], remoteIpBlocks: ['2001:db8::1'], notIpBlocks: ['10.1.2.3'],
    } }] }] })]);
    const policy = rulesOf(http[1]!).policies!['ns[default]-policy[p]-rule[0]']!;
    assert.deepEqual(policy.permissions, [{ any: true }]);
    assert.deepEqual(policy.principals, [{ and_ids: { ids: [
      { or_ids: { ids: [
        { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/default/sa/a' } } },
        { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://.*/sa/b' } } } },
        { authenticated: { principal_name: { prefix: 'spiffe://cluster.local/' } } },
        { authenticated: { principal_name: { safe_regex: { regex: '.+' } } } },
      ] } },
      { or_ids: { ids: [
        { authenticated: { principal_name: { safe_regex: { regex: '.*/ns/foo/.*' } } } },
        { authenticated: { principal_name: { safe_regex: { regex: '.*/ns/bar.*/.*' } } } },
      ] } },
      { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.1.0.0', prefix_len: { value: 16 } } }] } },
      { not_id: { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.1.2.3', prefix_len: { value: 32 } } }] } } },
      { or_ids: { ids: [{ remote_ip: { address_prefix: '2001:db8::1', prefix_len: { value: 128 } } }] } },
    ] } }]);
  });

  it('operation: hosts (case-insensitive :authority), ports, methods (:method), paths (prefix/suffix/*)', () => {
    const { http } = chains([ap('p', { rules: [{ to: [{ operation: { hosts: ['Example.com', '*.foo.com'], ports: ['8080'], methods: ['GET'], paths: ['/api/*', '*.png', '*', '/exact'] } }, { operation: { notMethods: ['DELETE'] } }] }] })]);
    const policy = rulesOf(http[1]!).policies!['ns[default]-policy[p]-rule[0]']!;
    assert.deepEqual(policy.permissions, [
      { and_rules: { rules: [
        { or_rules: { rules: [
          { header: { name: ':authority', string_match: { exact: 'Example.com', ignore_case: true } } },
          { header: { name: ':authority', string_match: { suffix: '.foo.com', ignore_case: true } } },
        ] } },
        { or_rules: { rules: [{ destination_port: 8080 }] } },
        { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }] } },
        { or_rules: { rules: [
          { url_path: { path: { prefix: '/api/' } } }, { url_path: { path: { suffix: '.png' } } },
          { url_path: { path: { safe_regex: { regex: '.+' } } } }, { url_path: { path: { exact: '/exact' } } },
        ] } },
      ] } },
      { and_rules: { rules: [{ not_rule: { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'DELETE' } } }] } } }] } },
    ]);
    assert.deepEqual(policy.principals, [{ any: true }]);
  });

  it('when: source-side keys become principals, destination-side keys permissions; each `from` gets the source-side conditions', () => {
    const { http } = chains([ap('p', { rules: [{
      from: [{ source: { namespaces: ['a'] } }, { source: { namespaces: ['b'] } }],
      when: [{ key: 'source.ip', values: ['1.2.3.4'] }, { key: 'destination.port', values: ['9080'] }],
    }] })]);
    const policy = rulesOf(http[1]!).policies!['ns[default]-policy[p]-rule[0]']!;
    const srcIp = { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '1.2.3.4', prefix_len: { value: 32 } } }] } };
    assert.equal(policy.principals!.length, 2);
    for (const p of policy.principals!) assert.deepEqual(p.and_ids!.ids![0], srcIp);
    assert.deepEqual(policy.permissions, [{ and_rules: { rules: [{ or_rules: { rules: [{ destination_port: 9080 }] } }] } }]);
  });

  it('requestPrincipals: the jwt_authn payload\'s iss and sub, split at the last "/" with Istio\'s wildcard rules', () => {
    const md = (key: string, m: object) => ({ metadata: { filter: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key }], value: { string_match: m } } });
    const both = (iss: object, sub: object) => ({ and_ids: { ids: [md('iss', iss), md('sub', sub)] } });
    const any = { safe_regex: { regex: '.+' } };
    assert.deepEqual(requestPrincipal('https://issuer.example.com/user-1'), both({ exact: 'https://issuer.example.com' }, { exact: 'user-1' }));
    assert.deepEqual(requestPrincipal('*'), both(any, any));
    assert.deepEqual(requestPrincipal('issuer/*'), both({ exact: 'issuer' }, any));
    assert.deepEqual(requestPrincipal('issuer/us*'), both({ exact: 'issuer' }, { prefix: 'us' }));
    assert.deepEqual(requestPrincipal('*/user'), both(any, { exact: 'user' }));
    assert.deepEqual(requestPrincipal('*.example.com/user'), both({ suffix: '.example.com' }, { exact: 'user' }));
    assert.deepEqual(requestPrincipal('*user'), both(any, { suffix: 'user' }));
    assert.deepEqual(requestPrincipal('iss*'), both({ prefix: 'iss' }, any));
  });

  it('serviceAccounts: Istio\'s regex, the policy\'s namespace when none is given', () => {
    const { http } = chains([ap('p', { rules: [{ from: [{ source: { serviceAccounts: ['bookinfo-productpage', 'foo/bar'] } }] }] })]);
    const policy = rulesOf(http[1]!).policies!['ns[default]-policy[p]-rule[0]']!;
    assert.deepEqual(policy.principals, [{ and_ids: { ids: [{ or_ids: { ids: [
      { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://.+/ns/default/(.+/|)sa/bookinfo-productpage(/.+)?' } } } },
      { authenticated: { principal_name: { safe_regex: { regex: 'spiffe://.+/ns/foo/(.+/|)sa/bar(/.+)?' } } } },
    ] } }] } }]);
  });
});

describe('AuthorizationPolicy → the proxy\'s RBAC engine (JWT metadata contract, claims lists)', () => {
  function decide(policies: AuthorizationPolicy[], payload: Record<string, unknown> | undefined, headers: Record<string, string> = {}): boolean {
    const { http } = chains(policies);
    const view = new RequestView({ method: 'GET', path: '/', authority: 'productpage', scheme: 'http', headers: new HeaderMap(Object.keys(headers), Object.values(headers)) });
    const input = new RbacInput({ remoteAddress: '10.0.0.9', localAddress: '10.0.0.1', localPort: 9080 }, view, payload ? { 'envoy.filters.http.jwt_authn': { payload } } : undefined);
    for (const f of http.filter((x) => x.name === 'envoy.filters.http.rbac')) {
      const errs = new ConfigErrors();
      const e = decodeRbacRules(rulesOf(f), 'rules', errs, { network: false });
      assert.deepEqual(errs.errors, []);
      if (!e!.evaluate(input).allowed) return false;
    }
    return true;
  }
  const requireJwt = ap('require-jwt', { rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] });
  it('requestPrincipals ["*"]: a request with a verified token is allowed, one without is denied (Istio\'s "require JWT")', () => {
    assert.equal(decide([requireJwt], { iss: 'i', sub: 's' }), true);
    assert.equal(decide([requireJwt], undefined), false);
  });
  it('requestPrincipals iss/sub', () => {
    const p = ap('p', { rules: [{ from: [{ source: { requestPrincipals: ['testing@secure.istio.io/testing@secure.istio.io'] } }] }] });
    assert.equal(decide([p], { iss: 'testing@secure.istio.io', sub: 'testing@secure.istio.io' }), true);
    assert.equal(decide([p], { iss: 'testing@secure.istio.io', sub: 'other' }), false);
  });
  it('request.auth.claims[groups] matches a list claim (one_of) and a string claim; nested claims follow the path', () => {
    const p = ap('p', { rules: [{ when: [{ key: 'request.auth.claims[groups]', values: ['group1'] }] }] });
    assert.equal(decide([p], { groups: ['group0', 'group1'] }), true);
    assert.equal(decide([p], { groups: 'group1' }), true);
    assert.equal(decide([p], { groups: ['group2'] }), false);
    const nested = ap('n', { rules: [{ when: [{ key: 'request.auth.claims[nested][key1]', values: ['valueA'] }] }] });
    assert.equal(decide([nested], { nested: { key1: 'valueA' } }), true);
    assert.equal(decide([nested], { nested: { key1: 'valueB' } }), false);
  });
  it('request.auth.audiences and presenter read aud and azp', () => {
    const p = ap('p', { rules: [{ when: [{ key: 'request.auth.audiences', values: ['bookinfo'] }, { key: 'request.auth.presenter', values: ['web'] }] }] });
    assert.equal(decide([p], { aud: ['bookinfo', 'x'], azp: 'web' }), true);
    assert.equal(decide([p], { aud: 'other', azp: 'web' }), false);
  });
  it('deny overrides allow; notValues of a header', () => {
    const allow = ap('allow', { rules: [{}] });
    const deny = ap('deny', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-user]', notValues: ['admin'] }] }] });
    assert.equal(decide([allow, deny], undefined, { 'x-user': 'admin' }), true);
    assert.equal(decide([allow, deny], undefined, { 'x-user': 'guest' }), false);
  });
});

describe('AuthorizationPolicy on TCP ports (HTTP-only fields)', () => {
  it('ALLOW: a rule with an HTTP-only field is dropped there (reported); the ALLOW filter then denies all', () => {
    const { t, tcp } = chains([ap('p', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })]);
    assert.deepEqual(rulesOf(tcp[0]!), {});
    const m = t.messages.filter((x) => x.code === MESSAGE_CODES.AUTHZ_HTTP_ONLY_ON_TCP);
    assert.equal(m.length, 1);
    assert.equal(m[0]!.key, 'AuthorizationPolicy p.default');
    assert.equal(m[0]!.path, 'spec.rules[0].to[0].operation');
    assert.match(m[0]!.message, /paths is HTTP only.*ALLOW rule is dropped/);
  });
  it('DENY: the HTTP-only field is left out (a wider deny), reported; TCP-capable fields stay', () => {
    const { t, tcp } = chains([ap('p', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['foo'] } }], to: [{ operation: { methods: ['GET'] } }] }] })]);
    const policy = rulesOf(tcp[0]!).policies!['ns[default]-policy[p]-rule[0]']!;
    assert.deepEqual(policy.permissions, [{ any: true }]);
    assert.deepEqual(policy.principals, [{ and_ids: { ids: [{ or_ids: { ids: [{ authenticated: { principal_name: { safe_regex: { regex: '.*/ns/foo/.*' } } } }] } }] } }]);
    assert.ok(t.messages.some((x) => x.code === MESSAGE_CODES.AUTHZ_HTTP_ONLY_ON_TCP && /left out of this DENY rule/.test(x.message)));
  });
  it('the HTTP chain keeps the field', () => {
    const { http } = chains([ap('p', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })]);
    assert.ok(rulesOf(http[1]!).policies!['ns[default]-policy[p]-rule[0]']);
  });
});

describe('AuthorizationPolicy CUSTOM', () => {
  const custom = (provider: string) => ap('ext', { action: 'CUSTOM', provider: { name: provider }, rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] });
  it('HTTP provider → Envoy ExtAuthz http_service with Istio\'s fields, gated by the shadow RBAC', () => {
    const { http, t } = chains([custom('authz-http')], [{ name: 'authz-http', envoyExtAuthzHttp: {
      service: 'foo/ext-authz.foo.svc.cluster.local', port: 8000, timeout: '2s', pathPrefix: '/check', failOpen: true, statusOnError: '503',
      includeRequestHeadersInCheck: ['x-ext-authz'], includeAdditionalHeadersInCheck: { 'x-add': 'v' }, headersToUpstreamOnAllow: ['x-up'],
      headersToDownstreamOnDeny: ['x-deny'], headersToDownstreamOnAllow: ['x-ok'], includeRequestBodyInCheck: { maxRequestBytes: 1024, allowPartialMessage: true },
    } }]);
    assert.deepEqual(http[1]!.typed_config, {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
      shadow_rules: { policies: { 'istio-ext-authz-ns[default]-policy[ext]-rule[0]': { permissions: [{ and_rules: { rules: [{ or_rules: { rules: [{ url_path: { path: { prefix: '/admin/' } } }] } }] } }], principals: [{ any: true }] } } },
      shadow_rules_stat_prefix: 'istio_ext_authz_',
    });
    assert.deepEqual(http[2]!.typed_config, {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      transport_api_version: 'V3', failure_mode_allow: true, status_on_error: { code: 'ServiceUnavailable' },
      with_request_body: { max_request_bytes: 1024, allow_partial_message: true },
      filter_enabled_metadata: { filter: 'envoy.filters.http.rbac', path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }], value: { string_match: { prefix: 'istio-ext-authz' } } },
      http_service: {
        server_uri: { uri: 'http://ext-authz.foo.svc.cluster.local', cluster: 'outbound|8000||ext-authz.foo.svc.cluster.local', timeout: { seconds: 2, nanos: 0 } },
        path_prefix: '/check',
        authorization_request: { headers_to_add: [{ key: 'x-add', value: 'v' }] },
        authorization_response: {
          allowed_upstream_headers: { patterns: [{ exact: 'x-up', ignore_case: true }] },
          allowed_client_headers: { patterns: [{ exact: 'x-deny', ignore_case: true }] },
          allowed_client_headers_on_success: { patterns: [{ exact: 'x-ok', ignore_case: true }] },
        },
      },
      allowed_headers: { patterns: [{ exact: 'x-ext-authz', ignore_case: true }] },
    });
    assert.ok(t.messages.some((m) => m.code === MESSAGE_CODES.AUTHZ_CUSTOM_TCP), 'the HTTP provider not applying to TCP is said');
    assert.deepEqual(decodeWithProxy(t.resources).errors, [], 'weft\'s ext_authz filter takes every field emitted');
  });
  it('gRPC provider → grpc_service envoy_grpc with Istio\'s default timeout (600s); TCP ports fail closed (no network ext_authz)', () => {
    const { http, tcp, t } = chains([custom('authz-grpc')], [{ name: 'authz-grpc', envoyExtAuthzGrpc: { service: 'ext-authz.foo.svc.cluster.local', port: 9000 } }]);
    const cfg = http[2]!.typed_config as Record<string, unknown>;
    assert.deepEqual(cfg.grpc_service, { envoy_grpc: { cluster_name: 'outbound|9000||ext-authz.foo.svc.cluster.local', authority: 'ext-authz.foo.svc.cluster.local' }, timeout: { seconds: 600, nanos: 0 } });
    assert.deepEqual(Object.keys(rulesOf(tcp[0]!).policies!), [CUSTOM_DENY_ALL_POLICY]);
    assert.ok(t.messages.some((m) => m.code === MESSAGE_CODES.AUTHZ_CUSTOM_DENY_ALL && /network.ext_authz/.test(m.message)));
    assert.deepEqual(decodeWithProxy(t.resources).errors, []);
  });
  for (const [name, providers, why] of [
    ['unknown provider', [], /not defined in meshConfig.extensionProviders/],
    ['a provider of another kind', [{ name: 'authz-http', prometheus: {} }], /not an envoyExtAuthzHttp or envoyExtAuthzGrpc provider/],
    ['a service the registry does not know', [{ name: 'authz-http', envoyExtAuthzHttp: { service: 'nope.foo.svc.cluster.local', port: 8000 } }], /not a service in the registry/],
    ['a port the service does not have', [{ name: 'authz-http', envoyExtAuthzHttp: { service: 'ext-authz.foo.svc.cluster.local', port: 1 } }], /port 1 is not a port/],
  ] as const) {
    it(`${name}: fail closed (DENY all), with a message`, () => {
      const { http, t } = chains([custom('authz-http')], providers as unknown as ExtensionProvider[]);
      assert.deepEqual(rulesOf(http[1]!), { action: 'DENY', policies: { [CUSTOM_DENY_ALL_POLICY]: { permissions: [{ any: true }], principals: [{ any: true }] } } });
      assert.ok(!http.some((f) => f.name === 'envoy.filters.http.ext_authz'));
      const m = t.messages.find((x) => x.code === MESSAGE_CODES.AUTHZ_CUSTOM_DENY_ALL && x.path === 'spec.provider.name');
      assert.ok(m);
      assert.match(m.message, why);
    });
  }
  it('two providers for one workload: fail closed', () => {
    const { http } = chains([custom('a'), { ...custom('b'), metadata: { name: 'ext2', namespace: NS } }],
      [{ name: 'a', envoyExtAuthzHttp: { service: 'ext-authz.foo.svc.cluster.local', port: 8000 } }, { name: 'b', envoyExtAuthzHttp: { service: 'ext-authz.foo.svc.cluster.local', port: 8000 } }]);
    assert.deepEqual(Object.keys(rulesOf(http[1]!).policies!), [CUSTOM_DENY_ALL_POLICY]);
  });
});
