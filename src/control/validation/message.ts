// One validation or analysis message, and the collector that validators
// write to. Every problem is collected (never stop at the first) so a user
// sees all of them in one run.
import { CODES, type Code, type CodeInfo, type Severity } from './codes.js';

export interface ValidationMessage {
  /** Stable code, e.g. WEFT0101 (table in docs/config-validation.md). */
  readonly code: string;
  readonly severity: Severity;
  /** "Kind name.namespace" of the object the message is about ('' for file-level problems). */
  readonly key: string;
  /** Field path inside the object, e.g. spec.http[0].route[1].destination.subset. */
  readonly path: string;
  readonly message: string;
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** Istio's analyzer code for the same finding, when there is one (IST0101). */
  readonly istio?: string;
}

/** Maps a field path of one document to its 1-based line, when the source is known. */
export type LineLocator = (path: string) => number | undefined;

/**
 * Collects messages about one object. Severity comes from the code table so a
 * code always has one severity; `severity` overrides exist only for the
 * kind rules that depend on context.
 */
export class Reporter {
  readonly messages: ValidationMessage[] = [];

  constructor(
    public key: string,
    private readonly file?: string,
    private readonly lineOf?: LineLocator,
  ) {}

  report(code: Code, path: string, message: string, severity: Severity = CODES[code].severity): void {
    const line = this.lineOf?.(path);
    const m: { -readonly [K in keyof ValidationMessage]: ValidationMessage[K] } = { code, severity, key: this.key, path, message };
    if (this.file !== undefined) m.file = this.file;
    if (line !== undefined) m.line = line;
    const istio = (CODES[code] as CodeInfo).istio;
    if (istio !== undefined) m.istio = istio;
    this.messages.push(m);
  }

  get hasErrors(): boolean {
    return this.messages.some((m) => m.severity === 'error');
  }
}

/** True when any message is an error. */
export function hasErrors(messages: readonly ValidationMessage[]): boolean {
  return messages.some((m) => m.severity === 'error');
}
