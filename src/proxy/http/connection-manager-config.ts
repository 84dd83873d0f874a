// The decoded settings of one HttpConnectionManager, as the codecs, the
// stream and the connection manager read them. Declared here, below the
// connection manager, as Envoy declares ConnectionManagerConfig in http/;
// hcm/hcm-config.ts decodes the proto into it (defaults in HCM_DEFAULTS there).
import type { AccessLogConfig } from '../access-log/access-log-config.js';
import type { RouteTable } from '../route/route-table.js';
import type { HttpFilterFactory } from './filter.js';
import type { TracingConfig } from '../tracing/tracing-config.js';

export interface HcmConfig {
  readonly statPrefix: string;
  readonly codecType: 'AUTO' | 'HTTP1' | 'HTTP2';
  /** Inline route table, or the RDS name to wait for (dynamic config). */
  readonly routeTable?: RouteTable;
  readonly rdsName?: string;
  readonly filters: readonly HttpFilterFactory[];
  readonly accessLogs: readonly AccessLogConfig[];
  /** HttpConnectionManager.tracing, decoded; absent: no tracing. */
  readonly tracing?: TracingConfig;
  /** The listener's traffic_direction: OUTBOUND spans are CLIENT spans (egress), others SERVER (ingress). */
  readonly trafficDirection: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly skipXffAppend: boolean;
  readonly via: string;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly serverName: string;
  readonly serverHeaderTransformation: 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';
  readonly maxRequestHeadersKb: number;
  readonly maxHeadersCount: number;
  readonly streamIdleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly requestHeadersTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxRequestsPerConnection: number;
  /** Upgrade types allowed (lower-case), e.g. "websocket". */
  readonly upgradeTypes: ReadonlySet<string>;
  readonly acceptHttp10: boolean;
  readonly defaultHostForHttp10: string;
  readonly http2MaxConcurrentStreams: number;
  readonly normalizePath: boolean;
  readonly mergeSlashes: boolean;
  readonly stripPortMode: 'none' | 'matching' | 'any';
  readonly headersWithUnderscores: 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';
}
