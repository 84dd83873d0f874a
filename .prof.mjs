import { ConfigErrors } from './dist/src/common/errors.js';
import { decodeBinary, encodeBinary, fromJson } from './dist/src/xds/codec.js';
import { istioCluster } from './dist/src/xds/codec-fixtures.js';
import { CLUSTER_TYPE_URL } from './dist/src/xds/type-urls.js';
const errs = new ConfigErrors();
const clusters = Array.from({ length: 1000 }, (_, i) => ({ '@type': CLUSTER_TYPE_URL, ...fromJson('envoy.config.cluster.v3.Cluster', istioCluster(i), '', errs) }));
const bytes = encodeBinary('envoy.service.discovery.v3.DiscoveryResponse', { resources: clusters });
for (let i = 0; i < 60; i++) decodeBinary('envoy.service.discovery.v3.DiscoveryResponse', bytes);
