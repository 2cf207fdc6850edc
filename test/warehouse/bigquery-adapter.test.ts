import dc from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalValue, LogicalType, Row } from '../../src/core/values.js';
import type { BigQueryAdapter } from '../../src/warehouse/bigquery/bigquery-adapter.js';
import { bigqueryDialect as dialect } from '../../src/warehouse/bigquery/bigquery-dialect.js';
import { rowHashExpression } from '../../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { duckdbDialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';
import { bigquerySkipReason, bigquerySuiteTitle, EMULATOR_ACCESS_TOKEN, openEmulatorWarehouse, uniqueDataset } from '../support/bigquery.js';
import { startBigQueryProxy, type BigQueryProxy } from '../support/bigquery-proxy.js';

const skip = bigquerySkipReason() !== undefined;

/** Remote addresses of every TCP connection this test file opens. */
const remoteAddresses = new Set<string>();
dc.subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  socket.once('connect', () => remoteAddresses.add(String(socket.remoteAddress)));
});

let warehouse: BigQueryAdapter;
let dataset: string;

beforeAll(async () => {
  if (skip) return;
  dataset = uniqueDataset('adapter');
  warehouse = await openEmulatorWarehouse(dataset);
});

async function readValue(expr: string): Promise<CanonicalValue | undefined> {
  const rows = await warehouse.query(`SELECT ${expr} AS v`);
  return rows[0]!.v;
}

/** SQL expression, and the canonical value the adapter must return for it. */
const canonicalCases: [expr: string, expected: CanonicalValue][] = [
  ['42', 42],
  ['9007199254740991', 9007199254740991],
  ['9007199254740993', '9007199254740993'],
  ['-9007199254740993', '-9007199254740993'],
  ['9223372036854775807', '9223372036854775807'],
  ["NUMERIC '12.50'", '12.5'],
  // The emulator stores NUMERIC as DuckDB's DECIMAL(18,3), so wider values are tested without it.
  ["NUMERIC '123456789012345.125'", '123456789012345.125'],
  ["NUMERIC '0.00'", '0'],
  ["NUMERIC '-0.50'", '-0.5'],
  ["NUMERIC '100'", '100'],
  ["BIGNUMERIC '1.5'", '1.5'],
  ['1.5', 1.5],
  ['0.1', 0.1],
  ['1e300', 1e300],
  ["TIMESTAMP '2024-03-01 12:34:56.123456+00'", '2024-03-01T12:34:56.123456Z'],
  ["TIMESTAMP '2024-03-01 00:00:00+00'", '2024-03-01T00:00:00.000000Z'],
  ["TIMESTAMP '2024-03-01 12:34:56.123456+05:30'", '2024-03-01T07:04:56.123456Z'],
  ["TIMESTAMP '2024-01-01 00:30:00-08:00'", '2024-01-01T08:30:00.000000Z'],
  ["TIMESTAMP '1969-12-31 23:59:59.5+00'", '1969-12-31T23:59:59.500000Z'],
  ["DATETIME '2024-03-01 12:34:56.123456'", '2024-03-01T12:34:56.123456Z'],
  ["DATE '2024-02-29'", '2024-02-29'],
  [`JSON '{ "a" : [1, 2, {"b": null}], "s": "x" }'`, { a: [1, 2, { b: null }], s: 'x' }],
  [`JSON '"just text"'`, 'just text'],
  ['[1, 2, 3]', [1, 2, 3]],
  ["STRUCT(1 AS x, 'z' AS y)", { x: 1, y: 'z' }],
  ["[STRUCT('a' AS k), STRUCT('b' AS k)]", [{ k: 'a' }, { k: 'b' }]],
  ['[9007199254740993]', ['9007199254740993']],
  ['TRUE', true],
  ["'O\\'Brien'", "O'Brien"],
  ['CAST(NULL AS STRING)', null],
  ['CAST(NULL AS NUMERIC)', null],
  ['CAST(NULL AS TIMESTAMP)', null],
  ['CAST(NULL AS JSON)', null],
];

