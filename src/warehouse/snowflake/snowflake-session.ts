import type { Binds, Column, Connection, RowStatement } from 'snowflake-sdk';
import type { Readable } from 'node:stream';

/** A finished statement: its columns and, unless it was streamed, its rows as arrays. */
export interface StatementResult {
  statement: RowStatement;
  columns: Column[];
  rows: unknown[][];
}

export interface StatementRequest {
  sqlText: string;
  binds?: Binds;
  /** Statement-level parameters, such as TIMEZONE and QUERY_TAG. */
  parameters?: Record<string, string | number>;
  describeOnly?: boolean;
  streamResult?: boolean;
}

/**
 * Promise wrappers for snowflake-sdk's callback API. Numbers come back as text, so FIXED values
 * keep every digit; rows come back as arrays, so duplicate column names do not collide.
 */
export function runStatement(connection: Connection, request: StatementRequest): Promise<StatementResult> {
  return new Promise((resolve, reject) => {
    connection.execute({
      ...request,
      fetchAsString: ['Number'],
      rowMode: 'array',
      complete(error, statement, rows) {
        if (error) {
          reject(error);
          return;
        }
        resolve({ statement, columns: statement.getColumns() ?? [], rows: (rows ?? []) as unknown[][] });
      },
    });
  });
}

/** Streams the rows of a statement run with `streamResult: true`. */
export function streamRows(statement: RowStatement): Readable {
  return statement.streamRows();
}

export function destroyConnection(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    connection.destroy(() => resolve());
  });
}
