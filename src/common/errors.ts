// Errors with stable codes. Config errors carry the field path where they were
// found; traffic errors carry the code that goes into x-weft-error.

/** One problem found while decoding or validating config. */
export interface ConfigIssue {
  /** Field path in the input, e.g. `static_resources.clusters[2].lb_policy`. */
  path: string;
  message: string;
  /** `error` refuses the config; `warning` is reported and the config is used. */
  severity: 'error' | 'warning';
}

/**
 * Collects every config problem at once, so a user sees all of them in one run
 * instead of fixing them one by one. Decoders take one and keep going after an
 * error wherever the rest of the input can still be checked.
 */
export class ConfigErrors {
  readonly issues: ConfigIssue[] = [];

  error(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'error' });
  }

  warn(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'warning' });
  }

  /** Reports a field that Envoy knows but weft does not implement. */
  unsupported(path: string, what = 'field'): void {
    this.error(path, `${what} is not supported by weft`);
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

  /** One line per issue: `path: message`. */
  format(): string {
    return this.issues.map((i) => `${i.severity === 'warning' ? 'warning: ' : ''}${i.path || '<root>'}: ${i.message}`).join('\n');
  }
}

/** Thrown when config is refused; carries every issue found. */
export class ConfigRejectedError extends Error {
  readonly code = 'WEFT_CONFIG_REJECTED';
  constructor(readonly issues: ConfigIssue[], what = 'config') {
    super(`${what} rejected:\n${issues.filter((i) => i.severity === 'error').map((i) => `  ${i.path || '<root>'}: ${i.message}`).join('\n')}`);
  }
}

/** Joins a parent path and a child field or index. */
export function joinPath(parent: string, child: string | number): string {
  if (typeof child === 'number') return `${parent}[${child}]`;
  return parent ? `${parent}.${child}` : child;
}
