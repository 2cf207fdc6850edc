import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitSnapshotSql, createDiffTableSql, keyExpression, pendingSendsSql } from '../../src/diff/diff-sql.js';
import type { DiffSpec } from '../../src/diff/diff-spec.js';
import { syncTables } from '../../src/diff/sync-tables.js';
import type { SqlDialect } from '../../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { bigqueryDialect } from '../../src/warehouse/bigquery/bigquery-dialect.js';
import { duckdbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { snowflakeDialect } from '../../src/warehouse/snowflake/snowflake-dialect.js';

/** Dialect of the tests that run the SQL in DuckDB. */
const dialect = duckdbDialect;

/** A mirror sync with one key and two fields, one of them with an awkward column name. */
const mirrorSpec: DiffSpec = {
  sync: 'contacts',
  mode: 'mirror',
  model: { schema: 'analytics', name: 'contacts' },
  keyColumns: [{ name: 'id', type: 'integer' }],
  fields: [
    { name: 'email', column: 'email', type: 'string', onNull: 'clear' },
    { name: 'lifetime_value', column: 'Lifetime "Value"', type: 'decimal', onNull: 'skip' },
  ],
  tables: syncTables('sluice', 'contacts', 'v1a2b3c4'),
  skipDuplicateKeys: false,
  full: false,
};

/** An audience sync with a composite key that skips duplicate keys and resends everything. */
const audienceSpec: DiffSpec = {
  sync: 'buyers',
  mode: 'audience',
  model: { schema: 'analytics', name: 'buyers' },
  keyColumns: [
    { name: 'account_id', type: 'integer' },
    { name: 'email', type: 'string' },
  ],
  fields: [{ name: 'seen_at', column: 'seen_at', type: 'timestamp', onNull: 'skip' }],
  tables: syncTables('sluice', 'buyers', 'v9f8e7d6'),
  skipDuplicateKeys: true,
  full: true,
};

/**
 * Dialects whose diff SQL is pinned in `golden/<name>-diff.sql`. A new dialect adds one entry
 * here, and a run with UPDATE_GOLDEN=1 writes its file for review.
 */
const GOLDEN_DIALECTS: { name: string; dialect: SqlDialect }[] = [
  { name: 'duckdb', dialect: duckdbDialect },
  { name: 'snowflake', dialect: snowflakeDialect },
  { name: 'bigquery', dialect: bigqueryDialect },
];

function goldenText(dialect: SqlDialect): string {
  const sections: [string, string][] = [];
  for (const spec of [mirrorSpec, audienceSpec]) {
    createDiffTableSql(spec, dialect).forEach((statement, index) => {
      sections.push([`createDiffTableSql ${spec.sync} statement ${index + 1}`, statement]);
    });
    sections.push([`pendingSendsSql ${spec.sync}`, pendingSendsSql(spec, dialect)]);
    commitSnapshotSql(spec, dialect, 'run_20240101T000000Z_abc123', 250).forEach((statement, index) => {
      sections.push([`commitSnapshotSql ${spec.sync} statement ${index + 1}`, statement]);
    });
  }
  return sections.map(([title, sql]) => `-- ${title}\n${sql};\n`).join('\n');
}

describe.each(GOLDEN_DIALECTS)('diff SQL for $name', ({ name, dialect }) => {
  it('matches the golden file', async () => {
    const goldenFile = fileURLToPath(new URL(`./golden/${name}-diff.sql`, import.meta.url));
    const actual = goldenText(dialect);
    if (process.env.UPDATE_GOLDEN === '1') {
      await mkdir(dirname(goldenFile), { recursive: true });
      await writeFile(goldenFile, actual);
    }
    expect(existsSync(goldenFile), `${goldenFile} is missing; run the tests with UPDATE_GOLDEN=1 to write it`).toBe(true);
    const expected = await readFile(goldenFile, 'utf8');
    expect(actual, 'generated SQL changed; review it and run with UPDATE_GOLDEN=1 to accept').toBe(expected);
  });
});

describe('diff SQL in DuckDB', () => {
  let warehouse: DuckDBAdapter;

  beforeEach(async () => {
    warehouse = await DuckDBAdapter.open({ path: ':memory:' });
  });

  afterEach(async () => {
    await warehouse.close();
  });

  it('plans, sends and commits a mirror sync', async () => {
    await warehouse.ensureSchema('analytics');
    await warehouse.ensureSchema('sluice');
    await warehouse.execute(
      `CREATE TABLE analytics.contacts AS SELECT * FROM (VALUES
        (1, 'a@example.com', 10.50::DECIMAL(10,2)),
        (2, 'b@example.com', NULL),
        (3, 'c@example.com', 7.00::DECIMAL(10,2))
      ) t(id, email, "Lifetime ""Value""")`,
    );
    await warehouse.execute(
      `CREATE TABLE ${dialect.quoteTable(mirrorSpec.tables.snapshot)} AS SELECT * FROM (VALUES
        ('2', NULL::VARCHAR, 'old_run', NULL::TIMESTAMP, 'b@example.com', 5.00::DECIMAL(10,2)),
        ('4', NULL, 'old_run', NULL::TIMESTAMP, 'd@example.com', 1.00::DECIMAL(10,2))
      ) t(_key, _hash, _run_id, _synced_at, f0, f1)`,
    );

    for (const statement of createDiffTableSql(mirrorSpec, dialect)) await warehouse.execute(statement);
    const pending = await warehouse.query(pendingSendsSql(mirrorSpec, dialect));
    // Removed rows come first, so that batches hold one operation each.
    expect(pending.map((row) => [row._key, row._change, row._operation, row.n1])).toEqual([
      ['4', 'removed', 'delete', null],
      ['1', 'added', 'upsert', '10.5'],
      ['2', 'changed', 'upsert', null],
      ['3', 'added', 'upsert', '7'],
    ]);

    await warehouse.loadRows(mirrorSpec.tables.failed, [{ name: '_key', type: 'string' }], [{ _key: '3' }]);
    await warehouse.atomically(commitSnapshotSql(mirrorSpec, dialect, 'run_1', 4));
    const snapshot = await warehouse.query(`SELECT _key, _run_id, f0, f1 FROM ${dialect.quoteTable(mirrorSpec.tables.snapshot)} ORDER BY _key`);
    expect(snapshot).toEqual([
      { _key: '1', _run_id: 'run_1', f0: 'a@example.com', f1: '10.5' },
      { _key: '2', _run_id: 'run_1', f0: 'b@example.com', f1: '5' },
    ]);
  });
});

describe('keyExpression', () => {
  let warehouse: DuckDBAdapter;

  beforeEach(async () => {
    warehouse = await DuckDBAdapter.open({ path: ':memory:' });
  });

  afterEach(async () => {
    await warehouse.close();
  });

  it('keeps composite keys distinct', async () => {
    const pairs: [string, string][] = [
      ['a|b', 'c'],
      ['a', 'b|c'],
      ['1:a', ''],
      ['', '1:a'],
      ['a|1:b', ''],
      ['a', '1:b'],
      ['', ''],
    ];
    const values = pairs.map(([a, b]) => `(${dialect.stringLiteral(a)}, ${dialect.stringLiteral(b)})`).join(', ');
    await warehouse.execute(`CREATE TABLE pairs AS SELECT * FROM (VALUES ${values}) t(a, b)`);
    const key = keyExpression(dialect, [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ]);
    const rows = await warehouse.query(`SELECT a, b, ${key} AS k FROM pairs`);

    expect(new Set(rows.map((row) => row.k)).size).toBe(pairs.length);
    expect(rows.find((row) => row.a === 'a|b')!.k).toBe('3:a|b|1:c');
  });

  it('uses canonical text for one column', async () => {
    await warehouse.execute('CREATE TABLE ids AS SELECT 9007199254740993::BIGINT AS id, 12.50::DECIMAL(10,2) AS amount');
    const byId = keyExpression(dialect, [{ name: 'id', type: 'integer' }]);
    const byAmount = keyExpression(dialect, [{ name: 'amount', type: 'decimal' }], 'x');

    expect(await warehouse.query(`SELECT ${byId} AS k FROM ids`)).toEqual([{ k: '9007199254740993' }]);
    expect(await warehouse.query(`SELECT ${byAmount} AS k FROM ids x`)).toEqual([{ k: '12.5' }]);
  });
});
