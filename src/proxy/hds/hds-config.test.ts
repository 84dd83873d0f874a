import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CFG, ConfigErrors } from '../../common/errors.js';
import { loadBootstrapText } from '../config/bootstrap.js';

const XDS_CLUSTER = {
  name: 'xds', type: 'STATIC', connect_timeout: '1s',
  load_assignment: { cluster_name: 'xds', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 15010 } } } }] }] },
};
const load = (hds: unknown) => {
  const errs = new ConfigErrors();
  const cfg = loadBootstrapText(JSON.stringify({ node: { id: 'n' }, hds_config: hds, static_resources: { clusters: [XDS_CLUSTER] } }), errs);
  return { cfg, errors: errs.errors.map((e) => [e.code, e.path]) };
};

describe('bootstrap hds_config', () => {
  it('names a static cluster over gRPC; authority defaults to the cluster name', () => {
    const { cfg, errors } = load({ api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] });
    assert.deepEqual(errors, []);
    assert.deepEqual(cfg?.hds, { cluster: 'xds', authority: 'xds' });
    assert.deepEqual(load({ api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds', authority: 'cp.mesh' } }] }).cfg?.hds, { cluster: 'xds', authority: 'cp.mesh' });
    assert.equal(loadBootstrapText(JSON.stringify({ node: { id: 'n' } }), new ConfigErrors())?.hds, undefined);
  });

  it('refuses what HDS cannot use, by path', () => {
    assert.deepEqual(load({ api_type: 'DELTA_GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'nope' } }] }).errors, [
      [CFG.INVALID_VALUE, 'hds_config.api_type'],
      [CFG.UNKNOWN_REFERENCE, 'hds_config.grpc_services[0].envoy_grpc.cluster_name'],
    ]);
    assert.deepEqual(load({ api_type: 'GRPC', grpc_services: [{ google_grpc: { target_uri: 'x', stat_prefix: 'x' } }] }).errors, [
      [CFG.UNSUPPORTED_FIELD, 'hds_config.grpc_services[0].google_grpc'],
      [CFG.REQUIRED, 'hds_config.grpc_services[0]'],
    ]);
    assert.deepEqual(load({ api_type: 'GRPC' }).errors, [[CFG.REQUIRED, 'hds_config.grpc_services']]);
  });
});
