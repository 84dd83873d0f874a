// Errors with stable codes. Config errors carry the field path where they were
// found; traffic errors carry the code that goes into x-weft-error.

/**
 * Stable codes of config problems found by the proxy's decoders (bootstrap,
 * xDS resources). Tests and tools match these, never the message text; the
 * set is small on purpose and documented in docs/proxy.md.
 */
export const CFG = {
  /** The text is not YAML/JSON, or not the object expected. */
  SYNTAX: 'WEFT_CFG_SYNTAX',
  /** A key that is not a field of the message (a typo, or another version's field). */
  UNKNOWN_FIELD: 'WEFT_CFG_UNKNOWN_FIELD',
  /** A JSON value of the wrong type for its field (a string where a number goes, …). */
  WRONG_TYPE: 'WEFT_CFG_WRONG_TYPE',
  /** A required field is missing or empty. */
  REQUIRED: 'WEFT_CFG_REQUIRED',
  /** A value out of range, malformed, or not allowed here (the default for decoders' errors). */
  INVALID_VALUE: 'WEFT_CFG_INVALID_VALUE',
  /** Fields that exclude each other, or entries in an order the config forbids. */
  CONFLICT: 'WEFT_CFG_CONFLICT',
  /** Two entries with one identity (listener names, cluster names, filter chain matches, …). */
  DUPLICATE: 'WEFT_CFG_DUPLICATE',
  /** A reference to something that does not exist (a cluster a route names, …). */
  UNKNOWN_REFERENCE: 'WEFT_CFG_UNKNOWN_REFERENCE',
  /** A field Envoy has that weft does not implement: refused by name, never ignored. */
  UNSUPPORTED_FIELD: 'WEFT_CFG_UNSUPPORTED_FIELD',
  /** A value (enum, mode) Envoy accepts that weft does not implement. */
  UNSUPPORTED_VALUE: 'WEFT_CFG_UNSUPPORTED_VALUE',
  /** An extension (typed_config @type) not supported in that position. */
  UNSUPPORTED_EXTENSION: 'WEFT_CFG_UNSUPPORTED_EXTENSION',
  /** A warning: reported, and the config is used. */
  WARNING: 'WEFT_CFG_WARNING',
} as const;

export type ConfigIssueCode = (typeof CFG)[keyof typeof CFG];

/** One problem found while decoding or validating config. */
export interface ConfigIssue {
  /** Field path in the input, e.g. `static_resources.clusters[2].lb_policy`. */
  path: string;
  message: string;
  /** `error` refuses the config; `warning` is reported and the config is used. */
  severity: 'error' | 'warning';
  /** Stable code (CFG); match this, not the message. */
  code: ConfigIssueCode;
}

/**
 * Collects every config problem at once, so a user sees all of them in one run
 * instead of fixing them one by one. Decoders take one and keep going after an
 * error wherever the rest of the input can still be checked.
 */
export class ConfigErrors {
  readonly issues: ConfigIssue[] = [];
  /**
   * Unknown Any types the codec met, by path, until the decoder of that
   * position claims them (see unknownType). Unclaimed ones stay errors.
   */
  private readonly pending = new Map<string, ConfigIssue>();

  /** An error; its code defaults to INVALID_VALUE, the most common kind. */
  error(path: string, message: string, code: ConfigIssueCode = CFG.INVALID_VALUE): void {
    this.issues.push({ path, message, severity: 'error', code });
  }

  warn(path: string, message: string, code: ConfigIssueCode = CFG.WARNING): void {
    this.issues.push({ path, message, severity: 'warning', code });
  }

  /** A required field is missing: `message` defaults to "<field> is required". */
  required(path: string, message?: string): void {
    this.error(path, message ?? `${path.slice(path.lastIndexOf('.') + 1) || 'value'} is required`, CFG.REQUIRED);
  }

  /**
   * Reports a field (what = 'field') or a value (what names it) that Envoy
   * knows but weft does not implement.
   */
  unsupported(path: string, what = 'field'): void {
    this.error(path, `${what} is not supported by weft`, what === 'field' ? CFG.UNSUPPORTED_FIELD : CFG.UNSUPPORTED_VALUE);
  }

  /** An extension type not supported in its position; the message names what is. */
  unsupportedExtension(path: string, message: string): void {
    this.error(path, message, CFG.UNSUPPORTED_EXTENSION);
  }

  /**
   * The codec met an Any whose type weft's descriptor lacks. It is an error
   * (UNSUPPORTED_EXTENSION) unless the decoder of that position claims the
   * path: the position then reports it with what IT supports, or skips it when
   * the config marks it optional. So decoding can go on past an unknown
   * extension, and no Any is ever accepted unseen.
   */
  unknownType(path: string, message: string): void {
    const issue: ConfigIssue = { path, message, severity: 'error', code: CFG.UNSUPPORTED_EXTENSION };
    this.issues.push(issue);
    this.pending.set(path, issue);
  }

  /** A position's decoder takes over the Any at `path` (see unknownType). */
  claimExtension(path: string): void {
    const issue = this.pending.get(path);
    if (!issue) return;
    this.pending.delete(path);
    this.issues.splice(this.issues.indexOf(issue), 1);
  }

  /** True when every error so far is an unknown Any type still waiting for its position's decoder. */
  get onlyUnclaimedExtensions(): boolean {
    return this.issues.every((i) => i.severity !== 'error' || this.pending.get(i.path) === i);
  }

  get hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  get errors(): ConfigIssue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }

  get warnings(): ConfigIssue[] {
    return this.issues.filter((i) => i.severity === 'warning');
  }

  /** One line per issue: `[CODE] path: message` (warnings prefixed `warning: `). */
  format(): string {
    return this.issues.map((i) => `${i.severity === 'warning' ? 'warning: ' : ''}${formatIssue(i)}`).join('\n');
  }
}

/** Thrown when config is refused; carries every issue found. */
export class ConfigRejectedError extends Error {
  readonly code = 'WEFT_CONFIG_REJECTED';
  constructor(readonly issues: ConfigIssue[], what = 'config') {
    super(`${what} rejected:\n${issues.filter((i) => i.severity === 'error').map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
}

/** `[CODE] path: message`, as `weft proxy` prints a config issue. */
export function formatIssue(i: ConfigIssue): string {
  return `[${i.code}] ${i.path || '<root>'}: ${i.message}`;
}

/** Joins a parent path and a child field or index. */
export function joinPath(parent: string, child: string | number): string {
  if (typeof child === 'number') return `${parent}[${child}]`;
  return parent ? `${parent}.${child}` : child;
}
