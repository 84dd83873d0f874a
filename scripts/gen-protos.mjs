// Generates weft's protobuf artefacts from the Envoy/xDS/Google protos that
// the @grpc/grpc-js-xds registry package ships under deps/:
//   gen/envoy-descriptor.json  pruned protobufjs JSON descriptor (only the types
//                              reachable from ROOT_TYPES, no comments/options)
//   src/xds/gen/types.ts       TypeScript interfaces for the canonical object
//                              shape produced by src/xds/codec.ts
// Both outputs are build products (gitignored); never edit them by hand.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const includeDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d));
// google/protobuf/descriptor.proto (needed by option annotations) ships with protobufjs
includeDirs.push(path.dirname(require.resolve('protobufjs/package.json')));

// Files whose types weft decodes, encodes or serves. A type not reachable from
// here is reported as an unsupported extension when it appears in an Any.
const FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  // envoy.filters.http.ext_authz and the Authorization service it calls
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/filters/http/csrf/v3/csrf.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/filters/http/header_to_metadata/v3/header_to_metadata.proto',
  'envoy/extensions/filters/network/direct_response/v3/config.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  // HCM tracing providers weft runs (envoy.tracers.zipkin, envoy.tracers.opentelemetry)
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/health/v3/hds.proto',
  // overload_manager resource monitors weft implements
  'envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
  'envoy/admin/v3/config_dump.proto',
  // TypedStruct: how Istio configures its own filters (istio.stats, istio.metadata_exchange)
  'xds/type/v3/typed_struct.proto',
  'udpa/type/v1/typed_struct.proto',
  'google/protobuf/wrappers.proto',
  'google/protobuf/struct.proto',
  'google/protobuf/duration.proto',
  'google/protobuf/timestamp.proto',
  'google/protobuf/empty.proto',
  'google/rpc/status.proto',
];

const ROOT_TYPES = [
  'envoy.config.bootstrap.v3.Bootstrap',
  'envoy.config.listener.v3.Listener',
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.route.v3.RouteConfiguration',
  'envoy.config.route.v3.FilterConfig',
  'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.extensions.transport_sockets.tls.v3.Secret',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.extensions.filters.http.router.v3.Router',
  'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  'envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit',
  'envoy.extensions.filters.http.rbac.v3.RBAC',
  'envoy.extensions.filters.http.rbac.v3.RBACPerRoute',
  'envoy.extensions.filters.network.rbac.v3.RBAC',
  'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
  'envoy.service.auth.v3.Authorization',
  'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.extensions.filters.http.cors.v3.CorsPolicy',
  'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.extensions.filters.http.compressor.v3.Compressor',
  'envoy.extensions.filters.http.compressor.v3.CompressorPerRoute',
  'envoy.extensions.compression.gzip.compressor.v3.Gzip',
  'envoy.extensions.compression.brotli.compressor.v3.Brotli',
  'envoy.extensions.filters.http.csrf.v3.CsrfPolicy',
  'envoy.extensions.filters.http.buffer.v3.Buffer',
  'envoy.extensions.filters.http.buffer.v3.BufferPerRoute',
  'envoy.extensions.filters.http.header_to_metadata.v3.Config',
  'envoy.extensions.filters.network.direct_response.v3.Config',
  'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  'envoy.config.trace.v3.ZipkinConfig',
  'envoy.config.trace.v3.OpenTelemetryConfig',
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
  'envoy.service.discovery.v3.AggregatedDiscoveryService',
  'envoy.service.listener.v3.ListenerDiscoveryService',
  'envoy.service.route.v3.RouteDiscoveryService',
  'envoy.service.cluster.v3.ClusterDiscoveryService',
  'envoy.service.endpoint.v3.EndpointDiscoveryService',
  'envoy.service.secret.v3.SecretDiscoveryService',
  'envoy.service.health.v3.HealthDiscoveryService',
  'envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig',
  'envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
  // stats sinks from the bootstrap's own stats.proto: decoded so stats_sinks can refuse them by name with the other errors
  'envoy.config.metrics.v3.StatsdSink', 'envoy.config.metrics.v3.DogStatsdSink', 'envoy.config.metrics.v3.HystrixSink',
  'envoy.admin.v3.ConfigDump',
  'envoy.admin.v3.BootstrapConfigDump',
  'envoy.admin.v3.ListenersConfigDump',
  'envoy.admin.v3.ClustersConfigDump',
  'envoy.admin.v3.RoutesConfigDump',
  'envoy.admin.v3.EndpointsConfigDump',
  'google.protobuf.Empty',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.UInt32Value',
  'google.protobuf.Int32Value', 'google.protobuf.UInt64Value', 'google.protobuf.Int64Value',
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.BytesValue',
  'google.protobuf.Timestamp',
  'xds.type.v3.TypedStruct', 'udpa.type.v1.TypedStruct',
];

const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  for (const dir of includeDirs) {
    const p = path.join(dir, target);
    if (fs.existsSync(p)) return p;
  }
  return protobuf.util.path.resolve(origin, target);
};
root.loadSync(FILES, { keepCase: true });
root.resolveAll();

// Reachability closure over message fields, enums and service methods.
const keep = new Set();
const queue = [];
const visit = (t) => {
  if (!t || keep.has(t.fullName)) return;
  keep.add(t.fullName);
  queue.push(t);
};
for (const n of ROOT_TYPES) visit(root.lookup(n));
while (queue.length) {
  const t = queue.pop();
  if (t instanceof protobuf.Type) {
    for (const f of t.fieldsArray) if (f.resolvedType) visit(f.resolvedType);
  } else if (t instanceof protobuf.Service) {
    for (const m of t.methodsArray) { visit(m.resolvedRequestType); visit(m.resolvedResponseType); }
  }
  // a nested type's parent must exist as a type in the output, not only a namespace
  if (t.parent && (t.parent instanceof protobuf.Type)) visit(t.parent);
}

