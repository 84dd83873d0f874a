// The OTLP wire types, from the official opentelemetry-proto definitions as
// @opentelemetry/otlp-transformer ships them compiled (protobufjs static
// code, build/src/generated/root.js). Its typings declare only a Root, so the
// few message types weft uses get a narrow interface here.
import { createRequire } from 'node:module';

/** A protobufjs static message type. */
export interface ProtoMessageType {
  encode(message: object): { finish(): Uint8Array };
  decode(buf: Uint8Array): object;
  toObject(message: object, options?: { longs?: unknown; bytes?: unknown; enums?: unknown; defaults?: boolean }): Record<string, unknown>;
  fromObject(obj: object): object;
}

interface OtlpRoot {
  opentelemetry: {
    proto: {
      collector: { trace: { v1: { ExportTraceServiceRequest: ProtoMessageType; ExportTraceServiceResponse: ProtoMessageType } } };
    };
  };
}

const require = createRequire(import.meta.url);
// The generated root is 840 KiB of JavaScript (with protobufjs under it, about
// 6 MiB of RSS): loaded on the first OTLP message, so a sidecar that traces
// with Zipkin, or not at all, never pays for it.
let loaded: OtlpRoot | undefined;
const root = (): OtlpRoot => (loaded ??= require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as OtlpRoot);

/** A message type whose generated code loads on first use. */
function lazyType(get: () => ProtoMessageType): ProtoMessageType {
  return {
    encode: (m) => get().encode(m),
    decode: (b) => get().decode(b),
    toObject: (m, o) => get().toObject(m, o),
    fromObject: (o) => get().fromObject(o),
  };
}

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest. */
export const ExportTraceServiceRequest: ProtoMessageType = lazyType(() => root().opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest);
/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse. */
export const ExportTraceServiceResponse: ProtoMessageType = lazyType(() => root().opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse);
