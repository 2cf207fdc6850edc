import { redactor } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields of a log event. Never put secrets or personal data in them. */
export type LogFields = Record<string, unknown>;

/**
 * Logger injected into every part below the CLI. `event` is a stable dotted name such as
 * `sync.completed`; scripts and dashboards match on it, so renaming one is a breaking change.
 */
export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Writes one JSON object per line, redacted, to the given sink. */
export function jsonLineLogger(write: (line: string) => void, minLevel: LogLevel = 'info'): Logger {
  return {
    log(level, event, fields = {}) {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
      const record = { time: new Date().toISOString(), level, event, ...fields };
      write(redactor.redact(JSON.stringify(record)) + '\n');
    },
  };
}

export const silentLogger: Logger = { log() {} };

/** Collects events in memory; tests read `events` to check what was logged. */
export class MemoryLogger implements Logger {
  readonly events: { level: LogLevel; event: string; fields: LogFields }[] = [];

  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    this.events.push({ level, event, fields: redactor.redactValue(fields) });
  }
}
