// Istio's telemetry.istio.io API (v1 and v1alpha1 share one schema), as weft
// reads it from YAML: camelCase field names, exactly Istio's
// (istio/api telemetry/v1/telemetry.proto).
import type { ConfigObject } from './networking.js';

export const TELEMETRY_GROUP = 'telemetry.istio.io';
export const TELEMETRY_VERSIONS = ['v1', 'v1alpha1'] as const;
export const TELEMETRY_KIND = 'Telemetry';

/** Which side of a workload's traffic a setting applies to (Istio's WorkloadMode; default CLIENT_AND_SERVER). */
export const WORKLOAD_MODES = ['CLIENT_AND_SERVER', 'CLIENT', 'SERVER'] as const;
export type WorkloadMode = (typeof WORKLOAD_MODES)[number];

/** Istio's MetricSelector.IstioMetric. */
export const ISTIO_METRICS = [
  'ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE',
  'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS', 'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES',
  'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES',
] as const;
export type IstioMetric = (typeof ISTIO_METRICS)[number];

export const TAG_OPERATIONS = ['UPSERT', 'REMOVE'] as const;
export type TagOperation = (typeof TAG_OPERATIONS)[number];

export interface ProviderRef {
  name?: string;
}

export interface MetricSelector {
  metric?: IstioMetric;
  customMetric?: string;
  mode?: WorkloadMode;
}

export interface TagOverride {
  /** Default UPSERT. */
  operation?: TagOperation;
  /** A CEL expression (UPSERT only); weft evaluates a subset, see tag-expression.ts. */
  value?: string;
}

export interface MetricsOverrides {
  match?: MetricSelector;
  disabled?: boolean;
  tagOverrides?: Record<string, TagOverride>;
}

export interface Metrics {
  providers?: ProviderRef[];
  overrides?: MetricsOverrides[];
  /** Accepted and not honoured: weft's sidecars report when a request or connection ends. */
  reportingInterval?: string;
}

export interface AccessLogging {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  disabled?: boolean;
  /** A CEL expression; weft translates a subset (comparisons of response.code). */
  filter?: { expression?: string };
}

export interface TracingCustomTag {
  literal?: { value?: string };
  environment?: { name?: string; defaultValue?: string };
  header?: { name?: string; defaultValue?: string };
}

/** Translated to the HCM's `tracing` (control/translate/telemetry-tracing.ts). */
export interface Tracing {
  match?: { mode?: WorkloadMode };
  providers?: ProviderRef[];
  randomSamplingPercentage?: number;
  disableSpanReporting?: boolean;
  customTags?: Record<string, TracingCustomTag>;
  useRequestIdForTraceSampling?: boolean;
  enableIstioTags?: boolean;
}

export interface TelemetrySpec {
  /** Workloads it applies to; absent or empty = the namespace (the mesh in the root namespace). */
  selector?: { matchLabels?: Record<string, string> };
  tracing?: Tracing[];
  metrics?: Metrics[];
  accessLogging?: AccessLogging[];
}

export type Telemetry = ConfigObject<'Telemetry', TelemetrySpec>;
