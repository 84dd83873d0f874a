import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs/minimal.js';
import YAML from 'yaml';
import { ConfigErrors } from '../common/errors.js';
import {
  CLUSTER_TYPE_URL, decodeBinary, encodeBinary, fromJson, isUnknownAny, LISTENER_TYPE_URL, loadDescriptor,
  ProtoCodecError, toJson, typeNameFromUrl, typeUrl, unsupportedTypeMessage,
} from './codec.js';
import { FRONT_PROXY_BOOTSTRAP_YAML, istioCluster, LISTENER_JSON, ROUTE_CONFIGURATION_JSON } from './codec-fixtures.js';
import { messageSchema } from './schema.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, SECRET_TYPE_URL, TYPE_URL_PREFIX,
} from './type-urls.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** fromJson that fails the test on any issue. */
function canonical(typeName: string, json: unknown): Obj {
  const errs = new ConfigErrors();
  const out = fromJson<Obj>(typeName, json, '', errs);
  assert.deepEqual(errs.issues, []);
  return out!;
}

const FIXTURES: Array<[string, string, () => unknown]> = [
  ['the front-proxy bootstrap', BOOTSTRAP, () => YAML.parse(FRONT_PROXY_BOOTSTRAP_YAML)],
  ['a Listener with an HttpConnectionManager in an Any', LISTENER, () => LISTENER_JSON],
  ['an Istio-style Cluster', CLUSTER, () => istioCluster(7)],
  ['a RouteConfiguration', ROUTE_CONFIGURATION, () => ROUTE_CONFIGURATION_JSON],
];

/** Field number of `field` in `typeName`, for hand-written wire bytes. */
function fieldNo(typeName: string, field: string): number {
  return messageSchema(typeName).byName.get(field)!.number;
}

