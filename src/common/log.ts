// Process log: leveled, prefixed by component, written to stderr. Not used on
// the per-request hot path (access logs have their own non-blocking sinks).

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(component: string): Logger;
}

/** Levels per component; `/logging?level=debug` changes all, `?<component>=debug` one. */
export class LogRegistry {
  private levels = new Map<string, LogLevel>();
  constructor(public defaultLevel: LogLevel = 'info', private write: (line: string) => void = (l) => process.stderr.write(l)) {}

  setAll(level: LogLevel): void {
    this.defaultLevel = level;
    for (const k of this.levels.keys()) this.levels.set(k, level);
  }

  set(component: string, level: LogLevel): void {
    this.levels.set(component, level);
  }

  list(): [string, LogLevel][] {
    return [...this.levels.entries()].sort();
  }

  logger(component: string): Logger {
    if (!this.levels.has(component)) this.levels.set(component, this.defaultLevel);
    const emit = (level: LogLevel, msg: string) => {
      const cur = this.levels.get(component) ?? this.defaultLevel;
      if (rank(level) < rank(cur)) return;
      this.write(`[${new Date().toISOString()}][${level}][${component}] ${msg}\n`);
    };
    return {
      debug: (m) => emit('debug', m),
      info: (m) => emit('info', m),
      warn: (m) => emit('warning', m),
      error: (m) => emit('error', m),
      child: (c) => this.logger(`${component}.${c}`),
    };
  }
}
