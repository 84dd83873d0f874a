// How an access logger registers (access_log[].typed_config, wherever an
// AccessLog appears): where its lines go and how they are formatted.
import type { Formatter } from '../access-log/formatter.js';
import type { SinkSpec } from '../access-log/sink-target.js';
import type { ExtensionRegistration } from './registration.js';

export interface AccessLoggerSpec {
  readonly sink: SinkSpec;
  readonly formatter: Formatter;
}

export type AccessLoggerRegistration = ExtensionRegistration<AccessLoggerSpec>;
