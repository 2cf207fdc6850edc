import pg from 'pg';
import { errorMessage } from '../../core/errors.js';
import { redactor } from '../../core/redact.js';

/**
 * SQLSTATEs after which the same statement may succeed if run again: serialization failure,
 * deadlock, lock not available, statement cancelled (such as by statement_timeout).
 */
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03', '57014']);

/** SQLSTATEs that mean the connection settings are wrong: no point in retrying. */
const SETTINGS_CODE = /^(28|3D)/;

/**
 * Returns the server's message with its SQLSTATE, redacted. Leaves out `detail`, which for
 * constraint violations repeats the row's values ("Failing row contains ...").
 */
export function describePostgresError(error: unknown): string {
  if (error instanceof pg.DatabaseError && error.code) {
    return redactor.redact(`${error.message} (SQLSTATE ${error.code})`);
  }
  return redactor.redact(errorMessage(error));
}

/**
 * Returns whether the server rejected one statement and the session can go on, which is an
 * ERROR-level response. Anything else (a lost connection, a FATAL error, a client-side failure)
 * ends the transaction for every row.
 */
export function isStatementError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && error.severity === 'ERROR';
}

export function isTransientStatementError(error: pg.DatabaseError): boolean {
  return error.code !== undefined && TRANSIENT_CODES.has(error.code);
}

/** Returns whether a failed call may succeed when tried later, for DestinationError. */
export function isRetryableConnectionError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return !SETTINGS_CODE.test(error.code ?? '');
  return true;
}
