import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { CFG, ConfigErrors } from '../common/errors.js';
import { fromJson } from './codec.js';
import { FRONT_PROXY_BOOTSTRAP_YAML } from './codec-fixtures.js';
import { messageSchema } from './schema.js';
import { v2FieldHint, v2HintEntries } from './v2-hints.js';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE_MATCH = 'envoy.config.route.v3.RouteMatch';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Decodes and returns the result with every issue as `path: message`. */
function decode(typeName: string, json: unknown, path = ''): { out: Obj | undefined; issues: string[] } {
  const errs = new ConfigErrors();
  const out = fromJson<Obj>(typeName, json, path, errs);
  return { out, issues: errs.issues.map((i) => `${i.path}: ${i.message}`) };
}

function onlyIssue(typeName: string, json: unknown): string {
  const { issues } = decode(typeName, json);
  assert.equal(issues.length, 1, `expected exactly one issue, got ${JSON.stringify(issues)}`);
  return issues[0];
}

describe('fromJson: the seed-like v3 front-proxy bootstrap', () => {
  it('decodes cleanly into the canonical shape', () => {
    const { out, issues } = decode(BOOTSTRAP, YAML.parse(FRONT_PROXY_BOOTSTRAP_YAML));
    assert.deepEqual(issues, []);
    const listener = out!.static_resources.listeners[0];
    assert.deepEqual(listener.address, { socket_address: { address: '0.0.0.0', port_value: 80 } });
    const hcm = listener.filter_chains[0].filters[0].typed_config;
    assert.equal(hcm['@type'], 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
    assert.equal(hcm.stat_prefix, 'ingress_http');
    assert.deepEqual(hcm.route_config.virtual_hosts[0].routes[0], { match: { prefix: '/' }, route: { cluster: 'service1' } });
    assert.deepEqual(hcm.http_filters[0].typed_config, { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' });
    const cluster = out!.static_resources.clusters[0];
    assert.deepEqual(cluster.connect_timeout, { seconds: 0, nanos: 250_000_000 });
    assert.equal(cluster.type, 'STRICT_DNS');
    // ROUND_ROBIN is the enum's default (0): proto3 treats it as unset
    assert.equal('lb_policy' in cluster, false);
    assert.equal(out!.admin.address.socket_address.port_value, 9901);
  });

  it('accepts lowerCamel JSON names and normalises them to snake_case', () => {
    const { out, issues } = decode(BOOTSTRAP, { staticResources: { clusters: [{ name: 'a', connectTimeout: '1s', lbPolicy: 'RANDOM' }] } });
    assert.deepEqual(issues, []);
    assert.deepEqual(out, { static_resources: { clusters: [{ name: 'a', connect_timeout: { seconds: 1, nanos: 0 }, lb_policy: 'RANDOM' }] } });
  });

  it('refuses a field given both as snake_case and lowerCamel', () => {
    assert.equal(onlyIssue(CLUSTER, { name: 'a', connect_timeout: '1s', connectTimeout: '2s' }),
      'connect_timeout: field is set twice, as "connect_timeout" and as "connectTimeout"');
  });
});

describe('fromJson: field errors carry their full path', () => {
  it('reports an unknown field with the path, and suggests a near name', () => {
    const { issues } = decode(BOOTSTRAP, { static_resources: { clusters: [{ name: 'a' }, { name: 'b', foo: 1, lb_polcy: 'RANDOM' }] } });
    assert.deepEqual(issues, [
      'static_resources.clusters[1].foo: unknown field "foo"',
      'static_resources.clusters[1].lb_polcy: unknown field "lb_polcy" (did you mean "lb_policy"?)',
    ]);
  });

  it('collects every error and keeps going', () => {
    const { out, issues } = decode(BOOTSTRAP, {
      static_resources: {
        clusters: [
          { name: 'ok', type: 'STATIC' },
          { name: 'x', lb_policy: 'ROUND_ROBN', connect_timeout: 5 },
          { name: 'y', per_connection_buffer_limit_bytes: -1 },
        ],
      },
      admin: { address: 'localhost' },
    });
    assert.deepEqual(issues, [
      'static_resources.clusters[1].lb_policy: unknown enum value "ROUND_ROBN" (expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG)',
      'static_resources.clusters[1].connect_timeout: expected duration string like "1.5s", got number 5',
      'static_resources.clusters[2].per_connection_buffer_limit_bytes: uint32 must not be negative, got -1',
      'admin.address: expected object (envoy.config.core.v3.Address), got string "localhost"',
    ]);
    // the valid parts are still decoded ("type" is in a oneof, so its default STATIC stays set)
    assert.deepEqual(out!.static_resources.clusters[0], { name: 'ok', type: 'STATIC' });
    assert.deepEqual(out!.static_resources.clusters[1], { name: 'x' });
  });

  it('prefixes the caller path', () => {
    const { issues } = decode(CLUSTER, { nme: 'a' }, 'clusters["web"]');
    assert.deepEqual(issues, ['clusters["web"].nme: unknown field "nme" (did you mean "name"?)']);
  });

  it('returns undefined for a document that is not an object', () => {
    const { out, issues } = decode(BOOTSTRAP, null);
    assert.equal(out, undefined);
    assert.deepEqual(issues, [': expected object (envoy.config.bootstrap.v3.Bootstrap), got null']);
  });
});

describe('fromJson: JSON types of scalars', () => {
  const ADDR = 'envoy.config.core.v3.SocketAddress';
  it('refuses the wrong JSON type for a string, bool and message', () => {
    assert.equal(onlyIssue(ADDR, { address: { a: 1 } }), 'address: expected string, got object');
    assert.equal(onlyIssue(ADDR, { address: 1 }), 'address: expected string, got number 1');
    assert.equal(onlyIssue(ADDR, { ipv4_compat: 'true' }), 'ipv4_compat: expected boolean (true or false), got string "true"');
    assert.equal(onlyIssue('envoy.config.core.v3.Address', { socket_address: [] }), 'socket_address: expected object (envoy.config.core.v3.SocketAddress), got array');
  });

  it('checks integers: whole, in range, not negative when unsigned; accepts decimal strings', () => {
    assert.equal(onlyIssue(ADDR, { port_value: 1.5 }), 'port_value: expected uint32 (an integer), got number 1.5');
    assert.equal(onlyIssue(ADDR, { port_value: -1 }), 'port_value: uint32 must not be negative, got -1');
    assert.equal(onlyIssue(ADDR, { port_value: 4294967296 }), 'port_value: value 4294967296 is out of range for uint32');
    assert.equal(onlyIssue(ADDR, { port_value: 'eighty' }), 'port_value: expected uint32 (an integer), got string "eighty"');
    assert.deepEqual(decode(ADDR, { port_value: '8080' }).out, { port_value: 8080 });
    // int32: envoy.type.v3.Int32Range start
    assert.equal(onlyIssue('envoy.type.v3.Int32Range', { start: 2147483648 }), 'start: value 2147483648 is out of range for int32');
    assert.deepEqual(decode('envoy.type.v3.Int32Range', { start: -5, end: '7' }).out, { start: -5, end: 7 });
  });

  it('takes 64-bit integers as numbers or decimal strings', () => {
    const R = 'envoy.type.v3.Int64Range';
    assert.deepEqual(decode(R, { start: '-9007199254740991', end: 42 }).out, { start: -9007199254740991, end: 42 });
    assert.equal(onlyIssue(R, { start: '9223372036854775808' }), 'start: value 9223372036854775808 is out of range for int64');
    assert.equal(onlyIssue(R, { start: '12abc' }), 'start: expected int64 (an integer), got string "12abc"');
    assert.equal(onlyIssue('google.protobuf.UInt64Value', '-1'), ': uint64 must not be negative, got -1');
    assert.deepEqual(decode('google.protobuf.UInt64Value', '18446744073709551615').issues, []);
    assert.equal(onlyIssue('google.protobuf.UInt64Value', '18446744073709551616'), ': value 18446744073709551616 is out of range for uint64');
  });

  it('takes doubles as numbers and the special strings', () => {
    const P = 'envoy.type.v3.Percent';
    assert.deepEqual(decode(P, { value: 12.5 }).out, { value: 12.5 });
    assert.deepEqual(decode(P, { value: '0.5' }).out, { value: 0.5 });
    assert.ok(Number.isNaN(decode(P, { value: 'NaN' }).out!.value));
    assert.equal(onlyIssue(P, { value: true }), 'value: expected double (a number), got boolean true');
  });

  it('decodes bytes from base64 and refuses what is not base64', () => {
    const D = 'envoy.config.core.v3.DataSource';
    const { out } = decode(D, { inline_bytes: 'aGVsbG8=' });
    assert.ok(out!.inline_bytes instanceof Uint8Array);
    assert.equal(Buffer.from(out!.inline_bytes).toString(), 'hello');
    assert.equal(Buffer.from(decode(D, { inline_bytes: 'aGVsbG8' }).out!.inline_bytes).toString(), 'hello'); // unpadded
    assert.equal(onlyIssue(D, { inline_bytes: 'not base64!' }), 'inline_bytes: invalid base64 "not base64!"');
  });

  it('treats null as unset', () => {
    const { out, issues } = decode(CLUSTER, { name: 'a', connect_timeout: null, load_assignment: null, lb_policy: null });
    assert.deepEqual(issues, []);
    assert.deepEqual(out, { name: 'a' });
  });
});

describe('fromJson: enums', () => {
  it('takes names or numbers and stores names', () => {
    assert.deepEqual(decode(CLUSTER, { lb_policy: 'MAGLEV' }).out, { lb_policy: 'MAGLEV' });
    assert.deepEqual(decode(CLUSTER, { lb_policy: 5 }).out, { lb_policy: 'MAGLEV' });
  });
  it('lists the valid names for an unknown name or number', () => {
    assert.equal(onlyIssue(CLUSTER, { type: 'DNS' }), 'type: unknown enum value "DNS" (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST)');
    assert.equal(onlyIssue(CLUSTER, { type: 9 }), 'type: unknown enum number 9 (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST)');
    assert.equal(onlyIssue(CLUSTER, { type: true }), 'type: expected DiscoveryType enum name (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST), got boolean true');
  });
});

describe('fromJson: enum names read as Envoy reads them (case_insensitive_enum_parsing)', () => {
  const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
  const TLS_PARAMS = 'envoy.extensions.transport_sockets.tls.v3.TlsParameters';
  // [type, field, written, stored or undefined when refused]
  const table: [string, string, string, string | undefined][] = [
    [HCM, 'codec_type', 'auto', undefined], // AUTO is the default: stored as unset
    [HCM, 'codec_type', 'http2', 'HTTP2'],
    [HCM, 'codec_type', 'Http1', 'HTTP1'],
    [CLUSTER, 'type', 'strict_dns', 'STRICT_DNS'],
    [CLUSTER, 'type', 'Logical_Dns', 'LOGICAL_DNS'],
    [CLUSTER, 'lb_policy', 'least_request', 'LEAST_REQUEST'],
    [CLUSTER, 'lb_policy', 'round_robin', undefined],
    [CLUSTER, 'lb_policy', 'maglev', 'MAGLEV'],
    // mixed-case names match exactly; only upper-casing is tried after that
    [TLS_PARAMS, 'tls_minimum_protocol_version', 'TLSv1_2', 'TLSv1_2'],
    [TLS_PARAMS, 'tls_minimum_protocol_version', 'tlsv1_2', '!'],
    [CLUSTER, 'type', 'strict-dns', '!'],
    [CLUSTER, 'type', 'strictdns', '!'],
  ];
  for (const [type, field, written, stored] of table) {
    it(`${field}: ${JSON.stringify(written)} → ${stored ?? '(default)'}`, () => {
      const { out, issues } = decode(type, { [field]: written });
      if (stored === '!') {
        assert.equal(issues.length, 1);
        assert.match(issues[0]!, new RegExp(`^${field}: unknown enum value`));
        return;
      }
      assert.deepEqual(issues, []);
      assert.equal(out?.[field], stored);
    });
  }
});

describe('fromJson: repeated fields, maps and oneofs', () => {
  // Envoy's JsonStringToMessage parses with allow_legacy_syntax: a single
  // element in place of the array is a one-element list.
  // [case, type, written, decoded field, the one issue or undefined]
  const VH = 'envoy.config.route.v3.VirtualHost';
  const FILTER_CHAIN = 'envoy.config.listener.v3.FilterChain';
  const TLS_CTX = 'envoy.extensions.transport_sockets.tls.v3.CommonTlsContext';
  const single: [string, string, Obj, unknown, string | undefined][] = [
    ['a list stays a list', VH, { domains: ['a', 'b'] }, ['a', 'b'], undefined],
    ['a single string is a one-element list', VH, { domains: '*' }, ['*'], undefined],
    ['a single message is a one-element list', FILTER_CHAIN, { filters: { name: 'f' } }, [{ name: 'f' }], undefined],
    ['a single TlsCertificate is a one-element list', TLS_CTX, { tls_certificates: { certificate_chain: { filename: 'c.pem' } } },
      [{ certificate_chain: { filename: 'c.pem' } }], undefined],
    ['a single enum name is a one-element list', 'envoy.config.core.v3.HealthStatusSet', { statuses: 'healthy' }, ['HEALTHY'], undefined],
    ['a single value of the wrong type is refused at the field', VH, { domains: 7 }, undefined, 'domains: expected string, got number 7'],
    ['a single message is checked field by field', FILTER_CHAIN, { filters: { nme: 'f' } }, [{}], 'filters.nme: unknown field "nme" (did you mean "name"?)'],
    ['null elements in a list are refused', VH, { domains: ['a', null] }, ['a'], 'domains[1]: null is not allowed in a list'],
  ];
  for (const [what, type, json, want, issue] of single) {
    it(`repeated fields: ${what}`, () => {
      const { out, issues } = decode(type, json);
      assert.deepEqual(issues, issue === undefined ? [] : [issue]);
      const field = Object.keys(json)[0];
      if (field !== undefined) assert.deepEqual(out?.[field], want);
    });
  }

  it('requires objects for maps and puts the key in the path', () => {
    const RC = 'envoy.config.route.v3.RouteConfiguration';
    assert.equal(onlyIssue(RC, { typed_per_filter_config: [] }), 'typed_per_filter_config: expected object (map<string, google.protobuf.Any>), got array');
    assert.equal(onlyIssue(RC, { typed_per_filter_config: { 'envoy.filters.http.fault': { delay: {} } } }),
      'typed_per_filter_config["envoy.filters.http.fault"]: missing "@type" (an Any names its message, e.g. "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router")');
  });

  it('converts map keys per key type', () => {
    const SI = 'google.api.expr.v1alpha1.SourceInfo'; // map<int64, int32> positions
    assert.deepEqual(decode(SI, { positions: { '007': 1, '-2': 3 } }).out, { positions: { 7: 1, '-2': 3 } });
    assert.equal(onlyIssue(SI, { positions: { x: 1 } }), 'positions["x"]: invalid map key "x" (expected int64)');
  });

  it('refuses two members of a oneof, naming both', () => {
    assert.equal(onlyIssue(ROUTE_MATCH, { prefix: '/', path: '/a' }), 'path: oneof "path_specifier" has both "prefix" and "path" set; set only one');
  });

  it('keeps a oneof member at its default value (presence matters)', () => {
    assert.deepEqual(decode(ROUTE_MATCH, { prefix: '' }).out, { prefix: '' });
  });
});

describe('fromJson: well-known types', () => {
  it('reads Durations as strings or {seconds, nanos}', () => {
    const C = (t: unknown): unknown => decode(CLUSTER, { connect_timeout: t }).out!.connect_timeout;
    assert.deepEqual(C('1.5s'), { seconds: 1, nanos: 500_000_000 });
    assert.deepEqual(C('-0.001s'), { seconds: 0, nanos: -1_000_000 });
    assert.deepEqual(C('0s'), { seconds: 0, nanos: 0 });
    assert.deepEqual(C({ seconds: 2 }), { seconds: 2, nanos: 0 });
    assert.deepEqual(C({ seconds: '3', nanos: 5 }), { seconds: 3, nanos: 5 });
    assert.equal(onlyIssue(CLUSTER, { connect_timeout: '5' }), 'connect_timeout: invalid duration "5" (expected seconds with an "s" suffix, e.g. "1.5s")');
    assert.equal(onlyIssue(CLUSTER, { connect_timeout: '1.5ms' }), 'connect_timeout: invalid duration "1.5ms" (expected seconds with an "s" suffix, e.g. "1.5s")');
    assert.equal(onlyIssue(CLUSTER, { connect_timeout: { seconds: 1, nanos: -1 } }), 'connect_timeout: duration seconds and nanos must have the same sign');
    assert.equal(onlyIssue(CLUSTER, { connect_timeout: { secs: 1 } }), 'connect_timeout.secs: unknown field "secs"');
  });

  it('reads Timestamps in RFC 3339', () => {
    const T = 'envoy.admin.v3.UpdateFailureState';
    assert.deepEqual(decode(T, { last_update_attempt: '1972-01-01T10:00:20.021Z' }).out, { last_update_attempt: { seconds: 63108020, nanos: 21_000_000 } });
    assert.deepEqual(decode(T, { last_update_attempt: '1970-01-01T01:00:00+01:00' }).out, { last_update_attempt: { seconds: 0, nanos: 0 } });
    assert.equal(onlyIssue(T, { last_update_attempt: '2024-02-30T00:00:00Z' }), 'last_update_attempt: invalid timestamp "2024-02-30T00:00:00Z" (expected RFC 3339, e.g. "2024-01-31T12:00:00Z")');
  });

  it('reads wrappers as the plain value and keeps their default', () => {
    assert.deepEqual(decode(CLUSTER, { per_connection_buffer_limit_bytes: 0 }).out, { per_connection_buffer_limit_bytes: { value: 0 } });
    assert.deepEqual(decode('envoy.config.core.v3.Http1ProtocolOptions', { allow_absolute_url: false }).out, { allow_absolute_url: { value: false } });
    assert.equal(onlyIssue(CLUSTER, { per_connection_buffer_limit_bytes: { value: 5 } }),
      'per_connection_buffer_limit_bytes: expected uint32, got object (a google.protobuf.UInt32Value is written as the plain value, not {value: ...})');
  });

  it('reads Struct and Value as arbitrary JSON', () => {
    const md = { filter_metadata: { istio: { a: [1, 'x', null, { b: true }], n: null } } };
    assert.deepEqual(decode('envoy.config.core.v3.Metadata', md).out, md);
    assert.equal(onlyIssue('envoy.config.core.v3.Metadata', { filter_metadata: { istio: 'x' } }), 'filter_metadata["istio"]: expected object (google.protobuf.Struct), got string "x"');
    assert.deepEqual(decode('google.protobuf.Value', null).issues.length, 1); // the root cannot be null
    assert.deepEqual(decode('google.protobuf.ListValue', [1, 2]).out, [1, 2]);
  });

  it('reads Empty as {} and refuses fields in it', () => {
    assert.deepEqual(decode('google.protobuf.Empty', {}).out, {});
    assert.equal(onlyIssue('google.protobuf.Empty', { a: 1 }), 'a: unknown field "a"');
  });
});

describe('fromJson: Any', () => {
  const FILTER = 'envoy.config.listener.v3.Filter';
  it('decodes the payload with the named type, inner paths under the Any field', () => {
    const { out, issues } = decode(FILTER, {
      name: 'hcm',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 's', statPrefx: 1, codec_type: 'AUTO2' },
    });
    assert.deepEqual(issues, [
      'typed_config.statPrefx: unknown field "statPrefx" (did you mean "stat_prefix"?)',
      'typed_config.codec_type: unknown enum value "AUTO2" (expected one of AUTO, HTTP1, HTTP2, HTTP3)',
    ]);
    assert.deepEqual(out!.typed_config, { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 's' });
  });

  it('normalises any type URL host to type.googleapis.com', () => {
    const { out } = decode(FILTER, { typed_config: { '@type': 'example.com/x/envoy.extensions.filters.http.router.v3.Router' } });
    assert.equal(out!.typed_config['@type'], 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router');
  });

  it('keeps an Any of an unknown type as a placeholder with a pending error, and lists nothing (the position does)', () => {
    const errs = new ConfigErrors();
    const out = fromJson<Obj>(FILTER, { name: 'lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', inline_code: 'x' } }, '', errs);
    assert.deepEqual(out, { name: 'lua', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', '@unknown': true } });
    assert.deepEqual(errs.errors.map((e) => [e.code, e.path]), [[CFG.UNSUPPORTED_EXTENSION, 'typed_config']]);
    // The descriptor also holds types only the control plane uses: listing them here would mislead.
    assert.doesNotMatch(errs.errors[0]!.message, /supports/);
    assert.equal(errs.onlyUnclaimedExtensions, true);
    errs.claimExtension('typed_config');
    assert.equal(errs.hasErrors, false);
  });

  it('suggests the v3 type for a v2 type URL', () => {
    const msg = onlyIssue(FILTER, { typed_config: { '@type': 'type.googleapis.com/envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager' } });
    assert.match(msg, /; did you mean "type\.googleapis\.com\/envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager"\?$/);
  });

  it('requires "@type" and a URL with a slash', () => {
    assert.match(onlyIssue(FILTER, { typed_config: { stat_prefix: 'x' } }), /^typed_config: missing "@type"/);
    assert.equal(onlyIssue(FILTER, { typed_config: { '@type': 'envoy.extensions.filters.http.router.v3.Router' } }),
      'typed_config.@type: invalid type URL "envoy.extensions.filters.http.router.v3.Router" (expected "type.googleapis.com/<full.type.Name>")');
  });

  it('reads well-known payloads from "value"', () => {
    const M = 'envoy.config.core.v3.Metadata';
    const d = decode(M, { typed_filter_metadata: { a: { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' }, b: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { k: 1 } } } });
    assert.deepEqual(d.issues, []);
    assert.deepEqual(d.out, { typed_filter_metadata: {
      a: { '@type': 'type.googleapis.com/google.protobuf.Duration', seconds: 2, nanos: 0 },
      b: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { k: 1 } },
    } });
    assert.deepEqual(decode(M, { typed_filter_metadata: { a: { '@type': 'type.googleapis.com/google.protobuf.Duration', seconds: 2 } } }).issues, [
      'typed_filter_metadata["a"].seconds: unknown field "seconds" (an Any of google.protobuf.Duration holds only "@type" and "value")',
      'typed_filter_metadata["a"].value: missing "value" (an Any of google.protobuf.Duration holds its JSON under "value")',
    ]);
  });
});

describe('fromJson: Envoy v2 fields get a v3 hint', () => {
  it('explains "config" on a network filter', () => {
    assert.equal(onlyIssue(BOOTSTRAP, { static_resources: { listeners: [{ name: 'l', filter_chains: [{ filters: [{ name: 'envoy.http_connection_manager', config: { stat_prefix: 'x' } }] }] }] } }),
      'static_resources.listeners[0].filter_chains[0].filters[0].config: field "config" is the v2 form; Envoy v3 uses "typed_config" with an "@type"');
  });

  it('explains "hosts" on a cluster and "perFilterConfig" in camelCase', () => {
    assert.match(onlyIssue(CLUSTER, { name: 'c', hosts: [{ socket_address: { address: 'a', port_value: 1 } }] }), /^hosts: field "hosts" is the v2 form; Envoy v3 uses "load_assignment"/);
    assert.match(onlyIssue('envoy.config.route.v3.Route', { perFilterConfig: {} }), /^perFilterConfig: field "per_filter_config" is the v2 form; Envoy v3 uses "typed_per_filter_config"/);
  });

  it('names only fields that v3 really lacks, on types that exist', () => {
    for (const [type, field] of v2HintEntries()) {
      const s = messageSchema(type); // throws if the type is gone
      assert.equal(s.byName.has(field), false, `${type}.${field} exists in v3`);
      assert.ok(v2FieldHint(type, field));
    }
    assert.equal(v2FieldHint('envoy.config.cluster.v3.Cluster', 'name'), undefined);
  });
});