describe('round trips', () => {
  for (const [what, typeName, json] of FIXTURES) {
    it(`fromJson → encodeBinary → decodeBinary is lossless for ${what}`, () => {
      const obj = canonical(typeName, json());
      const bytes = encodeBinary(typeName, obj);
      assert.ok(bytes.length > 20);
      assert.deepEqual(decodeBinary(typeName, bytes), obj);
    });

    it(`toJson → fromJson is lossless for ${what}`, () => {
      const obj = canonical(typeName, json());
      const printed = JSON.parse(JSON.stringify(toJson(typeName, obj)));
      assert.deepEqual(canonical(typeName, printed), obj);
    });

    it(`the bytes agree with protobufjs for ${what}`, () => {
      const bytes = encodeBinary(typeName, canonical(typeName, json()));
      const T = loadDescriptor().lookupType(typeName);
      const reencoded = T.encode(T.decode(bytes)).finish();
      assert.equal(Buffer.compare(Buffer.from(reencoded), Buffer.from(bytes)), 0);
    });
  }

  it('round-trips a DiscoveryResponse whose resources are Anys of Clusters', () => {
    const resources = [1, 2, 3].map((i) => ({ '@type': CLUSTER_TYPE_URL, ...canonical(CLUSTER, istioCluster(i)) }));
    const response = { version_info: '3', type_url: CLUSTER_TYPE_URL, nonce: 'n', resources };
    const back = decodeBinary<Obj>(RESPONSE, encodeBinary(RESPONSE, response));
    assert.equal(back.resources[2].transport_socket.typed_config['@type'], 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    assert.deepEqual(back, response);
  });

  it('decodes bytes that protobufjs encoded from its own object form', () => {
    const T = loadDescriptor().lookupType(CLUSTER);
    const bytes = T.encode(T.fromObject({ name: 'x', lb_policy: 'MAGLEV', connect_timeout: { seconds: 2, nanos: 5 }, per_connection_buffer_limit_bytes: { value: 0 } })).finish();
    assert.deepEqual(decodeBinary(CLUSTER, bytes), { name: 'x', lb_policy: 'MAGLEV', connect_timeout: { seconds: 2, nanos: 5 }, per_connection_buffer_limit_bytes: { value: 0 } });
  });
});

describe('decodeBinary', () => {
  it('skips unknown fields, as protobuf does for newer servers', () => {
    const w = protobuf.Writer.create();
    w.uint32((999 << 3) | 0).uint32(5);
    w.uint32((998 << 3) | 2).string('later');
    w.uint32((fieldNo(CLUSTER, 'name') << 3) | 2).string('c1');
    assert.deepEqual(decodeBinary(CLUSTER, w.finish()), { name: 'c1' });
  });

  it('reads packed and unpacked repeated scalars', () => {
    const RP = 'envoy.config.route.v3.RetryPolicy';
    const n = fieldNo(RP, 'retriable_status_codes');
    const w = protobuf.Writer.create();
    w.uint32(n << 3).uint32(503);
    w.uint32((n << 3) | 2).fork().uint32(504).uint32(502).ldelim();
    assert.deepEqual(decodeBinary(RP, w.finish()), { retriable_status_codes: [503, 504, 502] });
    // weft writes them packed
    const bytes = encodeBinary(RP, { retriable_status_codes: [1, 2] });
    assert.deepEqual([...bytes], [(n << 3) | 2, 2, 1, 2]);
  });

  it('leaves out explicit defaults but keeps wrappers and oneof members at theirs', () => {
    const w = protobuf.Writer.create();
    w.uint32((fieldNo(CLUSTER, 'name') << 3) | 2).string('');
    w.uint32((fieldNo(CLUSTER, 'per_connection_buffer_limit_bytes') << 3) | 2).fork().ldelim();
    w.uint32((fieldNo(CLUSTER, 'type') << 3) | 0).uint32(0);
    assert.deepEqual(decodeBinary(CLUSTER, w.finish()), { per_connection_buffer_limit_bytes: { value: 0 }, type: 'STATIC' });
  });

  it('round-trips oneof members and wrappers at their default value', () => {
    const RM = 'envoy.config.route.v3.RouteMatch';
    assert.deepEqual(decodeBinary(RM, encodeBinary(RM, { prefix: '' })), { prefix: '' });
    const c = { type: 'STATIC', per_connection_buffer_limit_bytes: { value: 0 }, connect_timeout: { seconds: 0, nanos: 0 } };
    assert.deepEqual(decodeBinary(CLUSTER, encodeBinary(CLUSTER, c)), c);
  });

  it('lets the last member of a oneof win', () => {
    const RM = 'envoy.config.route.v3.RouteMatch';
    const w = protobuf.Writer.create();
    w.uint32((fieldNo(RM, 'prefix') << 3) | 2).string('/a');
    w.uint32((fieldNo(RM, 'path') << 3) | 2).string('/b');
    assert.deepEqual(decodeBinary(RM, w.finish()), { path: '/b' });
  });

  it('keeps enum numbers it does not know, and writes them back', () => {
    const w = protobuf.Writer.create();
    w.uint32(fieldNo(CLUSTER, 'lb_policy') << 3).uint32(42);
    const obj = decodeBinary<Obj>(CLUSTER, w.finish());
    assert.deepEqual(obj, { lb_policy: 42 });
    assert.deepEqual(decodeBinary(CLUSTER, encodeBinary(CLUSTER, obj)), { lb_policy: 42 });
  });

  it('keeps an Any of an unknown type as a placeholder that encodes back to the same bytes', () => {
    const F = 'envoy.config.listener.v3.Filter';
    const url = 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua';
    const w = protobuf.Writer.create();
    w.uint32((fieldNo(F, 'name') << 3) | 2).string('lua');
    w.uint32((fieldNo(F, 'typed_config') << 3) | 2).fork().uint32(10).string(url).uint32(18).bytes(new Uint8Array([10, 1, 120])).ldelim();
    const bytes = w.finish();
    const obj = decodeBinary<Obj>(F, bytes);
    assert.ok(isUnknownAny(obj.typed_config));
    assert.deepEqual(obj.typed_config, { '@type': url, '@unknown': true, value: new Uint8Array([10, 1, 120]) });
    assert.equal(Buffer.compare(Buffer.from(encodeBinary(F, obj)), Buffer.from(bytes)), 0);
    assert.deepEqual(toJson(F, obj), { name: 'lua', typed_config: { '@type': url, '@unknown': true, value: 'CgF4' } });
    // The list is scoped to the HTTP filter types (and cut after a few, so it does not name them all).
    assert.match(unsupportedTypeMessage(url), /^unsupported type "type\.googleapis\.com\/envoy\.extensions\.filters\.http\.lua\.v3\.Lua" \(weft supports: envoy\.extensions\.filters\.http\.[^,]+(, envoy\.extensions\.filters\.http\.[^,]+)*(, … \(\d+ more\))?\)$/);
  });

  it('decodes Struct, Value and ListValue into plain JSON', () => {
    const M = 'envoy.config.core.v3.Metadata';
    const md = { filter_metadata: { istio: { s: 'x', n: 1.5, b: false, z: null, l: [1, [2], { k: 'v' }], o: {} } } };
    assert.deepEqual(decodeBinary(M, encodeBinary(M, md)), md);
  });

  it('refuses nesting deeper than 100 messages', () => {
    const P = 'envoy.config.rbac.v3.Permission';
    const nest = (n: number): Obj => (n === 0 ? { any: true } : { and_rules: { rules: [nest(n - 1)] } });
    assert.deepEqual(decodeBinary(P, encodeBinary(P, nest(40))), nest(40));
    assert.throws(() => decodeBinary(P, encodeBinary(P, nest(60))), (e: unknown) => e instanceof ProtoCodecError && /nesting too deep/.test(e.message));
  });

  it('throws ProtoCodecError for truncated input', () => {
    const bytes = encodeBinary(CLUSTER, canonical(CLUSTER, istioCluster(1)));
    for (const cut of [1, 7, 100]) {
      assert.throws(() => decodeBinary(CLUSTER, bytes.subarray(0, bytes.length - cut)), (e: unknown) => e instanceof ProtoCodecError && e.code === 'WEFT_PROTO_CODEC');
    }
  });
});

describe('encodeBinary', () => {
  it('refuses a key that is not a field, naming its path', () => {
    assert.throws(
      () => encodeBinary(CLUSTER, { name: 'a', load_assignment: { endpoints: [{ lb_endpoints: [{}, { bogus: 1 }] }] } }),
      (e: unknown) => e instanceof ProtoCodecError && e.path === 'load_assignment.endpoints[0].lb_endpoints[1].bogus',
    );
  });

  it('refuses a value of the wrong type, naming its path', () => {
    assert.throws(() => encodeBinary(CLUSTER, { name: 5 }), (e: unknown) => e instanceof ProtoCodecError && e.path === 'name' && /expected string/.test(e.message));
    assert.throws(() => encodeBinary(CLUSTER, { lb_policy: 'NOPE' }), (e: unknown) => e instanceof ProtoCodecError && e.path === 'lb_policy');
  });

  it('refuses an Any of a type it cannot encode', () => {
    assert.throws(() => encodeBinary('envoy.config.listener.v3.Filter', { typed_config: { '@type': 'type.googleapis.com/x.Y' } }),
      (e: unknown) => e instanceof ProtoCodecError && e.path === 'typed_config' && /unsupported type "type.googleapis.com\/x.Y"/.test(e.message));
  });

  it('writes an Any with an empty payload without a value field', () => {
    const bytes = encodeBinary('google.protobuf.Any', { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' });
    assert.equal(bytes.length, 2 + 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'.length);
  });
});

describe('toJson', () => {
  it('prints what Envoy prints in config_dump', () => {
    const cluster = {
      name: 'c',
      connect_timeout: { seconds: 0, nanos: 250_000_000 },
      per_connection_buffer_limit_bytes: { value: 32768 },
      lb_policy: 'LEAST_REQUEST',
      metadata: { filter_metadata: { istio: { a: [1] } } },
      transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'x' } },
    };
    assert.deepEqual(toJson(CLUSTER, cluster), {
      name: 'c',
      connect_timeout: '0.250s',
      per_connection_buffer_limit_bytes: 32768,
      lb_policy: 'LEAST_REQUEST',
      metadata: { filter_metadata: { istio: { a: [1] } } },
      transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'x' } },
    });
  });

  it('prints 64-bit integers as strings, bytes as base64 and fields in declaration order', () => {
    assert.deepEqual(toJson('envoy.config.route.v3.RetryPolicy', { host_selection_retry_max_attempts: 5, retry_on: '5xx' }), { retry_on: '5xx', host_selection_retry_max_attempts: '5' });
    assert.deepEqual(Object.keys(toJson('envoy.config.route.v3.RetryPolicy', { host_selection_retry_max_attempts: 5, retry_on: '5xx' }) as Obj), ['retry_on', 'host_selection_retry_max_attempts']);
    assert.deepEqual(toJson('envoy.config.core.v3.DataSource', { inline_bytes: new Uint8Array([104, 105]) }), { inline_bytes: 'aGk=' });
  });

  it('formats Durations and Timestamps like protobuf', () => {
    const D = (seconds: number, nanos: number): unknown => toJson('google.protobuf.Duration', { seconds, nanos });
    assert.equal(D(1, 0), '1s');
    assert.equal(D(1, 500_000_000), '1.500s');
    assert.equal(D(0, 1_000), '0.000001s');
    assert.equal(D(0, 1), '0.000000001s');
    assert.equal(D(-1, -500_000_000), '-1.500s');
    assert.equal(D(0, -1_000_000), '-0.001s');
    assert.equal(toJson('google.protobuf.Timestamp', { seconds: 63108020, nanos: 21_000_000 }), '1972-01-01T10:00:20.021Z');
  });

  it('throws for a key that is not a field', () => {
    assert.throws(() => toJson(CLUSTER, { nam: 'x' }), (e: unknown) => e instanceof ProtoCodecError && e.path === 'nam');
  });
});

