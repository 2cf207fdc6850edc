import type { SyncMode } from '../config/schema.js';
import type { LogicalType } from '../core/values.js';
import type { TableRef } from '../warehouse/table-ref.js';
import type { SyncTables } from './sync-tables.js';

export interface KeyColumn {
  name: string;
  type: LogicalType;
}

export interface DiffField {
  /** Field name at the destination. */
  name: string;
  /** Column of the model's result. */
  column: string;
  type: LogicalType;
  onNull: 'skip' | 'clear';
}

/** Everything the diff SQL needs to know about one sync. */
export interface DiffSpec {
  sync: string;
  mode: SyncMode;
  model: TableRef;
  keyColumns: KeyColumn[];
  fields: DiffField[];
  tables: SyncTables;
  /** Exclude every row whose key occurs more than once, instead of failing. */
  skipDuplicateKeys: boolean;
  /** Treat every delivered row as changed, so the whole model is sent again; removals still apply. */
  full: boolean;
  /**
   * SQL conditions over the model's columns that a row must meet to be delivered (consent,
   * suppression). A delivered row that stops meeting them is removed like any row that left.
   */
  rowFilters?: string[];
}
