import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { duckdbDialect as dialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';

let warehouse: DuckDBAdapter;

beforeAll(async () => {
  warehouse = await DuckDBAdapter.open({ path: ':memory:' });
});

afterAll(async () => {
  await warehouse.close();
});

const awkwardNames = [
  'say "hi"',
  '""',
  'schema.table',
  'with space',
  'MixedCase',
  'Ünïcödé_名前',
  'emoji 😀',
  "it's",
  'trailing ',
  'semi;colon -- not a comment',
];

describe('duckdbDialect.quoteIdentifier', () => {
  it('always quotes and doubles embedded quotes', () => {
    expect(dialect.quoteIdentifier('plain')).toBe('"plain"');
    expect(dialect.quoteIdentifier('say "hi"')).toBe('"say ""hi"""');
    expect(dialect.quoteTable({ schema: 'a.b', name: 'c"d' })).toBe('"a.b"."c""d"');
    expect(dialect.quoteTable({ name: 'only' })).toBe('"only"');
  });

  it('round-trips awkward names in DuckDB', async () => {
    const ref = { schema: 'sch"ema.name', name: 'tab le."x"' };
    await warehouse.ensureSchema(ref.schema);
    const columns = awkwardNames.map((name) => `${dialect.quoteIdentifier(name)} VARCHAR`).join(', ');
    await warehouse.execute(`CREATE TABLE ${dialect.quoteTable(ref)} (${columns})`);
    const values = awkwardNames.map((name) => dialect.stringLiteral(`value of ${name}`)).join(', ');
    await warehouse.execute(`INSERT INTO ${dialect.quoteTable(ref)} VALUES (${values})`);

    expect(await warehouse.tableExists(ref)).toBe(true);
    const rows = await warehouse.query(`SELECT * FROM ${dialect.quoteTable(ref)}`);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!)).toEqual(awkwardNames);
    for (const name of awkwardNames) expect(rows[0]![name]).toBe(`value of ${name}`);

    const selected = await warehouse.query(
      `SELECT ${awkwardNames.map((name) => dialect.quoteIdentifier(name)).join(', ')} FROM ${dialect.quoteTable(ref)}`,
    );
    expect(selected).toEqual(rows);
  });

  it('round-trips awkward names via loadRows', async () => {
    const ref = { name: 'load "target".v1' };
    const columns = awkwardNames.map((name) => ({ name, type: 'string' as const }));
    const row = Object.fromEntries(awkwardNames.map((name) => [name, `v:${name}`]));
    await warehouse.loadRows(ref, columns, [row]);

    expect(await warehouse.query(`SELECT * FROM ${dialect.quoteTable(ref)}`)).toEqual([row]);
    const described = await warehouse.describe(`SELECT * FROM ${dialect.quoteTable(ref)}`);
    expect(described.map((column) => column.name)).toEqual(awkwardNames);
  });

  it('keeps the case of a mixed-case column', async () => {
    const rows = await warehouse.query(`SELECT 1 AS ${dialect.quoteIdentifier('CamelCase')}`);
    expect(Object.keys(rows[0]!)).toEqual(['CamelCase']);
  });

  it('reports a table that does not exist', async () => {
    expect(await warehouse.tableExists({ schema: 'main', name: 'say "hi"' })).toBe(false);
  });
});

describe('duckdbDialect.stringLiteral', () => {
  const texts = [
    '',
    "O'Brien",
    "''",
    "it's ''doubled''",
    'back\\slash \\n not a newline',
    'real\nnewline\ttab',
    "'; DROP TABLE users; --",
    '名前 😀 é',
    '$$dollar$$',
  ];

  it.each(texts)('round-trips %j', async (text) => {
    const rows = await warehouse.query(`SELECT ${dialect.stringLiteral(text)} AS v`);
    expect(rows).toEqual([{ v: text }]);
  });

  it('doubles single quotes only', () => {
    expect(dialect.stringLiteral("a'b\\c\"d")).toBe("'a''b\\c\"d'");
  });
});

describe('statement tags', () => {
  it.each(['run-1 */ SELECT 42 AS injected; /*', 'run-2 **// SELECT 42 AS injected; --', 'run=3 sync=contacts'])(
    '%j leaves the statement intact',
    async (tag) => {
      warehouse.setTag(tag);
      try {
        expect(await warehouse.query('SELECT 1 AS n')).toEqual([{ n: 1 }]);
      } finally {
        warehouse.setTag(undefined);
      }
    },
  );

  it('keeps run ids and sync names readable', () => {
    expect(dialect.statementTag('run=run_20240101T000000Z_ab12cd sync=contacts')).toBe(
      '/* sluice run=run_20240101T000000Z_ab12cd sync=contacts */ ',
    );
  });
});