describe('type URLs and the descriptor', () => {
  it('builds and splits type URLs', () => {
    assert.equal(typeUrl(LISTENER), LISTENER_TYPE_URL);
    assert.equal(LISTENER_TYPE_URL, 'type.googleapis.com/envoy.config.listener.v3.Listener');
    assert.equal(ROUTE_CONFIGURATION_TYPE_URL, `${TYPE_URL_PREFIX}envoy.config.route.v3.RouteConfiguration`);
    assert.equal(CLUSTER_TYPE_URL, `${TYPE_URL_PREFIX}envoy.config.cluster.v3.Cluster`);
    assert.equal(CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, `${TYPE_URL_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`);
    assert.equal(SECRET_TYPE_URL, `${TYPE_URL_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`);
    assert.equal(typeNameFromUrl('example.com/a/b/envoy.config.cluster.v3.Cluster'), CLUSTER);
    assert.equal(typeNameFromUrl(CLUSTER), CLUSTER);
    for (const url of [LISTENER_TYPE_URL, ROUTE_CONFIGURATION_TYPE_URL, CLUSTER_TYPE_URL, CLUSTER_LOAD_ASSIGNMENT_TYPE_URL, SECRET_TYPE_URL]) {
      assert.ok(messageSchema(typeNameFromUrl(url)).fields.length > 0, url);
    }
  });

  it('loads the protobufjs Root once', () => {
    const root = loadDescriptor();
    assert.equal(loadDescriptor(), root);
    assert.equal(root.lookupType(CLUSTER).fields.connect_timeout.id, fieldNo(CLUSTER, 'connect_timeout'));
  });
});
