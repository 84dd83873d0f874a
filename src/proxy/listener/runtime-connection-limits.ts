// The connection limits (http/connection-limits.ts) as the runtime says them:
// Envoy reads `overload.premature_reset_*` when it checks a connection, so a
// /runtime_modify or a disk layer change applies to the next check on every
// connection, not only to new listeners. Each getter is one snapshot lookup;
// an empty runtime answers the default.
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../http/connection-limits.js';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.js';
import {
  DEFAULT_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS,
  DEFAULT_PREMATURE_RESET_TOTAL_STREAM_COUNT,
  RK_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS,
  RK_PREMATURE_RESET_TOTAL_STREAM_COUNT,
} from '../runtime/known-keys.js';

export function runtimeConnectionLimits(runtime: { snapshot(): RuntimeSnapshot }): ConnectionLimits {
  return {
    get prematureResetMinStreamLifetimeMs(): number {
      return runtime.snapshot().getInteger(RK_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS, DEFAULT_PREMATURE_RESET_MIN_STREAM_LIFETIME_SECONDS) * 1000;
    },
    get prematureResetTotalStreamCount(): number {
      return runtime.snapshot().getInteger(RK_PREMATURE_RESET_TOTAL_STREAM_COUNT, DEFAULT_PREMATURE_RESET_TOTAL_STREAM_COUNT);
    },
    maxRequestsPerIoCycle: DEFAULT_CONNECTION_LIMITS.maxRequestsPerIoCycle,
    pipelineBufferLimitBytes: DEFAULT_CONNECTION_LIMITS.pipelineBufferLimitBytes,
  };
}
