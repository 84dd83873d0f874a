// RequestAuthentication → jwt_authn: scoping (root namespace, namespace,
// selector), Istio's provider and requirement shapes, keys (inline jwks,
// fetched jwksUri, the unverifiable set with a message while keys are
// missing), the filter's place in inbound and gateway HCMs, a golden file,
// and the config decoding with Envoy's JwtAuthentication proto.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestAuthentication, RequestAuthenticationSpec } from '../../api/security.js';
import { ConfigErrors } from '../../common/errors.js';
import { HTTP_FILTERS } from '../../proxy/extensions/http-filters.js';
import { decodeBinary, encodeBinary, fromJson } from '../../xds/codec.js';
import type {
  envoy_extensions_filters_http_jwt_authn_v3_JwtAuthentication as JwtAuthentication,
  envoy_extensions_filters_network_http_connection_manager_v3_HttpConnectionManager as Hcm,
  envoy_config_listener_v3_Listener as Listener,
} from '../../xds/gen/types.js';
import type { JwksLookup, JwtKeyResolver } from '../model/jwt-key-resolver.js';
import { MESSAGE_CODES } from './messages.js';
import { JWT_AUTHN_FILTER_NAME, JWT_AUTHN_TYPE_URL, UNVERIFIABLE_JWKS } from './request-authn.js';
import { bookinfoPush, gatewayProxy, golden, sidecarProxy, virtualService } from './test-bookinfo.js';
import { decodeWithProxy } from './test-proxy-decode.js';
import { translateProxy } from './translate-proxy.js';

// Fixed public keys (the golden file stays stable); their private halves were not kept.
const JWKS = '{"keys":[{"kty":"EC","x":"oQdGda6o2qZPIKoc4ggXVKdsA1erOSF2_TxXtDwyQSE","y":"hRkGoHyPxCCW_rj44jiTB8YeRhf9whc4tOKi0MwuWpo","crv":"P-256","kid":"k1","alg":"ES256"}]}';
const FETCHED = '{"keys":[{"kty":"EC","x":"pZgEPsIxEAWCDOxLVY2XxAR7AqIxLr9zDAnoo3bx9dM","y":"WEPErRGzb3MgHxZVNDvHIdsa3m5EPMjWm3dpt7aGXmE","crv":"P-256","kid":"k2","alg":"ES256"}]}';

function ra(name: string, namespace: string, spec: RequestAuthenticationSpec): RequestAuthentication {
  return { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace }, spec };
}

/** A resolver with fixed answers per URI (a narrow fake of the fetcher; the fetcher has its own tests). */
function resolver(answers: Record<string, JwksLookup>): JwtKeyResolver & { asked: string[] } {
  const asked: string[] = [];
  return { asked, lookup: (uri) => (asked.push(uri), answers[uri] ?? { state: 'pending' }) };
}

const HCM_URL = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** The HTTP filters of every HCM in the listeners, per listener name. */
function httpFilters(listeners: Listener[]): Map<string, { name?: string; typed_config?: { '@type': string } & Record<string, unknown> }[]> {
  const out = new Map<string, { name?: string; typed_config?: { '@type': string } & Record<string, unknown> }[]>();
  for (const l of listeners) {
    for (const c of l.filter_chains ?? []) {
      for (const f of c.filters ?? []) {
        const tc = f.typed_config as ({ '@type': string } & Hcm) | undefined;
        if (tc?.['@type'] === HCM_URL) out.set(`${l.name}`, (tc.http_filters ?? []) as never);
      }
    }
  }
  return out;
}

function jwtConfigOf(filters: { name?: string; typed_config?: Record<string, unknown> }[]): JwtAuthentication | undefined {
  const f = filters.find((x) => x.name === JWT_AUTHN_FILTER_NAME);
  if (!f) return undefined;
  const { '@type': type, ...cfg } = f.typed_config as { '@type': string };
  assert.equal(type, JWT_AUTHN_TYPE_URL);
  return cfg as JwtAuthentication;
}

/** Decodes the config with Envoy's proto (JSON mapping and a binary round trip): it must be canonical and error-free. */
function assertDecodes(cfg: JwtAuthentication): void {
  const type = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
  const errs = new ConfigErrors();
  fromJson(type, cfg, 'jwt_authn', errs);
  assert.deepEqual(errs.errors, []);
  assert.deepEqual(decodeBinary(type, encodeBinary(type, cfg)), cfg, 'canonical proto shape');
}

