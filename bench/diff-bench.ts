import { rm } from 'node:fs/promises';
import { guardsSchema } from '../src/config/schema.js';
import { silentLogger } from '../src/core/logger.js';
import { keyExpression } from '../src/diff/diff-sql.js';
import type { DiffSpec } from '../src/diff/diff-spec.js';
import { DEFAULT_SYNC_MEMORY_LIMIT } from '../src/config/schema.js';
import { planSync, type PlanOptions } from '../src/diff/plan.js';
import { ensureSnapshot } from '../src/diff/snapshots.js';
import { fieldColumn, syncTables } from '../src/diff/sync-tables.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import { rowHashExpression } from '../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { KEY_COLUMN, MAPPED_COLUMNS, customersSelect, onePercentCounts, type CustomerVariant } from './generate.js';
import { median, medianTiming, timed, type Timing } from './measure.js';
import { naiveDiff } from './naive-diff.js';
import { TimedWarehouse } from './timed-warehouse.js';

const MODEL = { schema: 'analytics', name: 'customers' };
const INTERNAL_SCHEMA = 'sluice';

export interface DiffBenchOptions {
  rows: number;
  /** DuckDB database file; it is replaced at the start and deleted at the end. */
  databasePath: string;
  planRepetitions: number;
  /** 0 skips the naive diff. */
  naiveRepetitions: number;
  log: (message: string) => void;
}

export interface DiffBenchResult {
  rows: number;
  counts: { added: number; changed: number; removed: number };
  generateSeconds: number;
  /** Filling the snapshot with every model row, so that it equals the model. */
  seedSeconds: number;
  /** planSync on the model with 1% of rows changed: median of the repetitions. */
  plan: Timing;
  planRuns: Timing[];
  /** The CREATE TABLE of the diff table alone, inside planSync: median. */
  diffStatementSeconds: number;
  /** The duplicate-key check inside planSync: median. */
  keyCheckSeconds: number;
  naive: Timing | undefined;
  naiveRuns: Timing[];
  duckdbThreads: number;
}

/**
 * Measures planSync on a model in which 1% of rows differ from the delivered snapshot, and
 * optionally the hand-written diff of the same two tables in Node.
 */
export async function runDiffBench(options: DiffBenchOptions): Promise<DiffBenchResult> {
  const { rows, log } = options;
  await removeDatabase(options.databasePath);
  // The sync memory cap a project has by default, which `sluice run` puts around planSync.
  const warehouse = await DuckDBAdapter.open({ path: options.databasePath, syncMemoryLimit: DEFAULT_SYNC_MEMORY_LIMIT });
  try {
    log(`diff ${rows} rows: generating the model`);
    const generated = await timed(() => replaceModel(warehouse, rows, 'base'));
    const spec = await benchSpec(warehouse);

    log(`diff ${rows} rows: seeding the snapshot with every row`);
    const seeded = await timed(() => seedSnapshot(warehouse, spec));
    await replaceModel(warehouse, rows, 'one_percent');

    const expected = onePercentCounts(rows);
    const planRuns: Timing[] = [];
    const diffStatementRuns: number[] = [];
    const keyCheckRuns: number[] = [];
    for (let run = 1; run <= options.planRepetitions; run += 1) {
      const timedWarehouse = new TimedWarehouse(warehouse);
      const onLifted = (reason: string) => log(`diff ${rows} rows: ${reason}`);
      const planUnderCap = () => warehouse.withSyncMemoryCap(() => planSync(timedWarehouse, spec, planOptions()), onLifted);
      const { result: plan, timing } = await timed(planUnderCap);
      checkCounts('planSync', plan.counts, expected);
      planRuns.push(timing);
      diffStatementRuns.push(statementSeconds(timedWarehouse, 'CREATE OR REPLACE TABLE'));
      keyCheckRuns.push(statementSeconds(timedWarehouse, 'SELECT _key, copies'));
      log(`diff ${rows} rows: plan run ${run}/${options.planRepetitions}: ${timing.wallSeconds.toFixed(2)} s`);
    }

    const naiveRuns: Timing[] = [];
    for (let run = 1; run <= options.naiveRepetitions; run += 1) {
      const { result, timing } = await timed(() => naiveDiff(warehouse, spec));
      checkCounts('naive diff', { added: result.added.length, changed: result.changed.length, removed: result.removed.length }, expected);
      naiveRuns.push(timing);
      log(`diff ${rows} rows: naive run ${run}/${options.naiveRepetitions}: ${timing.wallSeconds.toFixed(2)} s`);
    }

    return {
      rows,
      counts: expected,
      generateSeconds: generated.timing.wallSeconds,
      seedSeconds: seeded.timing.wallSeconds,
      plan: medianTiming(planRuns),
      planRuns,
      diffStatementSeconds: median(diffStatementRuns),
      keyCheckSeconds: median(keyCheckRuns),
      naive: naiveRuns.length > 0 ? medianTiming(naiveRuns) : undefined,
      naiveRuns,
      duckdbThreads: await duckdbThreads(warehouse),
    };
  } finally {
    await warehouse.close();
    await removeDatabase(options.databasePath);
  }
}

