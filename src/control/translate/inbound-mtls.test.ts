// Inbound mTLS by PeerAuthentication, in both listener shapes (virtualInbound
// with destination_port chains; local mode's per-port inbound_<port>):
// golden files (testdata/inbound-mtls-*.json, refresh with
// WEFT_UPDATE_GOLDEN=1), the chain structure each mode must have, and a
// simulation of connections (plaintext, Istio mTLS, plain TLS) through the
// proxy's own decoder and filter chain matcher.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MutualTlsMode, PeerAuthentication, PeerAuthenticationSpec } from '../../api/security.js';
import { selectFilterChain } from '../../proxy/listener/filter-chain-match.js';
import { TRANSPORT_SOCKETS } from '../../proxy/extensions/transport-sockets.js';
import type { envoy_config_listener_v3_FilterChain, envoy_config_listener_v3_Listener } from '../../xds/gen/types.js';
import type { MtlsMode, ProxyInfo, ServiceEndpoint, ServiceModel } from '../model/types.js';
import { ALL_ISTIO_MTLS_ALPNS } from './inbound-mtls.js';
import { MESSAGE_CODES } from './messages.js';
import { TYPE_URLS } from './proto-helpers.js';
import { endpoint, golden, host, NS, sidecarProxy } from './test-bookinfo.js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import { decodeWithProxy } from './test-proxy-decode.js';
import { TestPushContext } from './test-push-context.js';
import { translateProxy } from './translate-proxy.js';

// productpage serves HTTP on 9080 and TCP on 9091; the TCP port's workload port is 9191,
// the port portLevelMtls names (Istio: the workload's port, not the service's).
const SERVICE: ServiceModel = {
  hostname: host('productpage'), namespace: NS, resolution: 'STATIC', location: 'MESH_INTERNAL', exportTo: ['*'], addresses: [], source: 'test',
  ports: [{ name: 'http', port: 9080, protocol: 'HTTP' }, { name: 'tcp', port: 9091, protocol: 'TCP', targetPort: 9191 }],
};
const ENDPOINTS: ServiceEndpoint[] = [
  endpoint('productpage', 'v1', '10.0.0.1'),
  endpoint('productpage', 'v1', '10.0.0.1', { servicePort: 9091, port: 9191 }),
];
const CAPTURE = sidecarProxy();
const LOCAL = sidecarProxy({ metadata: { WEFT_INBOUND_PORTS: '{"9080":16001,"9091":16002}', WEFT_APP_PORTS: '{"9080":19080,"9091":19091}' } });

const pa = (name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication =>
  ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec });
const mode = (m: MutualTlsMode) => ({ mtls: { mode: m } });
const productpage = { selector: { matchLabels: { app: 'productpage' } } };

interface Scenario {
  name: string;
  policies: PeerAuthentication[];
  workloadCertificates: boolean;
  /** Expected chain shape per service port: a mode, or 'plain' (one chain without transport matching). */
  expect: { 9080: MtlsMode | 'plain'; 9091: MtlsMode | 'plain' };
  /** Translation messages expected (one per port): `code key path`. */
  messages?: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'default-permissive', policies: [], workloadCertificates: true, expect: { 9080: 'PERMISSIVE', 9091: 'PERMISSIVE' } },
  { name: 'mesh-strict', policies: [pa('default', 'istio-system', mode('STRICT'))], workloadCertificates: true, expect: { 9080: 'STRICT', 9091: 'STRICT' } },
  { name: 'namespace-disable', policies: [pa('default', 'istio-system', mode('STRICT')), pa('default', NS, mode('DISABLE'))], workloadCertificates: true, expect: { 9080: 'DISABLE', 9091: 'DISABLE' } },
  {
    name: 'port-level',
    policies: [pa('default', NS, mode('PERMISSIVE')), pa('productpage', NS, { ...productpage, ...mode('STRICT'), portLevelMtls: { 9191: { mode: 'DISABLE' } } })],
    workloadCertificates: true, expect: { 9080: 'STRICT', 9091: 'DISABLE' },
  },
  {
    name: 'port-level-unset-inherits',
    policies: [pa('default', 'istio-system', mode('STRICT')), pa('productpage', NS, { ...productpage, ...mode('UNSET'), portLevelMtls: { 9080: { mode: 'PERMISSIVE' } } })],
    workloadCertificates: true, expect: { 9080: 'PERMISSIVE', 9091: 'STRICT' },
  },
  { name: 'no-certificates-permissive', policies: [], workloadCertificates: false, expect: { 9080: 'plain', 9091: 'plain' } },
  {
    name: 'no-certificates-strict', policies: [pa('default', NS, mode('STRICT'))], workloadCertificates: false,
    expect: { 9080: 'STRICT', 9091: 'STRICT' },
    messages: [`${MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES} PeerAuthentication default.default spec.mtls.mode`, `${MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES} PeerAuthentication default.default spec.mtls.mode`],
  },
  {
    name: 'no-certificates-port-level-strict',
    policies: [pa('productpage', NS, { ...productpage, portLevelMtls: { 9191: { mode: 'STRICT' } } })], workloadCertificates: false,
    expect: { 9080: 'plain', 9091: 'STRICT' },
    messages: [`${MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES} PeerAuthentication productpage.default spec.portLevelMtls["9191"].mode`],
  },
];

