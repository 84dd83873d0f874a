// A small SecretDiscoveryService (StreamSecrets) on grpc-js, for tests: it
// answers each stream's first request with the current secret of the name
// asked for, pushes new versions on demand, and records every request
// (versions ACKed, NACK details) as a real SDS server (istio-agent) sees them.
import * as grpc from '@grpc/grpc-js';
import { decodeBinary, encodeBinary } from '../../src/xds/codec.js';
import type { envoy_service_discovery_v3_DiscoveryRequest } from '../../src/xds/gen/types.js';
import { SECRET_TYPE_URL } from '../../src/xds/type-urls.js';

const REQ = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESP = 'envoy.service.discovery.v3.DiscoveryResponse';

export interface TestSecret {
  /** The Secret's fields (name, tls_certificate, validation_context), proto3 canonical form. */
  readonly [field: string]: unknown;
}

export interface SdsTestServer {
  /** `127.0.0.1:port` or `unix:/path`, as bound. */
  readonly address: string;
  /** TCP port (0 for a Unix socket). */
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: envoy_service_discovery_v3_DiscoveryRequest[];
  /** Sets the served value of a secret and pushes it to every open stream that asked for it. */
  push(name: string, version: string, resources: readonly TestSecret[]): void;
  /** Open streams now. */
  streams(): number;
  close(): Promise<void>;
}

const bytes = (b: Buffer) => b;

export async function startSdsServer(bind: string): Promise<SdsTestServer> {
  const requests: envoy_service_discovery_v3_DiscoveryRequest[] = [];
  const served = new Map<string, { version: string; resources: readonly TestSecret[] }>();
  const open = new Set<{ name: string; call: grpc.ServerDuplexStream<Buffer, Buffer> }>();
  let nonce = 0;
  const send = (call: grpc.ServerDuplexStream<Buffer, Buffer>, name: string) => {
    const s = served.get(name);
    if (!s) return;
    call.write(Buffer.from(encodeBinary(RESP, {
      version_info: s.version,
      type_url: SECRET_TYPE_URL,
      nonce: String(++nonce),
      resources: s.resources.map((r) => ({ '@type': SECRET_TYPE_URL, ...r })),
    })));
  };
  const server = new grpc.Server();
  server.addService(
    {
      StreamSecrets: {
        path: '/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets',
        requestStream: true,
        responseStream: true,
        requestSerialize: bytes,
        requestDeserialize: bytes,
        responseSerialize: bytes,
        responseDeserialize: bytes,
      },
    },
    {
      StreamSecrets: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        let entry: { name: string; call: grpc.ServerDuplexStream<Buffer, Buffer> } | undefined;
        call.on('data', (b: Buffer) => {
          const req = decodeBinary<envoy_service_discovery_v3_DiscoveryRequest>(REQ, b);
          requests.push(req);
          if (!entry) {
            entry = { name: req.resource_names?.[0] ?? '', call };
            open.add(entry);
            send(call, entry.name);
          }
        });
        const done = () => {
          if (entry) open.delete(entry);
          call.end();
        };
        call.on('end', done);
        call.on('error', done);
        call.on('cancelled', done);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(bind, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    address: bind.startsWith('unix:') ? bind : `127.0.0.1:${port}`,
    port: bind.startsWith('unix:') ? 0 : port,
    requests,
    push(name, version, resources) {
      served.set(name, { version, resources });
      for (const s of open) if (s.name === name) send(s.call, name);
    },
    streams: () => open.size,
    close: () => new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
      for (const s of open) s.call.end();
    }),
  };
}

/**
 * A STATIC gRPC (HTTP/2) cluster for a bootstrap's `clusters:` list, as xDS
 * and SDS clusters are written: `endpointAddress` is the YAML of one
 * endpoint's address (`{ socket_address: {...} }` or `{ pipe: { path } }`).
 */
export function grpcClusterYaml(name: string, endpointAddress: string): string {
  return `  - name: ${name}
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
        - endpoint: { address: ${endpointAddress} }
`;
}
