// One access log of a connection manager or tcp proxy. log() is on the
// request path, so it only filters, formats and enqueues; the sink writes
// later, off the event loop.
import type { AccessLogFilter } from './access-log-filter.js';
import type { BufferedSink } from './buffered-sink.js';
import type { AccessLogConfig } from './access-log-config.js';
import type { Formatter } from './formatter.js';
import type { StreamInfo } from './stream-info.js';

export class AccessLogger {
  /** Lines not written because the filter or formatter threw (a bug; counted, never thrown). */
  formatErrors = 0;
  private readonly formatter: Formatter;
  private readonly filter: AccessLogFilter | undefined;
  private closed = false;

  /** Usually obtained from AccessLogManager.get(), which shares sinks. */
  constructor(readonly config: AccessLogConfig, private readonly sink: BufferedSink) {
    this.formatter = config.formatter;
    this.filter = config.filter;
  }

  /** Writes one line if the filter passes. Never throws, never blocks. */
  log(info: StreamInfo): void {
    if (this.closed) return;
    try {
      if (this.filter !== undefined && !this.filter(info)) return;
      this.sink.write(this.formatter.format(info));
    } catch {
      this.formatErrors++;
    }
  }

  /** Resolves when every line this sink has taken so far has been written. */
  flush(): Promise<void> {
    return this.sink.flush();
  }

  /**
   * Stops this logger and flushes. The sink itself stays open for the other
   * loggers sharing it; AccessLogManager.close() closes sinks.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.sink.flush();
  }
}
