import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeAdapter } from '../../../src/warehouse/snowflake/snowflake-adapter.js';
import { openTestSnowflake, snowflakeSkipReason } from '../../support/snowflake/open-test-snowflake.js';

describe.skipIf(snowflakeSkipReason !== undefined)('Snowflake adapter on fakesnow', () => {
  let warehouse: SnowflakeAdapter;

  beforeAll(async () => {
    warehouse = await openTestSnowflake('adapter');
    await warehouse.ensureSchema('analytics');
  });

  afterAll(async () => {
    await warehouse?.close();
  });

  it('reads values in canonical form', async () => {
    const [row] = await warehouse.query(
      `SELECT 42 AS small, 9007199254740993::NUMBER(38,0) AS big, 12.50::NUMBER(10,2) AS price, ` +
        `-0.5::NUMBER(10,2) AS refund, 1.5::FLOAT AS ratio, TRUE AS active, 'it''s' AS text, ` +
        `'2024-03-01'::DATE AS day, '2024-03-01 12:34:56.123456'::TIMESTAMP_NTZ AS ntz, ` +
        `'2024-03-01 12:34:56.123456 +05:30'::TIMESTAMP_TZ AS tz, ` +
        `PARSE_JSON('{"a":[1,"x"]}') AS doc, NULL AS nothing`,
    );
    expect(row).toEqual({
      small: 42,
      big: '9007199254740993',
      price: '12.5',
      refund: '-0.5',
      ratio: 1.5,
      active: true,
      text: "it's",
      day: '2024-03-01',
      ntz: '2024-03-01T12:34:56.123456Z',
      tz: '2024-03-01T07:04:56.123456Z',
      doc: { a: [1, 'x'] },
      nothing: null,
    });
  });

  it('reports upper-case result names in lower case', async () => {
    const [row] = await warehouse.query(`SELECT 1 AS plain, 2 AS "Mixed Case", 3 AS "${'UPPER'}"`);
    expect(Object.keys(row!)).toEqual(['plain', 'Mixed Case', 'upper']);
  });

  it('quotes awkward table and column names', async () => {
    const table = { schema: 'analytics', name: 'odd "name".x' };
    const column = 'Lifetime "Value"';
    const dialect = warehouse.dialect;
    await warehouse.execute(`CREATE OR REPLACE TABLE ${dialect.quoteTable(table)} (${dialect.quoteIdentifier(column)} VARCHAR)`);
    await warehouse.execute(`INSERT INTO ${dialect.quoteTable(table)} VALUES (${dialect.stringLiteral("a 'quoted' \\ backslash")})`);
    const rows = await warehouse.query(`SELECT ${dialect.quoteIdentifier(column)} FROM ${dialect.quoteTable(table)}`);
    expect(rows).toEqual([{ [column]: "a 'quoted' \\ backslash" }]);
    expect(await warehouse.tableExists(table)).toBe(true);
    expect(await warehouse.tableExists({ schema: 'analytics', name: 'missing' })).toBe(false);
  });

  it('streams a result in pages', async () => {
    await warehouse.loadRows(
      { schema: 'analytics', name: 'numbers' },
      [{ name: 'n', type: 'integer' }],
      Array.from({ length: 25 }, (_, index) => ({ n: index + 1 })),
    );
    const sizes: number[] = [];
    const values: number[] = [];
    for await (const page of warehouse.stream('SELECT n FROM analytics.numbers ORDER BY n', 10)) {
      sizes.push(page.length);
      values.push(...page.map((row) => row.n as number));
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(values).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
  });

  it('stops a stream that the consumer leaves early', async () => {
    let pages = 0;
    for await (const page of warehouse.stream('SELECT n FROM analytics.numbers ORDER BY n', 10)) {
      pages += 1;
      expect(page).toHaveLength(10);
      break;
    }
    expect(pages).toBe(1);
    const [after] = await warehouse.query('SELECT count(*) AS n FROM analytics.numbers');
    expect(after).toEqual({ n: 25 });
  });

  it('describes a query without running it', async () => {
    const columns = await warehouse.describe(`SELECT n, n * 1.5 AS scaled, 'x' AS label FROM analytics.numbers`);
    expect(columns.map((column) => [column.name, column.type])).toEqual([
      ['n', 'integer'],
      ['scaled', 'decimal'],
      ['label', 'string'],
    ]);
  });

  it('loads rows and keeps exact values', async () => {
    const table = { schema: 'analytics', name: 'loaded' };
    const columns = [
      { name: 'id', type: 'integer' as const },
      { name: 'amount', type: 'decimal' as const },
      { name: 'seen_at', type: 'timestamp' as const },
      { name: 'day', type: 'date' as const },
      { name: 'active', type: 'boolean' as const },
      { name: 'email', type: 'string' as const },
      { name: 'traits', type: 'json' as const },
    ];
    const first = {
      id: '9007199254740993',
      amount: '1234567.891',
      seen_at: '2024-03-01T07:04:56.123456Z',
      day: '2024-02-29',
      active: true,
      email: "o'brien@example.com",
      traits: { tier: 'gold', visits: 3 },
    };
    const second = { id: 2, amount: '0.5', seen_at: null, day: null, active: false, email: null, traits: null };

    await warehouse.loadRows(table, columns, [first]);
    await warehouse.loadRows(table, columns, [second], { append: true });
    const rows = await warehouse.query(`SELECT * FROM analytics.loaded ORDER BY id DESC`);
    expect(rows).toEqual([first, second]);
  });

  it('rolls back every statement when one fails', async () => {
    await warehouse.execute('CREATE OR REPLACE TABLE analytics.ledger (n NUMBER(38,0))');
    await expect(
      warehouse.atomically(['INSERT INTO analytics.ledger VALUES (1)', 'INSERT INTO analytics.missing_table VALUES (2)']),
    ).rejects.toThrow(/Snowflake: .*\n {2}in statement: INSERT INTO analytics.missing_table/s);
    expect(await warehouse.query('SELECT count(*) AS n FROM analytics.ledger')).toEqual([{ n: 0 }]);

    await warehouse.atomically(['INSERT INTO analytics.ledger VALUES (1)', 'INSERT INTO analytics.ledger VALUES (2)']);
    expect(await warehouse.query('SELECT count(*) AS n FROM analytics.ledger')).toEqual([{ n: 2 }]);
  });

  it('keeps the current schema when it creates another', async () => {
    const [before] = await warehouse.query('SELECT CURRENT_SCHEMA() AS current_schema');
    await warehouse.ensureSchema('created_elsewhere');
    await warehouse.ensureSchema('created_elsewhere');
    const [after] = await warehouse.query('SELECT CURRENT_SCHEMA() AS current_schema');
    expect(before).toEqual({ current_schema: 'PUBLIC' });
    expect(after).toEqual(before);
  });

  it('runs tagged statements after setTag', async () => {
    warehouse.setTag('run_20240101T000000Z_abc123');
    const rows = await warehouse.query('SELECT 1 AS one');
    warehouse.setTag(undefined);
    expect(rows).toEqual([{ one: 1 }]);
  });
});
