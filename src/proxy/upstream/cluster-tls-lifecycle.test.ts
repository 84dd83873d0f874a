// A cluster's TLS providers hold secret subscriptions for as long as the
// cluster lives: replaced or removed clusters release them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConfigErrors } from '../../common/errors.js';
import { LogRegistry } from '../../common/log.js';
import { StatsStore } from '../../stats/index.js';
import { decodeCluster } from '../config/cluster.js';
import { MemorySecretStore, type SecretStore } from '../tls/secret-store.js';
import type { SdsRef } from '../tls/tls-config.js';
import { ClusterManager } from './cluster-manager.js';

/** A store that counts live subscriptions per secret name. */
function countingStore(): { store: SecretStore; live: Map<string, number> } {
  const inner = new MemorySecretStore();
  const live = new Map<string, number>();
  const store: SecretStore = {
    current: (ref) => inner.current(ref),
    subscribe: (ref: SdsRef, fn) => {
      live.set(ref.name, (live.get(ref.name) ?? 0) + 1);
      const off = inner.subscribe(ref, fn);
      return () => {
        live.set(ref.name, live.get(ref.name)! - 1);
        off();
      };
    },
  };
  return { store, live };
}

const tls = (secret: string) => ({
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    common_tls_context: { tls_certificate_sds_secret_configs: [{ name: secret, sds_config: { ads: {} } }] },
  },
});

function cluster(name: string, secret: string, matchSecret?: string) {
  const errs = new ConfigErrors();
  const c = decodeCluster({
    name, type: 'STATIC', transport_socket: tls(secret),
    ...(matchSecret ? { transport_socket_matches: [{ name: 'm', match: { tlsMode: 'istio' }, transport_socket: tls(matchSecret) }] } : {}),
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] },
  }, name, errs);
  assert.deepEqual(errs.errors, []);
  return c!;
}

test('TLS providers subscribe to their secrets and release them when the cluster is replaced or removed', () => {
  const { store, live } = countingStore();
  const cm = new ClusterManager({ clock: new ManualClock(), random: () => 0.5, stats: new StatsStore(), log: new LogRegistry('error').logger('t'), secrets: store });
  cm.upsert(cluster('a', 'one', 'two'));
  assert.equal(live.get('one'), 1);
  assert.equal(live.get('two'), 1);
  cm.upsert(cluster('a', 'one-b'));
  assert.equal(live.get('one'), 0, 'the replaced cluster released its secret');
  assert.equal(live.get('two'), 0);
  assert.equal(live.get('one-b'), 1);
  cm.remove('a');
  assert.equal(live.get('one-b'), 0);
  cm.close();
});
