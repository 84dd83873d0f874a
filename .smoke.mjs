import { fromJson, encodeBinary, decodeBinary, toJson, loadDescriptor } from './dist/src/xds/codec.js';
import { ConfigErrors } from './dist/src/common/errors.js';
import YAML from 'yaml';
import assert from 'node:assert/strict';
const y = `
static_resources:
  listeners:
  - name: listener_0
    address: { socket_address: { address: 0.0.0.0, port_value: 80 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          route_config:
            name: route
            virtual_hosts:
            - name: backend
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: service1 }
          http_filters:
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  clusters:
  - name: service1
    connect_timeout: 0.25s
    type: STRICT_DNS
    lb_policy: ROUND_ROBN
    hosts: []
    load_assignment:
      cluster_name: service1
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: service1, port_value: 80 } } }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 9901 } }
`;
const errs = new ConfigErrors();
const b = fromJson('envoy.config.bootstrap.v3.Bootstrap', YAML.parse(y), '', errs);
console.log(errs.format());
console.log(JSON.stringify(b, null, 1).slice(0, 600));
const bytes = encodeBinary('envoy.config.bootstrap.v3.Bootstrap', b);
const back = decodeBinary('envoy.config.bootstrap.v3.Bootstrap', bytes);
assert.deepStrictEqual(back, b);
console.log(bytes.length, JSON.stringify(toJson('envoy.config.bootstrap.v3.Bootstrap', back)));
const root = loadDescriptor();
const T = root.lookupType('envoy.config.bootstrap.v3.Bootstrap');
const o = T.toObject(T.decode(bytes), { enums: String, longs: Number, defaults: false });
console.log(JSON.stringify(o).slice(0, 300));
const re = T.encode(T.fromObject(o)).finish();
console.log(Buffer.compare(Buffer.from(re), Buffer.from(bytes)));
