import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigErrors } from '../../common/errors.js';
import { loadBootstrapText } from './bootstrap.js';

const listener = (name: string | undefined, port: number) => `
  - ${name === undefined ? '' : `name: ${name}\n    `}address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: tcp, cluster: backend }`;

const CLUSTERS = `
  clusters:
  - name: backend
    load_assignment: { cluster_name: backend, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9 } } } }] }] }`;

function load(yaml: string) {
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(yaml, errs);
  return { cfg, errors: errs.errors.map((e) => e.path), warnings: errs.warnings.map((w) => w.path) };
}

describe('bootstrap: static listener names', () => {
  it('a listener without a name gets a unique generated one, as in Envoy', () => {
    const { cfg, errors } = load(`static_resources:\n  listeners:${listener(undefined, 10001)}${listener(undefined, 10002)}${CLUSTERS}`);
    assert.deepEqual(errors, []);
    const [a, b] = cfg!.listeners;
    assert.match(a!.name, /^[0-9a-f-]{36}$/);
    assert.notEqual(a!.name, b!.name);
  });

  it('two explicit equal names are still an error', () => {
    const { errors } = load(`static_resources:\n  listeners:${listener('l', 10001)}${listener('l', 10002)}${listener(undefined, 10003)}${CLUSTERS}`);
    assert.deepEqual(errors, ['static_resources.listeners[1].name']);
  });
});

describe('bootstrap: sections accepted or refused by name', () => {
  it('accepts layered_runtime, stats_config, cluster_manager.local_cluster_name, node fields and overload_manager', () => {
    const { cfg, errors, warnings } = load(`
node:
  id: n1
  cluster: c1
  locality: { region: r, zone: z }
  user_agent_name: envoy
layered_runtime:
  layers:
  - name: static
    static_layer: { fault.http.abort.abort_percent: 5 }
  - name: admin
    admin_layer: {}
stats_config:
  use_all_default_tags: false
  stats_tags: [{ tag_name: cluster_name, regex: '^cluster\\.((.+?)\\.)' }]
  stats_matcher: { exclusion_list: { patterns: [{ prefix: server. }] } }
cluster_manager: { local_cluster_name: backend }
overload_manager:
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: 100
static_resources:
  listeners:${listener('l', 10001)}${CLUSTERS}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, ['cluster_manager.local_cluster_name']);
    assert.deepEqual(cfg!.node.locality, { region: 'r', zone: 'z' });
    assert.deepEqual(cfg!.runtime!.layers.map((l) => l.kind), ['static', 'admin']);
    assert.equal(cfg!.localClusterName, 'backend');
    assert.ok(cfg!.statsOptions!.tagProducer);
    assert.equal(cfg!.statsOptions!.acceptStat!('server.live'), false);
    assert.equal(cfg!.overload!.monitors.length, 1);
  });

  it('refuses what weft cannot honour, each with its path, in one run', () => {
    const { errors } = load(`
node: { id: n, client_features: [x], extensions: [{ name: e }] }
stats_sinks:
- name: envoy.stat_sinks.metrics_service
  typed_config: { "@type": type.googleapis.com/envoy.config.metrics.v3.StatsdSink, tcp_cluster_name: backend }
cluster_manager: { local_cluster_name: missing, outlier_detection: { event_log_path: /tmp/x } }
layered_runtime: { layers: [{ name: r, rtds_layer: { name: r } }] }
static_resources:
  listeners:${listener('l', 10001)}${CLUSTERS}`);
    assert.deepEqual(errors.sort(), [
      'cluster_manager.local_cluster_name',
      'cluster_manager.outlier_detection',
      'layered_runtime.layers[0].rtds_layer',
      'node.client_features',
      'node.extensions',
      'stats_sinks[0]',
    ]);
  });
});
