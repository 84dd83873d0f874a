// How a tracer registers (HttpConnectionManager.tracing.provider.typed_config):
// its decoded config, which the connection manager's tracer runs.
import type { TracerConfig } from '../tracing/tracing-config.js';
import type { ExtensionRegistration } from './registration.js';

export type TracerRegistration = ExtensionRegistration<TracerConfig>;
