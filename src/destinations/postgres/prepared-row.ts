import type { CanonicalValue, Row } from '../../core/values.js';
import type { ChangeRecord, Operation } from '../destination.js';
import { MAX_IDENTIFIER_BYTES } from './postgres-config.js';

export type StatementKind = 'upsert' | 'insert' | 'update' | 'delete';

/**
 * The statement each operation becomes. `insert` skips keys that exist, so repeating it changes
 * nothing; `add` and `send` upsert for the same reason.
 */
const STATEMENT_FOR: Record<Operation, StatementKind> = {
  upsert: 'upsert',
  add: 'upsert',
  send: 'upsert',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  remove: 'delete',
};

/** The column holding the sync's primary key when the sync sets no key_columns. */
export const RECORD_KEY_COLUMN = '_sluice_key';

/** The table's key: its columns, and whether they hold the record key or fields. */
export interface KeySpec {
  columns: string[];
  fromRecordKey: boolean;
}

export function keySpec(keyColumns: string[] | undefined): KeySpec {
  return keyColumns
    ? { columns: keyColumns, fromRecordKey: false }
    : { columns: [RECORD_KEY_COLUMN], fromRecordKey: true };
}

/** A record ready to bind: its column names start with the key columns, in key order. */
export interface PreparedRow {
  /** Position in the batch. */
  index: number;
  kind: StatementKind;
  columns: string[];
  values: CanonicalValue[];
}

export type Preparation = { row: PreparedRow } | { rejection: string };

/** Maps a record to its statement, columns and values, or to the reason it cannot be written. */
export function prepareRow(record: ChangeRecord, index: number, key: KeySpec): Preparation {
  const kind = STATEMENT_FOR[record.operation];
  const source = kind === 'delete' ? (record.previous ?? record.fields) : record.fields;

  if (key.fromRecordKey) {
    const fields = kind === 'delete' ? {} : (source ?? {});
    if (Object.hasOwn(fields, RECORD_KEY_COLUMN)) {
      return { rejection: `field "${RECORD_KEY_COLUMN}" is reserved for the sync's primary key` };
    }
    return withFields({ index, kind, columns: [RECORD_KEY_COLUMN], values: [record.key] }, fields);
  }

  if (!source) {
    const which = kind === 'delete' ? 'previous fields' : 'fields';
    return { rejection: `the record has no ${which} to read key_columns from` };
  }
  const missing = key.columns.find((column) => source[column] == null);
  if (missing !== undefined) return { rejection: `key column "${missing}" is missing or NULL` };

  const keyValues = key.columns.map((column) => source[column] ?? null);
  const row: PreparedRow = { index, kind, columns: [...key.columns], values: keyValues };
  if (kind === 'delete') return { row };
  return withFields(row, omit(source, key.columns));
}

function withFields(row: PreparedRow, fields: Row): Preparation {
  for (const [name, value] of Object.entries(fields)) {
    if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
      return {
        rejection:
          `field "${name}" is longer than ${MAX_IDENTIFIER_BYTES} bytes, ` +
          'the longest column name Postgres keeps; rename it in the mapping',
      };
    }
    row.columns.push(name);
    row.values.push(value);
  }
  return { row };
}

function omit(row: Row, names: string[]): Row {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !names.includes(name)));
}

/** Groups rows that can share one statement: the same kind and the same columns in order. */
export function groupRows(rows: PreparedRow[]): PreparedRow[][] {
  const groups = new Map<string, PreparedRow[]>();
  for (const row of rows) {
    const signature = [row.kind, ...row.columns].join('\u0000');
    const group = groups.get(signature);
    if (group) group.push(row);
    else groups.set(signature, [row]);
  }
  return [...groups.values()];
}
