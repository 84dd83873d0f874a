import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { decodeCluster } from '../config/cluster.js';
import { resolveTransportSocketMatch, socketMatchLabels, type TransportSocketMatchConfig } from './transport-socket-match.js';

const RAW = { kind: 'raw_buffer' } as const;
const m = (name: string, match: Record<string, unknown>): TransportSocketMatchConfig => ({ name, match, transportSocket: RAW });

test('the first match whose labels are all present with equal values wins; none: the cluster transport socket (-1)', () => {
  const matches = [m('istio', { tlsMode: 'istio' }), m('v2-tls', { version: 'v2', tls: true })];
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { tlsMode: 'istio', extra: 1 } }), 0);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { version: 'v2', tls: true } }), 1);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { version: 'v2', tls: 'true' } }), -1, 'values compare with their types');
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { tlsMode: 'disabled' } }), -1);
  assert.equal(resolveTransportSocketMatch(matches, undefined), -1);
});

test('an empty match matches every endpoint, labelled or not (Istio\'s tlsMode-disabled fallback)', () => {
  const matches = [m('istio', { tlsMode: 'istio' }), m('plain', {})];
  assert.equal(resolveTransportSocketMatch(matches, undefined), 1);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { other: 'x' } }), 1);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { tlsMode: 'istio' } }), 0);
});

test('endpoint labels are tried against every match before the locality\'s', () => {
  const matches = [m('zone', { zone: 'a' }), m('ep', { ep: 'x' })];
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { ep: 'x' }, locality: { zone: 'a' } }), 1);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { ep: 'y' }, locality: { zone: 'a' } }), 0);
});

test('struct values compare deeply', () => {
  const matches = [m('s', { cfg: { a: [1, 2], b: { c: 'd' } } })];
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { cfg: { b: { c: 'd' }, a: [1, 2] } } }), 0);
  assert.equal(resolveTransportSocketMatch(matches, { endpoint: { cfg: { a: [2, 1], b: { c: 'd' } } } }), -1);
});

test('socketMatchLabels reads filter_metadata["envoy.transport_socket_match"] only', () => {
  assert.deepEqual(socketMatchLabels({ filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' }, istio: { x: 1 } } }), { tlsMode: 'istio' });
  assert.equal(socketMatchLabels({ filter_metadata: { istio: { x: 1 } } }), undefined);
  assert.equal(socketMatchLabels(undefined), undefined);
});

test('decodeCluster keeps each endpoint\'s and locality\'s match labels, and reads auto_config and upstream_http_protocol_options', () => {
  const errs = new ConfigErrors();
  const addr = (port: number) => ({ address: { socket_address: { address: '127.0.0.1', port_value: port } } });
  const c = decodeCluster({
    name: 'c', type: 'STATIC',
    load_assignment: {
      cluster_name: 'c',
      endpoints: [{
        metadata: { filter_metadata: { 'envoy.transport_socket_match': { zone: 'a' } } },
        lb_endpoints: [
          { endpoint: addr(1), metadata: { filter_metadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } },
          { endpoint: addr(2) },
        ],
      }],
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        auto_config: {},
        upstream_http_protocol_options: { auto_sni: true, auto_san_validation: true, override_auto_sni_header: 'X-SNI' },
      },
    },
  }, 'c', errs);
  assert.deepEqual(errs.errors, []);
  assert.deepEqual(c!.endpoints.map((e) => e.socketMatch), [{ endpoint: { tlsMode: 'istio' }, locality: { zone: 'a' } }, { locality: { zone: 'a' } }]);
  assert.equal(c!.protocol, 'auto');
  assert.deepEqual(c!.upstreamHttp, { autoSni: true, autoSanValidation: true, overrideAutoSniHeader: 'x-sni' });
  assert.deepEqual(c!.transportSocket, { kind: 'raw_buffer' });
});
