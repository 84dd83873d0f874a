// The seam between compiled formats and the loggers that use them.
import type { StreamInfo } from './stream-info.js';

/** A compiled log format. Built once at config time, used for every line. */
export interface Formatter {
  /** The whole line (text formats carry their own newline; JSON adds one). */
  format(info: StreamInfo): string;
}

/**
 * One command operator, compiled. Both forms exist because a text line prints
 * every value as text while a JSON line keeps numbers as numbers, as Envoy does.
 */
export interface Extractor {
  /** Text form; undefined when the value is not set (printed as `-`). */
  str(info: StreamInfo): string | undefined;
  /** Typed form for JSON; undefined when not set (JSON `null`). */
  typed(info: StreamInfo): string | number | undefined;
}

/** A format string or command operator that cannot be compiled. */
export class FormatCompileError extends Error {
  readonly code = 'WEFT_ACCESS_LOG_FORMAT';
  /** Where inside a JSON format the problem is (`a.b[2]`), so decoders can extend the config path. */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}
