import assert from 'node:assert/strict';
import { test } from 'node:test';
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