/**
 * SQL expressions whose canonical text must equal the canonical value read into Node:
 * String(value) for scalars, JSON.stringify(value) for JSON.
 */
const textCases: [expr: string, type: 'integer' | 'decimal' | 'float' | 'boolean' | 'timestamp' | 'date' | 'json' | 'string'][] = [
  ['42', 'integer'],
  ['9007199254740993', 'integer'],
  ["NUMERIC '12.50'", 'decimal'],
  ["NUMERIC '123456789012345.125'", 'decimal'],
  ["NUMERIC '0.00'", 'decimal'],
  ["NUMERIC '-0.50'", 'decimal'],
  ["NUMERIC '100'", 'decimal'],
  ['3.0', 'float'],
  ['100.0', 'float'],
  ['0.1', 'float'],
  ['-1.5e-10', 'float'],
  ['1e-7', 'float'],
  ['0.000001', 'float'],
  ['2.5e-5', 'float'],
  ['1e21', 'float'],
  ['1e20', 'float'],
  ["CAST('NaN' AS FLOAT64)", 'float'],
  ["CAST('inf' AS FLOAT64)", 'float'],
  ["CAST('-inf' AS FLOAT64)", 'float'],
  ['TRUE', 'boolean'],
  ['FALSE', 'boolean'],
  ["TIMESTAMP '2024-03-01 12:34:56.123456+00'", 'timestamp'],
  ["TIMESTAMP '2024-03-01 00:00:00+00'", 'timestamp'],
  ["TIMESTAMP '2024-03-01 12:34:56.123456+05:30'", 'timestamp'],
  ["TIMESTAMP '1969-12-31 23:59:59.5+00'", 'timestamp'],
  ["DATETIME '2024-03-01 12:34:56.000007'", 'timestamp'],
  ["DATE '2024-02-29'", 'date'],
  ["DATE '0099-01-01'", 'date'],
  [`JSON '{ "a" : [1, 2, {"b": null}], "s": "x" }'`, 'json'],
  ["STRUCT(1 AS x, 'z' AS y)", 'json'],
  ["'名前 😀 e\\u0301'", 'string'],
];

function textOf(value: CanonicalValue): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

describe.skipIf(skip)(bigquerySuiteTitle('BigQuery values in canonical form'), () => {
  it.each(canonicalCases)('%s', async (expr, expected) => {
    expect(await readValue(expr)).toEqual(expected);
  });

  it.each(textCases)('canonical text of %s', async (expr, type) => {
    const [row] = await warehouse.query(`SELECT ${expr} AS v, ${dialect.canonicalText(expr, type)} AS t`);
    expect(row!.t).toBe(type === 'float' ? String(Number(row!.v)) : textOf(row!.v!));
  });
});

