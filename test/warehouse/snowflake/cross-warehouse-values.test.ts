import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LogicalType, Row } from '../../../src/core/values.js';
import type { WarehouseAdapter } from '../../../src/warehouse/adapter.js';
import { rowHashExpression } from '../../../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../../../src/warehouse/duckdb/duckdb-adapter.js';
import { openTestSnowflake, snowflakeSkipReason } from '../../support/snowflake/open-test-snowflake.js';

const execFileAsync = promisify(execFile);

const columns: { name: string; type: LogicalType }[] = [
  { name: 'id', type: 'integer' },
  { name: 'big', type: 'integer' },
  { name: 'amount', type: 'decimal' },
  { name: 'whole_amount', type: 'decimal' },
  { name: 'email', type: 'string' },
  { name: 'active', type: 'boolean' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'birthday', type: 'date' },
  { name: 'ratio', type: 'float' },
];

/** Rows with the values that most often print differently: big numbers, zeros, quotes, NULLs. */
const rows: Row[] = [
  {
    id: 1,
    big: '9007199254740993',
    amount: '12.5',
    whole_amount: '10',
    email: "o'brien\\x@example.com",
    active: true,
    seen_at: '2024-03-01T07:04:56.123456Z',
    birthday: '1969-12-31',
    ratio: 1.5,
  },
  {
    id: 2,
    big: -42,
    amount: '-0.001',
    whole_amount: '0',
    email: 'Zoë Ünal <zoe@example.com>',
    active: false,
    seen_at: '1969-12-31T23:59:58.750000Z',
    birthday: '2024-02-29',
    ratio: 3,
  },
  { id: 3, big: null, amount: null, whole_amount: null, email: null, active: null, seen_at: null, birthday: null, ratio: null },
];

/** Loads the rows and reads back each row's values, canonical texts and row hash. */
async function readBack(warehouse: WarehouseAdapter, schema: string): Promise<Row[]> {
  const { dialect } = warehouse;
  const table = { schema, name: 'people' };
  await warehouse.ensureSchema(schema);
  await warehouse.loadRows(table, columns, rows);

  const texts = columns.map((column) => `${dialect.canonicalText(dialect.quoteIdentifier(column.name), column.type)} AS ${dialect.quoteIdentifier(`${column.name}_text`)}`);
  const hash = rowHashExpression(
    dialect,
    columns.map((column) => ({ expr: dialect.quoteIdentifier(column.name), type: column.type })),
  );
  return warehouse.query(`SELECT *, ${texts.join(', ')}, ${hash} AS row_hash FROM ${dialect.quoteTable(table)} ORDER BY ${dialect.quoteIdentifier('id')}`);
}

describe.skipIf(snowflakeSkipReason !== undefined)('canonical values on DuckDB and Snowflake', () => {
  let duckdb: DuckDBAdapter;
  let snowflake: WarehouseAdapter;

  beforeAll(async () => {
    duckdb = await DuckDBAdapter.open({ path: ':memory:' });
    snowflake = await openTestSnowflake('cross');
  });

  afterAll(async () => {
    await duckdb?.close();
    await snowflake?.close();
  });

  it('reads the same values, texts and hashes', async () => {
    const fromDuckdb = await readBack(duckdb, 'analytics');
    const fromSnowflake = await readBack(snowflake, 'analytics');

    expect(fromDuckdb.map((row) => row.row_hash)).toHaveLength(3);
    for (const [index, expected] of fromDuckdb.entries()) {
      expect(fromSnowflake[index], `row ${index + 1}`).toEqual(expected);
    }
    expect(fromSnowflake.map(({ id, big, amount, seen_at }) => ({ id, big, amount, seen_at }))).toEqual(
      rows.map(({ id, big, amount, seen_at }) => ({ id, big, amount, seen_at })),
    );
  });
});

describe.skipIf(snowflakeSkipReason !== undefined)('Snowflake values whatever the process time zone', () => {
  const script = fileURLToPath(new URL('./fixtures/print-snowflake-values.ts', import.meta.url));

  it.each(['Asia/Kolkata', 'America/Los_Angeles'])('reads UTC instants with TZ=%s', async (timeZone) => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, TZ: timeZone, SNOWFLAKE_TEST_ENDPOINT: inject('snowflakeEndpoint') },
      timeout: 60_000,
    });
    const output = JSON.parse(stdout) as { processTimeZone: string; values: Row; loaded: Row };

    expect(output.processTimeZone).not.toBe('UTC');
    expect(output.values).toEqual({
      tz: '2024-03-01T07:04:56.123456Z',
      ntz: '2024-03-01T12:34:56.123456Z',
      day: '2024-03-01',
      tz_text: '2024-03-01T07:04:56.123456Z',
      ntz_text: '2024-03-01T12:34:56.123456Z',
      day_text: '2024-03-01',
    });
    expect(output.loaded).toEqual({ loaded_at: '2024-03-01T07:04:56.123456Z' });
  });
});
