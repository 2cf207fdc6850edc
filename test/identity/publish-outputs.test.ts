import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../src/warehouse/adapter.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, at, build, identityConfig, loadTable, openWarehouse } from './identity-fixture.js';

/**
 * Wraps the DuckDB adapter as a warehouse whose DDL commits an open transaction, as
 * Snowflake's does, so the identity engine takes the path that keeps DDL out of `atomically`.
 * Every statement list passed to `atomically` is recorded.
 */
function withoutTransactionalDdl(warehouse: DuckDBAdapter, transactions: string[][]): WarehouseAdapter {
  const capabilities = { ...warehouse.capabilities, supportsTransactionalDdl: false };
  return new Proxy(warehouse, {
    get(target, property) {
      if (property === 'capabilities') return capabilities;
      if (property === 'atomically') {
        return (statements: string[]) => {
          transactions.push(statements);
          return target.atomically(statements);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const input = {
  name: 'web',
  relation: { model: 'web' },
  timestamp: 'seen_at',
  identifiers: { user_id: 'user_id', email: 'email' },
  fields: { first_name: 'first_name' },
};

const ROWS = [
  { user_id: 'u-1', email: 'ana@example.com', first_name: 'Ana', seen_at: at(1) },
  { user_id: 'u-1', email: 'ana.k@example.com', first_name: 'Anna', seen_at: at(2) },
  { user_id: 'u-2', email: 'bo@example.com', first_name: 'Bo', seen_at: at(3) },
];

/** Rows of every output table, without `created_at`, the time of the build that created a profile. */
async function outputs(warehouse: DuckDBAdapter): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const table of ['identity_graph', 'identity_edges', 'identity_blocked', 'profile_merges']) {
    result[table] = await warehouse.query(`SELECT * FROM ${SCHEMA}.${table} ORDER BY ALL`);
  }
  result.profiles = await warehouse.query(`SELECT * EXCLUDE (created_at) FROM ${SCHEMA}.profiles ORDER BY ALL`);
  return result;
}

describe('identity outputs without transactional DDL', () => {
  let warehouse: DuckDBAdapter;
  let reference: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    reference = await openWarehouse();
    await loadTable(warehouse, 'web', ROWS);
    await loadTable(reference, 'web', ROWS);
  });
  afterEach(async () => {
    await warehouse.close();
    await reference.close();
  });

  it('publishes the same tables with DML only', async () => {
    const transactions: string[][] = [];
    const config = identityConfig({ inputs: [input], traits: { first_name: { field: 'first_name', rule: 'most_recent' } } });
    await build(withoutTransactionalDdl(warehouse, transactions) as DuckDBAdapter, config);
    await build(reference, config);

    expect(await outputs(warehouse)).toEqual(await outputs(reference));
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.filter((statement) => /^\s*(CREATE|DROP|ALTER)\b/i.test(statement))).toEqual([]);
  });

  it('reshapes a table whose columns changed', async () => {
    const transactions: string[][] = [];
    const adapter = withoutTransactionalDdl(warehouse, transactions) as DuckDBAdapter;
    await build(adapter, identityConfig({ inputs: [input], traits: { first_name: { field: 'first_name', rule: 'most_recent' } } }));
    const wider = identityConfig({
      inputs: [input],
      traits: { first_name: { field: 'first_name', rule: 'most_recent' }, email: { identifier: 'email', rule: 'most_recent' } },
    });
    await build(adapter, wider);
    await build(reference, wider);

    const rows = await warehouse.query(`SELECT first_name, email FROM ${SCHEMA}.profiles ORDER BY first_name`);
    expect(rows).toEqual([
      { first_name: 'Anna', email: 'ana.k@example.com' },
      { first_name: 'Bo', email: 'bo@example.com' },
    ]);
    expect(await outputs(warehouse)).toEqual(await outputs(reference));
    expect(transactions).toHaveLength(2);
  });
});
