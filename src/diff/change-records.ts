import type { ChangeRecord, Operation } from '../destinations/destination.js';
import type { Row } from '../core/values.js';
import type { DiffSpec } from './diff-spec.js';
import { fieldColumn } from './sync-tables.js';

/**
 * Turns one row of the diff table into the record a destination receives. A NULL in a field
 * with `on_null: skip` is left out of `fields`, so the destination keeps its value.
 */
export function toChangeRecord(row: Row, spec: DiffSpec): ChangeRecord {
  const operation = (row._operation ?? 'upsert') as Operation;
  const removing = row._change === 'removed';
  const fields: Row = {};
  const previous: Row = {};

  spec.fields.forEach((field, i) => {
    const current = row[fieldColumn('n', i)] ?? null;
    if (current !== null || field.onNull === 'clear') fields[field.name] = current;
    previous[field.name] = row[fieldColumn('o', i)] ?? null;
  });

  return {
    key: String(row._key),
    operation,
    fields: removing ? null : fields,
    previous: row._change === 'added' ? null : previous,
    contentHash: removing ? `removed:${String(row._old_hash ?? '')}` : String(row._hash),
  };
}