function translate(s: Scenario, proxy: ProxyInfo) {
  const push = new TestPushContext({ services: [SERVICE], endpoints: ENDPOINTS, peerAuthentications: s.policies, mesh: { workloadCertificates: s.workloadCertificates } });
  return translateProxy(proxy, push);
}

/** Messages about inbound mTLS (others, e.g. outbound passthrough, are not this test's subject). */
const mtlsMessages = <M extends { code: string }>(ms: readonly M[]) => ms.filter((m) => m.code === MESSAGE_CODES.MTLS_WITHOUT_CERTIFICATES);

const inboundOf = (listeners: unknown[]) => (listeners as envoy_config_listener_v3_Listener[]).filter((l) => l.traffic_direction === 'INBOUND');

function tlsContextOf(c: envoy_config_listener_v3_FilterChain): Record<string, unknown> | undefined {
  const tc = c.transport_socket?.typed_config as Record<string, unknown> | undefined;
  if (!tc) return undefined;
  assert.equal(c.transport_socket?.name, 'envoy.transport_sockets.tls');
  assert.equal(tc['@type'], TYPE_URLS.downstreamTlsContext);
  return tc;
}

/** Checks the chains of one port against Istio's shape for its mode. */
function assertChains(chains: envoy_config_listener_v3_FilterChain[], want: MtlsMode | 'plain', http: boolean, what: string): void {
  const shape = chains.map((c) => `${c.filter_chain_match?.transport_protocol ?? '-'}|${(c.filter_chain_match?.application_protocols ?? []).join(',') || '-'}|${c.transport_socket ? 'mtls' : 'plain'}`);
  const alpn = ALL_ISTIO_MTLS_ALPNS.join(',');
  const expected = {
    plain: ['-|-|plain'],
    STRICT: ['tls|-|mtls'],
    PERMISSIVE: http ? [`tls|${alpn}|mtls`, 'raw_buffer|-|plain'] : [`tls|${alpn}|mtls`, 'tls|-|plain', 'raw_buffer|-|plain'],
    DISABLE: ['raw_buffer|-|plain'],
  }[want];
  assert.deepEqual(shape, expected, what);
  for (const c of chains) {
    const tc = tlsContextOf(c);
    if (!tc) continue;
    const common = tc.common_tls_context as Record<string, unknown>;
    assert.deepEqual(tc.require_client_certificate, { value: true }, `${what}: client certificate required`);
    assert.deepEqual((common.tls_certificate_sds_secret_configs as { name: string }[]).map((x) => x.name), ['default'], what);
    assert.equal((common.combined_validation_context as { validation_context_sds_secret_config: { name: string } }).validation_context_sds_secret_config.name, 'ROOTCA', what);
    assert.deepEqual(common.alpn_protocols, http ? ['h2', 'http/1.1'] : ['istio-peer-exchange', 'h2', 'http/1.1'], what);
  }
}

/** Decoding errors the proxy may report: none, or (until the tls transport socket is registered) only on transport_socket. */
function assertDecodes(listeners: envoy_config_listener_v3_Listener[]) {
  const d = decodeWithProxy({ listeners, routes: [], clusters: [], endpoints: [] });
  const tlsRegistered = TRANSPORT_SOCKETS.forTypeUrl(TYPE_URLS.downstreamTlsContext) !== undefined;
  const unexpected = tlsRegistered ? d.errors : d.errors.filter((e) => !/\.transport_socket(\.|:)/.test(e));
  assert.deepEqual(unexpected, [], 'weft\'s proxy must accept the inbound listeners');
  return d;
}

