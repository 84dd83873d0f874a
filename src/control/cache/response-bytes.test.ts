import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import type { envoy_service_discovery_v3_DeltaDiscoveryResponse, envoy_service_discovery_v3_DiscoveryResponse } from '../../xds/gen/types.js';
import { CLUSTER_TYPE_URL } from '../../xds/type-urls.js';
import { edsCluster } from '../server/xds-test-fixtures.js';
import { CachedResource } from './cached-resource.js';
import { deltaResponseBytes, sotwResponseBytes } from './response-bytes.js';
import { TypeResources } from './type-resources.js';

// Long names push lengths past one varint byte, which the writer must handle.
const big = 'c'.repeat(300);
const clusters = [edsCluster('c1'), edsCluster(big, 'svc-' + 'x'.repeat(200))].map((c) => new CachedResource(CLUSTER_TYPE_URL, (c as { name: string }).name, c));

test('a concatenated SotW response decodes to the same message the codec encodes', () => {
  const tr = new TypeResources(CLUSTER_TYPE_URL, 'v7', clusters);
  const bytes = sotwResponseBytes('v7', CLUSTER_TYPE_URL, 'n1', tr.sotwBodyAll());
  const decoded = decodeBinary<envoy_service_discovery_v3_DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse', bytes);
  const expected = {
    version_info: 'v7', type_url: CLUSTER_TYPE_URL, nonce: 'n1',
    resources: clusters.map((c) => ({ '@type': CLUSTER_TYPE_URL, ...c.message })),
  };
  assert.deepEqual(decoded, decodeBinary('envoy.service.discovery.v3.DiscoveryResponse', encodeBinary('envoy.service.discovery.v3.DiscoveryResponse', expected)));
  assert.equal(decoded.resources![1].name, big);
  assert.equal(tr.sotwBodyAll(), tr.sotwBodyAll(), 'body built once');
});

test('a concatenated delta response carries name, content version and removals', () => {
  const bytes = deltaResponseBytes('v3', CLUSTER_TYPE_URL, 'n2', clusters, ['gone-a', 'gone-b']);
  const d = decodeBinary<envoy_service_discovery_v3_DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse', bytes);
  assert.equal(d.system_version_info, 'v3');
  assert.equal(d.nonce, 'n2');
  assert.deepEqual(d.removed_resources, ['gone-a', 'gone-b']);
  assert.deepEqual(d.resources!.map((r) => [r.name, r.version]), clusters.map((c) => [c.name, c.version()]));
  assert.equal((d.resources![0].resource as Record<string, unknown>).name, 'c1');
});

test('content versions depend on content only', () => {
  const a = new CachedResource(CLUSTER_TYPE_URL, 'c1', edsCluster('c1'));
  const b = new CachedResource(CLUSTER_TYPE_URL, 'c1', edsCluster('c1'));
  const c = new CachedResource(CLUSTER_TYPE_URL, 'c1', edsCluster('c1', 'other'));
  assert.equal(a.version(), b.version());
  assert.notEqual(a.version(), c.version());
});