async function replaceModel(warehouse: WarehouseAdapter, rows: number, variant: CustomerVariant): Promise<void> {
  await warehouse.ensureSchema(MODEL.schema);
  await warehouse.execute(warehouse.dialect.createTableAs(MODEL, customersSelect(rows, variant)));
  // Writes the WAL into the database file now, so that no timed step pays for it.
  await warehouse.execute('CHECKPOINT');
}

/** Builds the DiffSpec that resolveDiffSpec would build for a sync of every mapped column. */
async function benchSpec(warehouse: WarehouseAdapter): Promise<DiffSpec> {
  const columns = await warehouse.describe(`SELECT * FROM ${warehouse.dialect.quoteTable(MODEL)}`);
  const typeOf = (name: string) => {
    const column = columns.find((candidate) => candidate.name === name);
    if (!column) throw new Error(`generated model has no column ${name}`);
    return column.type;
  };
  return {
    sync: 'bench_customers',
    mode: 'mirror',
    model: MODEL,
    keyColumns: [{ name: KEY_COLUMN, type: typeOf(KEY_COLUMN) }],
    fields: MAPPED_COLUMNS.map((name) => ({ name, column: name, type: typeOf(name), onNull: 'skip' as const })),
    tables: syncTables(INTERNAL_SCHEMA, 'bench_customers', 'v1'),
    skipDuplicateKeys: false,
    full: false,
  };
}

function planOptions(): PlanOptions {
  return { internalSchema: INTERNAL_SCHEMA, guards: guardsSchema.parse({}), allowRemovals: false, pii: [], logger: silentLogger };
}

/**
 * Fills the snapshot with every model row as delivered, through the engine's own snapshot
 * setup, key expression and row hash. This skips the first sync's plan, whose full sort of the
 * diff table would take minutes at 10M rows. The counts of the timed plans check that the hashes
 * match, because a mismatch would show every row as changed.
 */
async function seedSnapshot(warehouse: WarehouseAdapter, spec: DiffSpec): Promise<void> {
  const { dialect } = warehouse;
  await ensureSnapshot(warehouse, spec, INTERNAL_SCHEMA);
  const columns = spec.fields.map((field) => dialect.quoteIdentifier(field.column));
  const hash = rowHashExpression(
    dialect,
    spec.fields.map((field, i) => ({ expr: columns[i]!, type: field.type })),
  );
  const targets = ['_key', '_hash', '_run_id', '_synced_at', ...spec.fields.map((_field, i) => fieldColumn('f', i))];
  await warehouse.execute(
    `INSERT INTO ${dialect.quoteTable(spec.tables.snapshot)} (${targets.join(', ')})
SELECT ${keyExpression(dialect, spec.keyColumns)}, ${hash}, 'bench_seed', CURRENT_TIMESTAMP, ${columns.join(', ')}
FROM ${dialect.quoteTable(spec.model)}`,
  );
  await warehouse.execute('CHECKPOINT');
}

/** Seconds of every statement planSync ran that starts with `prefix`, together. */
function statementSeconds(warehouse: TimedWarehouse, prefix: string): number {
  const matches = warehouse.timings.filter((timing) => timing.statement.startsWith(prefix));
  if (matches.length === 0) throw new Error(`planSync ran no statement starting with ${prefix}`);
  return matches.reduce((sum, timing) => sum + timing.seconds, 0);
}

function checkCounts(label: string, actual: DiffBenchResult['counts'], expected: DiffBenchResult['counts']): void {
  const same = actual.added === expected.added && actual.changed === expected.changed && actual.removed === expected.removed;
  if (!same) throw new Error(`${label} found ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

async function duckdbThreads(warehouse: WarehouseAdapter): Promise<number> {
  const rows = await warehouse.query("SELECT current_setting('threads') AS threads");
  return Number(rows[0]?.threads);
}

async function removeDatabase(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}
