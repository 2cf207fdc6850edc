/**
 * Error hierarchy. Every error Sluice raises on purpose has a stable `code` that scripts can
 * match, a message stating what failed and what to do next, and the original error on `cause`.
 */
export class SluiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a config file, with the dotted path inside it. */
export interface ConfigIssue {
  file: string;
  path: string;
  message: string;
}

/** Invalid project configuration. Carries every issue found, not only the first. */
export class ConfigError extends SluiceError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('config_invalid', formatConfigIssues(issues));
    this.issues = issues;
  }
}

export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path ? `${issue.file}: ${issue.path}` : issue.file;
    return `${where}: ${issue.message}`;
  });
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return `Invalid configuration (${issues.length} ${noun}):\n${lines.join('\n')}`;
}

/**
 * An invalid model: its template uses an unknown helper, var, ref or source, or models reference
 * each other in a cycle. It is raised when the project compiles, before anything runs, with the
 * code `model_invalid`. The subclass ModelBuildError is raised for failures in the warehouse.
 */
export class ModelError extends SluiceError {
  readonly model: string;

  constructor(model: string, message: string, options?: { cause?: unknown; code?: 'model_invalid' | 'model_failed' }) {
    super(options?.code ?? 'model_invalid', message, options);
    this.model = model;
  }
}

/**
 * A model failed to build in the warehouse or failed its tests, or was not built because an
 * upstream model failed. `code` is `model_failed`.
 */
export class ModelBuildError extends ModelError {
  constructor(model: string, message: string, options?: { cause?: unknown }) {
    super(model, message, { ...options, code: 'model_failed' });
  }
}

/**
 * A statement failed inside the warehouse, or the warehouse could not be opened. `code` is
 * `warehouse_locked` when another process has an embedded database file open.
 */
export class WarehouseError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown; code?: 'warehouse_failed' | 'warehouse_locked' }) {
    super(options?.code ?? 'warehouse_failed', message, options);
  }
}

/** The model result cannot be diffed safely: NULL or duplicate primary keys. */
export class KeyCheckError extends SluiceError {
  constructor(message: string) {
    super('key_check_failed', message);
  }
}

/** A guard stopped the sync before anything was sent. */
export class GuardError extends SluiceError {
  readonly guard: string;

  constructor(guard: string, message: string) {
    super('guard_tripped', message);
    this.guard = guard;
  }
}

/** A destination call failed as a whole. `retryable` tells whether a later attempt may succeed. */
export class DestinationError extends SluiceError {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super('destination_failed', message, { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The state store (run history, locks, ledger) could not be read or written. */
export class StateError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('state_failed', message, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