describe.skipIf(skip)(bigquerySuiteTitle('BigQuery adapter'), () => {
  it('streams a result in pages of the requested size', async () => {
    const pages: number[] = [];
    for await (const page of warehouse.stream('SELECT n FROM UNNEST(GENERATE_ARRAY(1, 25)) AS n ORDER BY n', 10)) {
      pages.push(page.length);
    }
    expect(pages).toEqual([10, 10, 5]);
  });

  it('loads rows with exact values and reads them back', async () => {
    const table = { schema: dataset, name: 'loaded' };
    const columns = [
      { name: 'id', type: 'integer' as const },
      { name: 'label', type: 'string' as const },
      { name: 'amount', type: 'decimal' as const },
      { name: 'ratio', type: 'float' as const },
      { name: 'active', type: 'boolean' as const },
      { name: 'seen_at', type: 'timestamp' as const },
      { name: 'born_on', type: 'date' as const },
      { name: 'traits', type: 'json' as const },
    ];
    const rows: Row[] = [
      {
        id: '9007199254740993',
        label: "it's a \\ `tick` \n new line",
        amount: '123456789012345.125',
        ratio: 0.1,
        active: true,
        seen_at: '2024-03-01T07:04:56.123456Z',
        born_on: '2024-02-29',
        traits: { tags: ['a', 'b'], score: 3 },
      },
      { id: 2, label: null, amount: null, ratio: null, active: false, seen_at: null, born_on: null, traits: null },
    ];
    await warehouse.loadRows(table, columns, rows);
    await warehouse.loadRows(table, columns, [{ id: 3, label: 'appended' }], { append: true });

    const read = await warehouse.query(`SELECT * FROM ${dialect.quoteTable(table)} ORDER BY id`);
    expect(read).toEqual([rows[1], { id: 3, label: 'appended', amount: null, ratio: null, active: null, seen_at: null, born_on: null, traits: null }, rows[0]]);
  });

  it('commits all statements of an atomic set', async () => {
    const table = dialect.quoteTable({ schema: dataset, name: 'atomic_ok' });
    await warehouse.execute(`CREATE OR REPLACE TABLE ${table} (id INT64)`);
    await warehouse.atomically([`INSERT INTO ${table} (id) VALUES (1)`, `INSERT INTO ${table} (id) VALUES (2)`]);
    expect(await warehouse.query(`SELECT id FROM ${table} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('rolls back an atomic set when a statement fails', async () => {
    const table = dialect.quoteTable({ schema: dataset, name: 'atomic_fail' });
    await warehouse.execute(`CREATE OR REPLACE TABLE ${table} (id INT64)`);
    await warehouse.execute(`INSERT INTO ${table} (id) VALUES (1)`);

    const statements = [`DELETE FROM ${table} WHERE TRUE`, `INSERT INTO ${table} (id) SELECT ERROR('forced failure')`];
    await expect(warehouse.atomically(statements)).rejects.toThrow(/forced failure/);
    expect(await warehouse.query(`SELECT id FROM ${table}`)).toEqual([{ id: 1 }]);
  });

  it('describes a query without running it', async () => {
    const columns = await warehouse.describe("SELECT 1 AS n, 'x' AS s, NUMERIC '1.5' AS d, CURRENT_TIMESTAMP() AS t, [1] AS a");
    expect(columns.map((column) => [column.name, column.type])).toEqual([
      ['n', 'integer'],
      ['s', 'string'],
      ['d', 'decimal'],
      ['t', 'timestamp'],
      ['a', 'json'],
    ]);
  });

  it('tells existing tables and datasets apart', async () => {
    await warehouse.execute(`CREATE OR REPLACE TABLE ${dialect.quoteTable({ schema: dataset, name: 'present' })} (id INT64)`);
    expect(await warehouse.tableExists({ schema: dataset, name: 'present' })).toBe(true);
    expect(await warehouse.tableExists({ name: 'present' })).toBe(true);
    expect(await warehouse.tableExists({ schema: dataset, name: 'absent' })).toBe(false);
    await warehouse.ensureSchema(dataset);
  });

  it('names the statement in an error', async () => {
    await expect(warehouse.query('SELECT * FROM no_such_table_here')).rejects.toThrow(/BigQuery: .*\n {2}in statement: SELECT \* FROM no_such_table_here/);
  });
});

describe.skipIf(skip)(bigquerySuiteTitle('BigQuery adapter behind a proxy'), () => {
  let proxy: BigQueryProxy;
  let proxied: BigQueryAdapter;

  beforeAll(async () => {
    if (skip) return;
    const { bigqueryEndpoint } = await import('../support/bigquery.js');
    proxy = await startBigQueryProxy(bigqueryEndpoint());
    proxied = await openEmulatorWarehouse(dataset, proxy.url);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const twentyFive = 'SELECT n FROM UNNEST(GENERATE_ARRAY(1, 25)) AS n ORDER BY n';

  it('loads more than 100 rows with a load job', async () => {
    const table = { schema: dataset, name: 'loaded_in_bulk' };
    const columns = [
      { name: 'id', type: 'integer' as const },
      { name: 'label', type: 'string' as const },
      { name: 'amount', type: 'decimal' as const },
      { name: 'ratio', type: 'float' as const },
      { name: 'active', type: 'boolean' as const },
      { name: 'seen_at', type: 'timestamp' as const },
      { name: 'born_on', type: 'date' as const },
      { name: 'traits', type: 'json' as const },
    ];
    const rows: Row[] = Array.from({ length: 1_000 }, (_, index) => ({
      id: index === 0 ? '9007199254740993' : index,
      label: index === 1 ? null : `${index} it's a \\ "quoted" \n line 名前`,
      amount: index % 2 === 0 ? '12345.125' : '-0.5',
      ratio: index === 2 ? null : index / 8,
      active: index % 3 === 0,
      seen_at: index === 3 ? null : '2024-03-01T07:04:56.123456Z',
      born_on: index === 4 ? null : '2024-02-29',
      traits: index === 5 ? null : { tags: ['a', index], nested: { ok: true } },
    }));
    const uploads = () => proxy.requests.filter((request) => request.path.startsWith('/upload/bigquery/v2/')).length;
    const uploadsBefore = uploads();

    await proxied.loadRows(table, columns, rows.slice(0, 100));
    expect(uploads(), 'uploads for 100 rows').toBe(uploadsBefore);
    await proxied.loadRows(table, columns, rows.slice(100), { append: true });
    expect(uploads(), 'uploads for 900 rows').toBe(uploadsBefore + 1);

    const read = await proxied.query(`SELECT * FROM ${dialect.quoteTable(table)}`);
    const byId = (row: Row) => String(row.id);
    expect(read.sort((a, b) => byId(a).localeCompare(byId(b)))).toEqual(rows.sort((a, b) => byId(a).localeCompare(byId(b))));
  });

  it('rejects a page that lost rows', async () => {
    proxy.rewriteResults = (response) => ({ ...response, rows: (response.rows as unknown[]).slice(0, 20) });
    try {
      await expect(proxied.query(twentyFive)).rejects.toThrow(/reported 25 result rows, but 20 were read/);
    } finally {
      proxy.rewriteResults = undefined;
    }
  });

  it('rejects a result whose second page was lost', async () => {
    proxy.rewriteResults = (response, query) => (query.has('pageToken') && !lostPage ? lose(response) : response);
    let lostPage = false;
    const lose = (response: Record<string, unknown>) => {
      lostPage = true;
      return { ...response, rows: [] };
    };
    const pages: number[] = [];
    const read = async () => {
      for await (const page of proxied.stream(twentyFive, 10)) pages.push(page.length);
    };
    try {
      await expect(read()).rejects.toThrow(/reported 25 result rows, but 15 were read\. The result is incomplete/);
      expect(pages).toEqual([10, 5]);
    } finally {
      proxy.rewriteResults = undefined;
    }
  });

  it('rejects a result whose page token stops early', async () => {
    proxy.rewriteResults = (response) => ({ ...response, pageToken: undefined });
    const read = async () => {
      for await (const _page of proxied.stream(twentyFive, 10)) {
        // Reading is the point.
      }
    };
    try {
      await expect(read()).rejects.toThrow(/reported 25 result rows, but 10 were read/);
    } finally {
      proxy.rewriteResults = undefined;
    }
  });

  it('labels every job with the run and sync', async () => {
    proxied.setTag('run=run_20240301T120000Z_a1b2c3 sync=Customers');
    try {
      await proxied.execute('SELECT 1');
    } finally {
      proxied.setTag(undefined);
    }
    const inserts = proxy.requests.filter((request) => request.method === 'POST' && request.path.includes('/jobs'));
    const job = JSON.parse(inserts.at(-1)!.body) as { configuration: { labels: Record<string, string>; query: { query: string } } };
    expect(job.configuration.labels).toEqual({ sluice: 'true', sluice_run: 'run_20240301t120000z_a1b2c3', sluice_sync: 'customers' });
    expect(job.configuration.query.query).toMatch(/^\/\* sluice run=run_20240301T120000Z_a1b2c3 sync=Customers \*\/ SELECT 1/);
  });

  it('authenticates with the configured token', () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    for (const request of proxy.requests) expect(request.headers.authorization).toBe(`Bearer ${EMULATOR_ACCESS_TOKEN}`);
  });

  it('sends nothing beyond the loopback interface', () => {
    expect(remoteAddresses.size).toBeGreaterThan(0);
    for (const address of remoteAddresses) expect(address).toBe('127.0.0.1');
  });
});