const ROOT_WIDE = ra('mesh-jwt', 'istio-system', { jwtRules: [{ issuer: 'https://mesh.example', jwks: JWKS }] });
const NS_WIDE = ra('ns-jwt', 'default', { jwtRules: [{ issuer: 'https://a-ns.example', jwksUri: 'https://keys.example/jwks.json', audiences: ['bookinfo'] }] });
const PRODUCTPAGE = ra('productpage-jwt', 'default', {
  selector: { matchLabels: { app: 'productpage' } },
  jwtRules: [{
    issuer: 'https://z-pp.example', jwks: JWKS, forwardOriginalToken: true, outputPayloadToHeader: 'x-jwt-payload',
    fromHeaders: [{ name: 'x-token', prefix: 'Bearer ' }], fromParams: ['token'],
    outputClaimToHeaders: [{ header: 'x-jwt-group', claim: 'group' }],
  }],
});
const REVIEWS_ONLY = ra('reviews-jwt', 'default', { selector: { matchLabels: { app: 'reviews' } }, jwtRules: [{ issuer: 'https://reviews.example', jwks: JWKS }] });
const OTHER_NS = ra('other', 'other', { jwtRules: [{ issuer: 'https://other.example', jwks: JWKS }] });

describe('RequestAuthentication translation', () => {
  it('adds no filter when no policy applies', () => {
    const t = translateProxy(sidecarProxy(), bookinfoPush([], { requestAuthentications: [REVIEWS_ONLY, OTHER_NS] }));
    for (const filters of httpFilters(t.resources.listeners as Listener[]).values()) assert.ok(!filters.some((f) => f.name === JWT_AUTHN_FILTER_NAME));
  });

  it('combines root namespace, namespace and selector policies, sorted by issuer, one provider each (golden)', () => {
    const r = resolver({ 'https://keys.example/jwks.json': { state: 'ready', jwks: FETCHED } });
    const push = bookinfoPush([], { requestAuthentications: [ROOT_WIDE, NS_WIDE, PRODUCTPAGE, REVIEWS_ONLY, OTHER_NS], jwtKeyResolver: r });
    const t = translateProxy(sidecarProxy(), push);
    const inbound = httpFilters((t.resources.listeners as Listener[]).filter((l) => l.traffic_direction === 'INBOUND'));
    assert.ok(inbound.size > 0);
    const cfg = jwtConfigOf([...inbound.values()][0]!)!;
    assert.deepEqual(Object.keys(cfg.providers!).sort(), ['origins-0', 'origins-1', 'origins-2']);
    assert.deepEqual(['origins-0', 'origins-1', 'origins-2'].map((n) => cfg.providers![n]!.issuer), ['https://a-ns.example', 'https://mesh.example', 'https://z-pp.example']);
    assert.equal(cfg.providers!['origins-0']!.local_jwks?.inline_string, FETCHED, 'jwksUri keys fetched by the control plane are inlined');
    assert.equal(cfg.providers!['origins-1']!.local_jwks?.inline_string, JWKS);
    for (const p of Object.values(cfg.providers!)) assert.equal(p.payload_in_metadata, 'payload', 'the contract with AuthorizationPolicy RBAC');
    assert.deepEqual(cfg.providers!['origins-2'], {
      issuer: 'https://z-pp.example', local_jwks: { inline_string: JWKS }, forward: true,
      from_headers: [{ name: 'x-token', value_prefix: 'Bearer ' }], from_params: ['token'], forward_payload_header: 'x-jwt-payload',
      payload_in_metadata: 'payload', claim_to_headers: [{ header_name: 'x-jwt-group', claim_name: 'group' }],
    });
    // Several providers: any one of them, or all of them optional (no token passes, a bad token fails).
    const optional = (n: string) => ({ requires_any: { requirements: [{ provider_name: n }, { allow_missing: {} }] } });
    assert.deepEqual(cfg.rules, [{
      match: { prefix: '/' },
      requires: { requires_any: { requirements: [
        { provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { provider_name: 'origins-2' },
        { requires_all: { requirements: [optional('origins-0'), optional('origins-1'), optional('origins-2')] } },
      ] } },
    }]);
    assert.equal(cfg.bypass_cors_preflight, true);
    assert.deepEqual(t.messages.filter((m) => m.code === MESSAGE_CODES.JWKS_UNAVAILABLE), []);
    assertDecodes(cfg);
    const g = golden('request-authn-productpage.json', cfg);
    assert.ok(g.expected !== undefined, 'missing golden file testdata/request-authn-productpage.json (run with WEFT_UPDATE_GOLDEN=1)');
    assert.equal(g.actual, g.expected, 'testdata/request-authn-productpage.json differs (run with WEFT_UPDATE_GOLDEN=1 if the change is intended)');
  });

  it('one provider: requires_any [provider, allow_missing]', () => {
    const t = translateProxy(sidecarProxy({ labels: { app: 'reviews', version: 'v1' } }), bookinfoPush([], { requestAuthentications: [REVIEWS_ONLY] }));
    const cfg = jwtConfigOf([...httpFilters(t.resources.listeners as Listener[]).values()].find((f) => jwtConfigOf(f))!)!;
    assert.deepEqual(cfg.rules, [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }]);
    assertDecodes(cfg);
  });

  it('places jwt_authn after peer metadata and before istio.stats and the router (inbound) and before fault/cors (gateway)', () => {
    const push = bookinfoPush([
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } },
      virtualService('pp', { hosts: ['*'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'productpage' } }] }] }),
    ], { requestAuthentications: [ROOT_WIDE] });
    const side = translateProxy(sidecarProxy(), push);
    const inbound = [...httpFilters((side.resources.listeners as Listener[]).filter((l) => l.traffic_direction === 'INBOUND')).values()][0]!.map((f) => f.name);
    const j = inbound.indexOf(JWT_AUTHN_FILTER_NAME);
    assert.ok(j > 0, `inbound filters: ${inbound.join(', ')}`);
    assert.equal(inbound[inbound.length - 1], 'envoy.filters.http.router');
    assert.ok(inbound.slice(0, j).every((n) => n === 'istio.metadata_exchange'), `only peer metadata before jwt_authn: ${inbound.join(', ')}`);
    // Outbound HCMs of the sidecar never verify tokens.
    for (const [name, filters] of httpFilters((side.resources.listeners as Listener[]).filter((l) => l.traffic_direction !== 'INBOUND'))) {
      assert.ok(!filters.some((f) => f.name === JWT_AUTHN_FILTER_NAME), name);
    }
    const gw = translateProxy(gatewayProxy(), push);
    const gwFilters = [...httpFilters(gw.resources.listeners as Listener[]).values()];
    assert.ok(gwFilters.length > 0);
    for (const f of gwFilters) {
      const names = f.map((x) => x.name);
      assert.ok(names.indexOf(JWT_AUTHN_FILTER_NAME) >= 0 && names.indexOf(JWT_AUTHN_FILTER_NAME) < names.indexOf('envoy.filters.http.fault'), names.join(', '));
    }
  });

  it('keys it cannot get become the unverifiable set, with a message naming the policy and field', () => {
    const r = resolver({ 'https://down.example/jwks': { state: 'failed', reason: 'GET https://down.example/jwks answered HTTP 503' } });
    const pol = ra('down', 'default', { jwtRules: [{ issuer: 'https://a.example', jwksUri: 'https://pending.example/jwks' }, { issuer: 'https://b.example', jwksUri: 'https://down.example/jwks', timeout: '2s' }] });
    const t = translateProxy(sidecarProxy(), bookinfoPush([], { requestAuthentications: [pol], jwtKeyResolver: r }));
    const cfg = jwtConfigOf([...httpFilters((t.resources.listeners as Listener[]).filter((l) => l.traffic_direction === 'INBOUND')).values()][0]!)!;
    assert.equal(cfg.providers!['origins-0']!.local_jwks?.inline_string, UNVERIFIABLE_JWKS);
    assert.equal(cfg.providers!['origins-1']!.local_jwks?.inline_string, UNVERIFIABLE_JWKS);
    const msgs = t.messages.filter((m) => m.code === MESSAGE_CODES.JWKS_UNAVAILABLE).map((m) => `${m.key} ${m.path}`).sort();
    assert.deepEqual(msgs, ['RequestAuthentication down.default spec.jwtRules[0].jwksUri', 'RequestAuthentication down.default spec.jwtRules[1].jwksUri']);
    assert.ok(t.messages.some((m) => m.message.includes('HTTP 503')));
    assert.ok(r.asked.includes('https://pending.example/jwks') && r.asked.includes('https://down.example/jwks'));
    assertDecodes(cfg);
  });

  it('without a resolver (no control plane fetcher) jwksUri fails closed', () => {
    const pol = ra('x', 'default', { jwtRules: [{ issuer: 'https://a.example', jwksUri: 'https://keys.example/jwks' }] });
    const t = translateProxy(sidecarProxy(), bookinfoPush([], { requestAuthentications: [pol] }));
    assert.ok(t.messages.some((m) => m.code === MESSAGE_CODES.JWKS_UNAVAILABLE));
  });

  it('weft\'s proxy decodes everything else; jwt_authn itself once the proxy registers it', () => {
    const t = translateProxy(sidecarProxy(), bookinfoPush([], { requestAuthentications: [ROOT_WIDE, PRODUCTPAGE] }));
    const d = decodeWithProxy(t.resources);
    if (HTTP_FILTERS.forName(JWT_AUTHN_FILTER_NAME)) assert.deepEqual(d.errors, []);
    else {
      // The filter is built on another branch (jwtfilter); until it merges only its refusal may appear.
      assert.ok(d.errors.length > 0, 'the proxy refuses the unknown filter by name');
      for (const e of d.errors) assert.match(e, /jwt_authn|JwtAuthentication/, e);
    }
  });
});