// JSON descriptor, pruned. Options are dropped except the ones the codec uses.
const KEEP_FIELD_OPTIONS = new Set(['deprecated', 'packed']);
function prune(ns) {
  const out = {};
  if (ns instanceof protobuf.Type) {
    out.fields = {};
    for (const f of ns.fieldsArray) {
      const fj = { type: f.type, id: f.id };
      if (f.rule === 'repeated') fj.rule = 'repeated';
      if (f.map) { fj.keyType = f.keyType; }
      if (f.options) {
        const o = {};
        for (const [k, v] of Object.entries(f.options)) if (KEEP_FIELD_OPTIONS.has(k)) o[k] = v;
        if (Object.keys(o).length) fj.options = o;
      }
      out.fields[f.name] = fj;
    }
    if (ns.oneofsArray.length) {
      out.oneofs = {};
      for (const o of ns.oneofsArray) out.oneofs[o.name] = { oneof: o.oneof.slice() };
    }
    if (ns.reserved && ns.reserved.length) out.reserved = ns.reserved;
  } else if (ns instanceof protobuf.Enum) {
    return { values: { ...ns.values } };
  } else if (ns instanceof protobuf.Service) {
    out.methods = {};
    for (const m of ns.methodsArray) {
      out.methods[m.name] = { requestType: m.requestType, responseType: m.responseType, ...(m.requestStream ? { requestStream: true } : {}), ...(m.responseStream ? { responseStream: true } : {}) };
    }
  }
  const nested = {};
  for (const child of ns.nestedArray || []) {
    const hasKept = (c) => keep.has(c.fullName.replace(/^\./, '')) || (c.nestedArray || []).some(hasKept);
    if (!hasKept(child)) continue;
    if ((child instanceof protobuf.Type || child instanceof protobuf.Enum || child instanceof protobuf.Service) && !keep.has(child.fullName.replace(/^\./, ''))) {
      // kept only as a container of kept types: emit as a plain namespace
      const sub = prune(new protobuf.Namespace(child.name));
      sub.nested = prune(child).nested;
      nested[child.name] = sub;
      continue;
    }
    nested[child.name] = prune(child);
  }
  if (Object.keys(nested).length) out.nested = nested;
  return out;
}
// keep set holds names without the leading dot
const keepNames = new Set([...keep].map((n) => n.replace(/^\./, '')));
keep.clear();
for (const n of keepNames) keep.add(n);
const descriptor = prune(root);
fs.mkdirSync(path.join(repo, 'gen'), { recursive: true });
fs.writeFileSync(path.join(repo, 'gen', 'envoy-descriptor.json'), JSON.stringify(descriptor));

// TypeScript interfaces for the canonical shape (see src/xds/codec.ts):
// snake_case keys, enums as string names, 64-bit integers as numbers, bytes as
// Uint8Array, Struct/Value as plain JSON, Any as { '@type': string, ...fields }.
const WKT_TS = {
  'google.protobuf.Struct': 'Record<string, unknown>',
  'google.protobuf.Value': 'unknown',
  'google.protobuf.ListValue': 'unknown[]',
  'google.protobuf.Any': 'AnyMessage',
};
const SCALAR_TS = {
  double: 'number', float: 'number', int32: 'number', uint32: 'number', sint32: 'number', fixed32: 'number', sfixed32: 'number',
  int64: 'number', uint64: 'number', sint64: 'number', fixed64: 'number', sfixed64: 'number',
  bool: 'boolean', string: 'string', bytes: 'Uint8Array',
};
const tsName = (fullName) => fullName.replace(/^\./, '').replace(/\./g, '_');
let ts = '// Generated by scripts/gen-protos.mjs from the protos in @grpc/grpc-js-xds. Do not edit.\n';
ts += '/* eslint-disable */\n';
ts += "export interface AnyMessage { '@type': string; [field: string]: unknown }\n";
const sorted = [...keep].sort();
for (const name of sorted) {
  const t = root.lookup(name);
  if (t instanceof protobuf.Enum) {
    ts += `export type ${tsName(name)} = ${Object.keys(t.values).map((v) => JSON.stringify(v)).join(' | ') || 'never'};\n`;
  } else if (t instanceof protobuf.Type) {
    if (WKT_TS[name]) { ts += `export type ${tsName(name)} = ${WKT_TS[name]};\n`; continue; }
    ts += `export interface ${tsName(name)} {\n`;
    for (const f of t.fieldsArray) {
      let ft;
      if (f.resolvedType) {
        const rn = f.resolvedType.fullName.replace(/^\./, '');
        ft = WKT_TS[rn] ?? tsName(rn);
      } else ft = SCALAR_TS[f.type] ?? 'unknown';
      if (f.map) ft = `Record<string, ${ft}>`;
      else if (f.rule === 'repeated') ft = `${ft}[]`;
      ts += `  ${f.name}?: ${ft};\n`;
    }
    ts += '}\n';
  }
}
fs.mkdirSync(path.join(repo, 'src', 'xds', 'gen'), { recursive: true });
fs.writeFileSync(path.join(repo, 'src', 'xds', 'gen', 'types.ts'), ts);
console.log(`gen-protos: ${keep.size} types -> gen/envoy-descriptor.json (${fs.statSync(path.join(repo, 'gen', 'envoy-descriptor.json')).size} bytes), src/xds/gen/types.ts`);