/** One row's values as BigQuery and DuckDB SQL expressions of the same logical type. */
const sameRow: { bigquery: string; duckdb: string; type: LogicalType }[] = [
  { bigquery: "'名前 😀 e\u0301'", duckdb: "'名前 😀 e\u0301'", type: 'string' },
  { bigquery: '9007199254740993', duckdb: '9007199254740993::BIGINT', type: 'integer' },
  { bigquery: "NUMERIC '12.50'", duckdb: '12.50::DECIMAL(10,2)', type: 'decimal' },
  { bigquery: '0.1', duckdb: '0.1::DOUBLE', type: 'float' },
  { bigquery: '3.0', duckdb: '3.0::DOUBLE', type: 'float' },
  { bigquery: '1e21', duckdb: '1e21::DOUBLE', type: 'float' },
  { bigquery: '1e-7', duckdb: '1e-7::DOUBLE', type: 'float' },
  { bigquery: 'TRUE', duckdb: 'true', type: 'boolean' },
  { bigquery: "TIMESTAMP '2024-03-01 12:34:56.123456+05:30'", duckdb: "TIMESTAMPTZ '2024-03-01 12:34:56.123456+05:30'", type: 'timestamp' },
  { bigquery: "DATETIME '2024-03-01 07:04:56'", duckdb: "TIMESTAMP '2024-03-01 07:04:56'", type: 'timestamp' },
  { bigquery: "DATE '2024-02-29'", duckdb: "DATE '2024-02-29'", type: 'date' },
  { bigquery: `JSON '{"a": [1, 2], "s": "x"}'`, duckdb: `'{"a": [1, 2], "s": "x"}'::JSON`, type: 'json' },
  { bigquery: 'CAST(NULL AS STRING)', duckdb: 'NULL::VARCHAR', type: 'string' },
];

