// A minimal xDS client for tests and benchmarks: raw bidi gRPC streams on the
// xDS and HDS methods, messages encoded and decoded with weft's codec. It
// does nothing on its own (no ACKs), so tests drive the protocol by hand.
import * as grpc from '@grpc/grpc-js';
import { decodeBinary, encodeBinary } from '../../xds/codec.js';
import type {
  envoy_service_discovery_v3_DeltaDiscoveryRequest, envoy_service_discovery_v3_DeltaDiscoveryResponse,
  envoy_service_discovery_v3_DiscoveryRequest, envoy_service_discovery_v3_DiscoveryResponse,
  envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse, envoy_service_health_v3_HealthCheckSpecifier,
} from '../../xds/gen/types.js';
import { DISCOVERY_SERVICES, HDS_SERVICE, HDS_STREAM_METHOD } from './service-definitions.js';

export type DiscoveryRequest = envoy_service_discovery_v3_DiscoveryRequest;
export type DiscoveryResponse = envoy_service_discovery_v3_DiscoveryResponse;
export type DeltaDiscoveryRequest = envoy_service_discovery_v3_DeltaDiscoveryRequest;
export type DeltaDiscoveryResponse = envoy_service_discovery_v3_DeltaDiscoveryResponse;

/** One client stream: send requests, await responses in order. */
export class TestStream<Req, Res> {
  private queue: Res[] = [];
  private waiters: { resolve: (r: Res) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private error: Error | undefined;
  /** Resolves with the stream's final status. */
  readonly status: Promise<grpc.StatusObject>;

  constructor(readonly call: grpc.ClientDuplexStream<Req, Res>) {
    this.status = new Promise((resolve) => call.on('status', resolve));
    call.on('data', (res: Res) => {
      const w = this.waiters.shift();
      if (w) {
        clearTimeout(w.timer);
        w.resolve(res);
      } else this.queue.push(res);
    });
    call.on('error', (e: Error) => {
      this.error = e;
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(e);
      }
    });
  }

  send(req: Req): void {
    this.call.write(req);
  }

  /** The next response; rejects after `timeoutMs` (a failing test, not a wait). */
  next(timeoutMs = 5000): Promise<Res> {
    const r = this.queue.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** Responses received and not yet taken. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Half-closes the stream. */
  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }
}

const serializer = (type: string) => (obj: unknown): Buffer => Buffer.from(encodeBinary(type, obj));
const deserializer = <T>(type: string) => (b: Buffer): T => decodeBinary<T>(type, b);

export class XdsTestClient {
  readonly client: grpc.Client;

  constructor(address: string, options: grpc.ChannelOptions = {}) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), options);
  }

  /** A SotW stream on `service` (ads, lds, rds, cds, eds, sds). */
  sotw(service = 'ads'): TestStream<DiscoveryRequest, DiscoveryResponse> {
    const spec = DISCOVERY_SERVICES.find((s) => s.kind === service)!;
    return new TestStream(this.client.makeBidiStreamRequest(`/${spec.service}/${spec.sotwMethod}`,
      serializer('envoy.service.discovery.v3.DiscoveryRequest'),
      deserializer<DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse')));
  }

  /** A delta stream on `service`. */
  delta(service = 'ads'): TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    const spec = DISCOVERY_SERVICES.find((s) => s.kind === service)!;
    return new TestStream(this.client.makeBidiStreamRequest(`/${spec.service}/${spec.deltaMethod}`,
      serializer('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
      deserializer<DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse')));
  }

  /** A raw SotW ADS stream whose responses are left as bytes (benchmarks). */
  rawSotw(): grpc.ClientDuplexStream<DiscoveryRequest, Buffer> {
    return this.client.makeBidiStreamRequest('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      serializer('envoy.service.discovery.v3.DiscoveryRequest'), (b: Buffer) => b);
  }

  /** An HDS stream. */
  hds(): TestStream<envoy_service_health_v3_HealthCheckRequestOrEndpointHealthResponse, envoy_service_health_v3_HealthCheckSpecifier> {
    return new TestStream(this.client.makeBidiStreamRequest(`/${HDS_SERVICE}/${HDS_STREAM_METHOD}`,
      serializer('envoy.service.health.v3.HealthCheckRequestOrEndpointHealthResponse'),
      deserializer<envoy_service_health_v3_HealthCheckSpecifier>('envoy.service.health.v3.HealthCheckSpecifier')));
  }

  close(): void {
    this.client.close();
  }
}
