import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { envoy_config_core_v3_Node, envoy_service_health_v3_EndpointHealthResponse } from '../../xds/gen/types.js';
import { startHarness } from './xds-test-harness.js';

const ep = (port: number) => ({ address: { socket_address: { address: '10.0.0.1', port_value: port } } });

test('HDS: the specifier for the node goes out, reports come back, healthOf answers, updates are pushed', async (t) => {
  const reports: [string, envoy_service_health_v3_EndpointHealthResponse][] = [];
  let reported: () => void = () => {};
  const h = await startHarness({
    server: {
      onHealthReport: (n: envoy_config_core_v3_Node, r) => {
        reports.push([n.id!, r]);
        if (reports.length === 2) reported();
      },
    },
  });
  t.after(() => h.close());
  h.server.setHealthCheckSpecifier('hc-node', {
    cluster_health_checks: [{
      cluster_name: 'backend',
      health_checks: [{ timeout: { seconds: 1, nanos: 0 }, interval: { seconds: 5, nanos: 0 }, unhealthy_threshold: { value: 2 }, healthy_threshold: { value: 1 }, tcp_health_check: {} }],
      locality_endpoints: [{ locality: { zone: 'z1' }, endpoints: [ep(8080), ep(8081)] }],
    }],
    interval: { seconds: 10, nanos: 0 },
  });
  const s = h.client.hds();
  s.send({ health_check_request: { node: { id: 'hc-node' }, capability: { health_check_protocols: ['HTTP', 'TCP'] } } });
  const spec = await s.next();
  assert.equal(spec.cluster_health_checks![0].cluster_name, 'backend');
  assert.equal(spec.cluster_health_checks![0].locality_endpoints![0].endpoints!.length, 2);
  assert.deepEqual(spec.interval, { seconds: 10, nanos: 0 });

  const got = new Promise<void>((resolve) => (reported = resolve));
  s.send({ endpoint_health_response: { cluster_endpoints_health: [{ cluster_name: 'backend', locality_endpoints_health: [{ locality: { zone: 'z1' }, endpoints_health: [{ endpoint: ep(8080), health_status: 'HEALTHY' }, { endpoint: ep(8081), health_status: 'UNHEALTHY' }] }] }] } });
  // The older flat list (no cluster name) is attributed through the specifier.
  s.send({ endpoint_health_response: { endpoints_health: [{ endpoint: ep(8080), health_status: 'UNHEALTHY' }] } });
  await got;
  assert.equal(reports[0][0], 'hc-node');
  assert.equal(h.server.healthOf('backend', '10.0.0.1:8081')?.status, 'UNHEALTHY');
  assert.equal(h.server.healthOf('backend', '10.0.0.1:8080')?.status, 'UNHEALTHY');
  assert.equal(h.server.healthOf('backend', '10.0.0.1:8080')?.reporter, 'hc-node');
  assert.equal(h.server.healthOf('other', '10.0.0.1:8080'), undefined);

  h.server.setHealthCheckSpecifier('hc-node', { cluster_health_checks: [], interval: { seconds: 1, nanos: 0 } });
  const updated = await s.next();
  assert.deepEqual(updated.interval, { seconds: 1, nanos: 0 });
  s.end();
});
