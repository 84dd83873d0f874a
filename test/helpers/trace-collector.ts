// A collector double for tracing tests: a real HTTP server that takes Zipkin
// v2 JSON (POST /api/v2/spans) and OTLP/HTTP protobuf (POST /v1/traces),
// decoding OTLP with the official definitions (@opentelemetry/otlp-transformer's
// compiled opentelemetry-proto). `hang` holds every report open (a slow collector).
import http from 'node:http';
import type net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { ExportTraceServiceRequest, ExportTraceServiceResponse } from '../../src/proxy/tracing/opentelemetry/otlp-proto.js';
import type { ZipkinV2Span } from '../../src/proxy/tracing/zipkin/zipkin-json.js';

/** One OTLP span, ids as hex, attributes as a record. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string>;
  serviceName: string;
}

export interface TraceCollector {
  port: number;
  zipkin: ZipkinV2Span[];
  otlp: OtlpSpan[];
  /** Reports received (requests), whatever their format. */
  reports: number;
  /** Resolves once at least `n` spans (of either format) have arrived. */
  waitForSpans(n: number): Promise<void>;
  /** Resolves once at least `n` reports have arrived. */
  waitForReports(n: number): Promise<void>;
  close(): Promise<void>;
}

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

function decodeOtlp(body: Buffer): OtlpSpan[] {
  const req = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String }) as {
    resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
  };
  const out: OtlpSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const serviceName = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attributes: Record<string, string> = {};
        for (const a of (s.attributes as { key: string; value: { stringValue?: string } }[] | undefined) ?? []) attributes[a.key] = a.value.stringValue ?? '';
        out.push({
          traceId: hex(s.traceId as Uint8Array), spanId: hex(s.spanId as Uint8Array), parentSpanId: hex(s.parentSpanId as Uint8Array | undefined),
          name: s.name as string, kind: s.kind as number, startNs: BigInt(s.startTimeUnixNano as string), endNs: BigInt(s.endTimeUnixNano as string),
          attributes, serviceName,
        });
      }
    }
  }
  return out;
}

export async function startTraceCollector(o: { hang?: boolean } = {}): Promise<TraceCollector> {
  const waiters: (() => void)[] = [];
  const c = {
    port: 0, zipkin: [] as ZipkinV2Span[], otlp: [] as OtlpSpan[], reports: 0,
  };
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const until = (cond: () => boolean) => new Promise<void>((resolve) => {
    const check = () => (cond() ? resolve() : waiters.push(check));
    check();
  });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      c.reports++;
      if (req.url === '/api/v2/spans' && req.headers['content-type'] === 'application/json') c.zipkin.push(...(JSON.parse(body.toString()) as ZipkinV2Span[]));
      else if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') c.otlp.push(...decodeOtlp(body));
      wake();
      if (o.hang) return;
      if (req.url === '/v1/traces') {
        res.setHeader('content-type', 'application/x-protobuf');
        res.end(Buffer.from(ExportTraceServiceResponse.encode({}).finish()));
      } else {
        res.statusCode = 202;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  c.port = (server.address() as net.AddressInfo).port;
  return Object.assign(c, {
    waitForSpans: (n: number) => until(() => c.zipkin.length + c.otlp.length >= n),
    waitForReports: (n: number) => until(() => c.reports >= n),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  });
}

/** An OTLP/gRPC collector (grpc-js): TraceService/Export, requests decoded with the official definitions. */
export async function startGrpcTraceCollector(): Promise<{ port: number; otlp: OtlpSpan[]; waitForSpans(n: number): Promise<void>; close(): Promise<void> }> {
  const otlp: OtlpSpan[] = [];
  const waiters: (() => void)[] = [];
  const raw = (b: Buffer) => b;
  const server = new grpc.Server();
  server.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false,
      requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
    },
  }, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      otlp.push(...decodeOtlp(call.request));
      for (const w of waiters.splice(0)) w();
      cb(null, Buffer.from(ExportTraceServiceResponse.encode({}).finish()));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    otlp,
    waitForSpans: (n) => new Promise<void>((resolve) => {
      const check = () => (otlp.length >= n ? resolve() : waiters.push(check));
      check();
    }),
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}
