import type { Row } from '../core/values.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { TableRef } from '../warehouse/table-ref.js';
import type { DiffSpec } from './diff-spec.js';
import { fieldColumn, snapshotRegistry } from './sync-tables.js';

export interface SnapshotState {
  /** True when this mapping version had no snapshot yet: the run is a full sync of this sync. */
  created: boolean;
  /** Rows delivered and confirmed so far. */
  rowCount: number;
}

/**
 * Makes sure the snapshot table of the spec's mapping version exists. A new mapping version
 * starts from the keys of the previous version with no hash, so every delivered row is sent
 * again under the new mapping, and rows gone from the model are still removed: removals only
 * ever come from keys this sync delivered.
 */
export async function ensureSnapshot(warehouse: WarehouseAdapter, spec: DiffSpec, internalSchema: string): Promise<SnapshotState> {
  const registry = snapshotRegistry(internalSchema);
  await warehouse.ensureSchema(internalSchema);
  await createRegistry(warehouse, registry);

  const latest = await latestVersion(warehouse, registry, spec.sync);
  const table = spec.tables.snapshot;
  const current = latest?.table_name === table.name && (await warehouse.tableExists(table));
  if (current) return { created: false, rowCount: await countRows(warehouse, table) };

  await createSnapshotTable(warehouse, spec);
  const previous = latest ? { schema: internalSchema, name: String(latest.table_name) } : undefined;
  if (previous && (await warehouse.tableExists(previous))) {
    await seedFromPrevious(warehouse, spec, previous, JSON.parse(String(latest!.fields)) as string[]);
  }
  await registerVersion(warehouse, registry, spec);
  return { created: true, rowCount: await countRows(warehouse, table) };
}

async function createRegistry(warehouse: WarehouseAdapter, registry: TableRef): Promise<void> {
  const { dialect } = warehouse;
  const text = dialect.typeName('string');
  await warehouse.execute(
    `CREATE TABLE IF NOT EXISTS ${dialect.quoteTable(registry)} (sync ${text}, mapping_version ${text}, ` +
      `table_name ${text}, fields ${text}, created_at ${dialect.typeName('timestamp')})`,
  );
}

async function latestVersion(warehouse: WarehouseAdapter, registry: TableRef, sync: string): Promise<Row | undefined> {
  const { dialect } = warehouse;
  const rows = await warehouse.query(
    `SELECT table_name, fields FROM ${dialect.quoteTable(registry)} WHERE sync = ${dialect.stringLiteral(sync)} ` +
      'ORDER BY created_at DESC LIMIT 1',
  );
  return rows[0];
}

async function createSnapshotTable(warehouse: WarehouseAdapter, spec: DiffSpec): Promise<void> {
  const { dialect } = warehouse;
  const text = dialect.typeName('string');
  const columns = [
    `CAST(NULL AS ${text}) AS _key`,
    `CAST(NULL AS ${text}) AS _hash`,
    `CAST(NULL AS ${text}) AS _run_id`,
    `CAST(NULL AS ${dialect.typeName('timestamp')}) AS _synced_at`,
    ...spec.fields.map((field, i) => `${dialect.quoteIdentifier(field.column)} AS ${fieldColumn('f', i)}`),
  ];
  const select = `SELECT ${columns.join(', ')} FROM ${dialect.quoteTable(spec.model)} WHERE 1 = 0`;
  await warehouse.execute(dialect.createTableAs(spec.tables.snapshot, select));
}

async function seedFromPrevious(
  warehouse: WarehouseAdapter,
  spec: DiffSpec,
  previous: TableRef,
  previousFields: string[],
): Promise<void> {
  const { dialect } = warehouse;
  const carried = spec.fields.map((field, i) => {
    const index = previousFields.indexOf(field.name);
    return { target: fieldColumn('f', i), source: index >= 0 ? fieldColumn('f', index) : 'NULL' };
  });
  const targets = ['_key', '_hash', '_run_id', '_synced_at', ...carried.map((c) => c.target)];
  const sources = ['_key', 'NULL', '_run_id', '_synced_at', ...carried.map((c) => c.source)];
  await warehouse.execute(
    `INSERT INTO ${dialect.quoteTable(spec.tables.snapshot)} (${targets.join(', ')}) ` +
      `SELECT ${sources.join(', ')} FROM ${dialect.quoteTable(previous)}`,
  );
}

async function registerVersion(warehouse: WarehouseAdapter, registry: TableRef, spec: DiffSpec): Promise<void> {
  const { dialect } = warehouse;
  const fields = JSON.stringify(spec.fields.map((field) => field.name));
  const values = [spec.sync, spec.tables.snapshot.name.split('__').pop()!, spec.tables.snapshot.name, fields];
  await warehouse.execute(
    `INSERT INTO ${dialect.quoteTable(registry)} VALUES (${values.map((v) => dialect.stringLiteral(v)).join(', ')}, CURRENT_TIMESTAMP)`,
  );
}

export async function countRows(warehouse: WarehouseAdapter, table: TableRef): Promise<number> {
  const rows = await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dialect.quoteTable(table)}`);
  return Number(rows[0]?.n ?? 0);
}
