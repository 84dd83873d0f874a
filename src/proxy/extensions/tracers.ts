// The tracers weft implements (HttpConnectionManager.tracing.provider). One line each.
import { zipkinTracerRegistration } from '../tracing/zipkin/registration.js';
import { openTelemetryTracerRegistration } from '../tracing/opentelemetry/registration.js';
import type { TracerRegistration } from './tracer-registration.js';
import { ExtensionRegistry } from './registration.js';

export const TRACERS = new ExtensionRegistry<TracerRegistration>('tracer', [
  zipkinTracerRegistration,
  openTelemetryTracerRegistration,
]);
