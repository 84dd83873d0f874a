// A decoded access log (access-log/decode.ts builds it), as the manager and
// the loggers use it. Apart from the decoder so they do not depend on the
// access logger registry the decoder consults.
import type { AccessLogFilter } from './access-log-filter.js';
import type { Formatter } from './formatter.js';
import type { SinkSpec } from './sink-target.js';

/** One decoded access log: where, what, and when. Immutable; shared by every stream. */
export interface AccessLogConfig {
  /** AccessLog.name (informational, as in Envoy). */
  readonly name: string;
  readonly sink: SinkSpec;
  readonly formatter: Formatter;
  /** Undefined: log every request/connection. */
  readonly filter: AccessLogFilter | undefined;
}
