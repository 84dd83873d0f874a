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
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as OtlpRoot;

/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest. */
export const ExportTraceServiceRequest: ProtoMessageType = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
/** opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse. */
export const ExportTraceServiceResponse: ProtoMessageType = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
