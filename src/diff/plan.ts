import type { GuardsConfig } from '../config/schema.js';
import type { ChangeRecord, Operation } from '../destinations/destination.js';
import type { Logger } from '../core/logger.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import { REMOVING_OPERATIONS, type ChangeKind } from '../sync/modes.js';
import { createDiffTableSql } from './diff-sql.js';
import type { DiffSpec } from './diff-spec.js';
import { evaluateGuards, type GuardResult } from './guards.js';
import { checkKeys } from './key-check.js';
import { toChangeRecord } from './change-records.js';
import { ensureSnapshot } from './snapshots.js';

const SAMPLE_SIZE = 5;

/**
 * Plan of one sync's run, computed inside the warehouse. The plan is inert data:
 * `sluice plan` prints it, and a run applies exactly the diff table it describes.
 */
export interface SyncPlan {
  sync: string;
  spec: DiffSpec;
  /** True when this mapping version starts from an empty snapshot (a new sync or a changed mapping). */
  initialSync: boolean;
  modelRows: number;
  deliveredRows: number;
  counts: Record<ChangeKind, number>;
  /** Rows to send, per operation. */
  operations: Partial<Record<Operation, number>>;
  /** Rows whose snapshot advances without a send (the mode does not send this kind of change). */
  advanceOnly: number;
  excluded: { nullKeyRows: number; duplicateKeyRows: number };
  guards: GuardResult[];
  /** Removals held back by a tripped guard with `on_trip: withhold_removals`. */
  withheldRemovals: number;
  /** A few rows of each change kind, with personal data masked. */
  samples: PlanSample[];
}

/** A sample row of a plan: what changed, and whether the run sends it. */
export type PlanSample = ChangeRecord & {
  change: ChangeKind;
  /** False for a change the mode only records in the snapshot, such as a changed row of a trigger sync. */
  sent: boolean;
};

export interface PlanOptions {
  internalSchema: string;
  guards: GuardsConfig;
  /** Skips the removal and shrink guards for this run, as `--allow-removals` does. */
  allowRemovals: boolean;
  pii: string[];
  logger: Logger;
}

/** Builds the diff table of a sync and describes it. Sends nothing. */
export async function planSync(warehouse: WarehouseAdapter, spec: DiffSpec, options: PlanOptions): Promise<SyncPlan> {
  const snapshot = await ensureSnapshot(warehouse, spec, options.internalSchema);
  const keys = await checkKeys(warehouse, spec, { maxNullKeyRows: options.guards.max_null_key_rows, pii: options.pii });

  for (const statement of createDiffTableSql(spec, warehouse.dialect)) await warehouse.execute(statement);
  const summary = await summarizeDiff(warehouse, spec);

  const modelRows = keys.modelRows - keys.nullKeyRows - keys.duplicateKeyRows;
  const guards = options.allowRemovals
    ? []
    : evaluateGuards({ sync: spec.sync, deliveredRows: snapshot.rowCount, modelRows, removals: summary.removals }, options.guards);
  const withheldRemovals = await withholdIfGuarded(warehouse, spec, guards, options.guards);

  const plan: SyncPlan = {
    sync: spec.sync,
    spec,
    initialSync: snapshot.created,
    modelRows,
    deliveredRows: snapshot.rowCount,
    counts: summary.counts,
    operations: summary.operations,
    advanceOnly: summary.advanceOnly,
    excluded: { nullKeyRows: keys.nullKeyRows, duplicateKeyRows: keys.duplicateKeyRows },
    guards,
    withheldRemovals,
    samples: await sampleChanges(warehouse, spec, options.pii),
  };
  options.logger.log('info', 'sync.planned', {
    sync: spec.sync,
    ...plan.counts,
    initialSync: plan.initialSync,
    guardsTripped: guards.filter((g) => g.tripped).map((g) => g.guard),
  });
  return plan;
}

async function summarizeDiff(warehouse: WarehouseAdapter, spec: DiffSpec) {
  const rows = await warehouse.query(
    `SELECT _change, _operation, count(*) AS n FROM ${warehouse.dialect.quoteTable(spec.tables.diff)} GROUP BY _change, _operation`,
  );
  const counts: Record<ChangeKind, number> = { added: 0, changed: 0, removed: 0 };
  const operations: Partial<Record<Operation, number>> = {};
  let advanceOnly = 0;
  let removals = 0;

  for (const row of rows) {
    const n = Number(row.n);
    counts[row._change as ChangeKind] += n;
    const operation = row._operation as Operation | null;
    if (operation === null) advanceOnly += n;
    else operations[operation] = (operations[operation] ?? 0) + n;
    if (operation !== null && REMOVING_OPERATIONS.includes(operation)) removals += n;
  }
  // A mode that does not send removals still drops those rows from the snapshot, and the shrink
  // guard covers that. The removal guard counts only what reaches the destination.
  return { counts, operations, advanceOnly, removals };
}

async function withholdIfGuarded(
  warehouse: WarehouseAdapter,
  spec: DiffSpec,
  results: GuardResult[],
  guards: GuardsConfig,
): Promise<number> {
  if (!results.some((result) => result.tripped) || guards.on_trip !== 'withhold_removals') return 0;
  const diff = warehouse.dialect.quoteTable(spec.tables.diff);
  await warehouse.execute(`UPDATE ${diff} SET _withheld = TRUE WHERE _change = 'removed'`);
  const rows = await warehouse.query(`SELECT count(*) AS n FROM ${diff} WHERE _withheld`);
  return Number(rows[0]?.n ?? 0);
}

async function sampleChanges(warehouse: WarehouseAdapter, spec: DiffSpec, pii: string[]): Promise<PlanSample[]> {
  const diff = warehouse.dialect.quoteTable(spec.tables.diff);
  const rows = await warehouse.query(
    `SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY _change ORDER BY _seq) AS _sample FROM ${diff}) s ` +
      `WHERE _sample <= ${SAMPLE_SIZE} ORDER BY _seq`,
  );
  const piiFields = new Set(spec.fields.filter((field) => pii.includes(field.column)).map((field) => field.name));
  const keyIsPii = spec.keyColumns.some((column) => pii.includes(column.name));
  return rows.map((row) => ({
    ...maskRecord(toChangeRecord(row, spec), piiFields, keyIsPii),
    change: row._change as ChangeKind,
    sent: row._operation !== null && row._operation !== undefined,
  }));
}

function maskRecord(record: ChangeRecord, piiFields: Set<string>, keyIsPii: boolean): ChangeRecord {
  const mask = (fields: ChangeRecord['fields']) =>
    fields === null
      ? null
      : Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, piiFields.has(name) && value !== null ? '[pii]' : value]));
  return { ...record, key: keyIsPii ? '[pii]' : record.key, fields: mask(record.fields), previous: mask(record.previous) };
}
