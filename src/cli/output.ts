import { ConfigError, SluiceError, errorMessage } from '../core/errors.js';
import { redactor } from '../core/redact.js';
import { EXIT } from './exit-codes.js';
import type { GlobalOptions } from './session.js';

/** Prints a result: JSON on stdout with --json, else the text rendering. Always redacted. */
export function print(options: GlobalOptions, data: unknown, text: () => string): void {
  const output = options.json ? JSON.stringify(data, null, 2) : text();
  process.stdout.write(redactor.redact(output) + '\n');
}

/** Prints an error the way the user asked for output, and returns the exit code it maps to. */
export function reportError(options: GlobalOptions, error: unknown): number {
  const code = exitCodeForError(error);
  const message = redactor.redact(errorMessage(error));
  if (options.json) {
    const issues = error instanceof ConfigError ? error.issues : undefined;
    const body = { error: { code: error instanceof SluiceError ? error.code : 'internal', message, issues } };
    process.stdout.write(redactor.redact(JSON.stringify(body, null, 2)) + '\n');
  } else {
    process.stderr.write(`sluice: ${message}\n`);
    if (code === EXIT.internal && error instanceof Error && error.stack) {
      process.stderr.write(redactor.redact(error.stack.split('\n').slice(1, 6).join('\n')) + '\n');
    }
  }
  return code;
}

function exitCodeForError(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.invalid;
  if (error instanceof SluiceError) {
    if (error.code === 'model_invalid') return EXIT.invalid;
    if (error.code === 'selection_invalid' || error.code === 'usage_invalid') return EXIT.invalid;
    if (error.code === 'sync_locked' || error.code === 'warehouse_locked') return EXIT.locked;
    if (error.code === 'not_found') return EXIT.notFound;
    return EXIT.failed;
  }
  return EXIT.internal;
}

/** Runs a command body and exits with its code; errors become messages, never stack dumps of secrets. */
export async function runCommand(options: GlobalOptions, body: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = reportError(options, error);
  }
  process.exit(code);
}