describe('inbound mTLS by PeerAuthentication', () => {
  for (const s of SCENARIOS) {
    it(`golden: ${s.name}`, () => {
      const capture = translate(s, CAPTURE);
      const local = translate(s, LOCAL);
      const g = golden(`inbound-mtls-${s.name}.json`, { virtualInbound: inboundOf(capture.resources.listeners), local: inboundOf(local.resources.listeners), messages: mtlsMessages(capture.messages) });
      assert.ok(g.expected !== undefined, `missing golden file testdata/inbound-mtls-${s.name}.json (run with WEFT_UPDATE_GOLDEN=1)`);
      assert.equal(g.actual, g.expected, `testdata/inbound-mtls-${s.name}.json differs (run with WEFT_UPDATE_GOLDEN=1 if the change is intended)`);
    });

    it(`chains per mode, both listener shapes: ${s.name}`, () => {
      const capture = translate(s, CAPTURE);
      const [vi, ...more] = inboundOf(capture.resources.listeners);
      assert.equal(more.length, 0);
      assert.equal(vi?.name, 'virtualInbound');
      const local = inboundOf(translate(s, LOCAL).resources.listeners);
      assert.deepEqual(local.map((l) => l.name), ['inbound_9080', 'inbound_9091']);
      for (const port of [9080, 9091] as const) {
        const http = port === 9080;
        const want = s.expect[port];
        assertChains((vi!.filter_chains ?? []).filter((c) => c.filter_chain_match?.destination_port?.value === port), want, http, `virtualInbound port ${port}`);
        const l = local.find((x) => x.name === `inbound_${port}`)!;
        assertChains(l.filter_chains ?? [], want, http, `inbound_${port}`);
        const wantsInspector = want === 'STRICT' || want === 'PERMISSIVE';
        assert.equal((l.listener_filters ?? []).some((f) => f.name === 'envoy.filters.listener.tls_inspector'), wantsInspector, `inbound_${port} tls_inspector`);
        assert.equal(l.continue_on_listener_filters_timeout === true, wantsInspector, `inbound_${port}: plaintext after the inspector's timeout (server-first protocols)`);
      }
      const anyTls = Object.values(s.expect).some((m) => m === 'STRICT' || m === 'PERMISSIVE');
      assert.equal((vi!.listener_filters ?? []).some((f) => f.name === 'envoy.filters.listener.tls_inspector'), anyTls, 'virtualInbound tls_inspector');
      assert.deepEqual(mtlsMessages(capture.messages).map((m) => `${m.code} ${m.key} ${m.path}`), s.messages ?? []);
    });

    it(`decoded and matched by the proxy: ${s.name}`, () => {
      const listeners = inboundOf(translate(s, CAPTURE).resources.listeners);
      for (const l of [...listeners, ...inboundOf(translate(s, LOCAL).resources.listeners)]) {
        assert.deepEqual(decodeBinary('envoy.config.listener.v3.Listener', encodeBinary('envoy.config.listener.v3.Listener', l)), l, `${l.name} is in canonical proto shape`);
      }
      const d = assertDecodes(listeners);
      const raw = listeners[0]!.filter_chains ?? [];
      const decoded = d.listeners.get('virtualInbound')!;
      assert.equal(decoded.filterChains.length, raw.length);
      const pick = (port: number, transportProtocol: string, alpn: string[]) => {
        const c = selectFilterChain(decoded.filterChains, { destinationPort: port, destinationIp: '10.0.0.1', sourceIp: '10.0.0.9', sourcePort: 40000, serverName: '', transportProtocol, applicationProtocols: alpn });
        return c === undefined ? 'none' : raw[decoded.filterChains.indexOf(c)]!.transport_socket ? 'mtls' : 'plain';
      };
      for (const port of [9080, 9091] as const) {
        const want = s.expect[port];
        const istioAlpn = port === 9080 ? ['istio-http/1.1'] : ['istio-peer-exchange', 'istio'];
        const plaintext = pick(port, 'raw_buffer', []);
        const mtls = pick(port, 'tls', istioAlpn);
        const plainTls = pick(port, 'tls', ['h2']);
        const table = { plain: ['plain', 'plain', 'plain'], STRICT: ['none', 'mtls', 'mtls'], DISABLE: ['plain', 'none', 'none'], PERMISSIVE: ['plain', 'mtls', port === 9080 ? 'none' : 'plain'] }[want];
        assert.deepEqual([plaintext, mtls, plainTls], table, `port ${port} (${want}): plaintext, Istio mTLS, TLS without Istio ALPN`);
      }
    });
  }
});