describe.skipIf(skip)(bigquerySuiteTitle('BigQuery row hashes'), () => {
  it('equal DuckDB row hashes for the same values', async () => {
    const duckdb = await DuckDBAdapter.open({ path: ':memory:' });
    try {
      const bigqueryColumns = sameRow.map((column) => ({ expr: column.bigquery, type: column.type }));
      const duckdbColumns = sameRow.map((column) => ({ expr: column.duckdb, type: column.type }));
      const [fromBigQuery] = await warehouse.query(`SELECT ${rowHashExpression(dialect, bigqueryColumns)} AS h`);
      const [fromDuckDB] = await duckdb.query(`SELECT ${rowHashExpression(duckdbDialect, duckdbColumns)} AS h`);
      expect(fromBigQuery!.h).toMatch(/^[0-9a-f]{32}$/);
      expect(fromBigQuery!.h).toBe(fromDuckDB!.h);

      for (const column of sameRow) {
        const [bigqueryText] = await warehouse.query(`SELECT ${dialect.canonicalText(column.bigquery, column.type)} AS t`);
        const [duckdbText] = await duckdb.query(`SELECT ${duckdbDialect.canonicalText(column.duckdb, column.type)} AS t`);
        expect(bigqueryText!.t, column.bigquery).toBe(duckdbText!.t);
      }
    } finally {
      await duckdb.close();
    }
  });

  it('reads the same canonical values as DuckDB', async () => {
    const duckdb = await DuckDBAdapter.open({ path: ':memory:' });
    try {
      const select = (exprs: string[]) => `SELECT ${exprs.map((expr, index) => `${expr} AS c${index}`).join(', ')}`;
      const [fromBigQuery] = await warehouse.query(select(sameRow.map((column) => column.bigquery)));
      const [fromDuckDB] = await duckdb.query(select(sameRow.map((column) => column.duckdb)));
      expect(fromBigQuery).toEqual(fromDuckDB);
    } finally {
      await duckdb.close();
    }
  });
});
