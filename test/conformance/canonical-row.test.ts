import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { LogicalType, Row } from '../../src/core/values.js';
import { rowHashExpression } from '../../src/warehouse/dialect.js';
import type { WarehouseTarget } from '../support/targets/index.js';
import { describeEachWarehouse, withWarehouse, writeTargetProject } from './conformance-fixture.js';

/** One row with a value of every logical type, each chosen where warehouses tend to differ. */
const COLUMNS: { name: string; type: LogicalType }[] = [
  { name: 'big_integer', type: 'integer' },
  { name: 'amount', type: 'decimal' },
  { name: 'ratio', type: 'float' },
  { name: 'active', type: 'boolean' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'birthday', type: 'date' },
  { name: 'payload', type: 'json' },
  { name: 'display_name', type: 'string' },
];

const ROW: Row = {
  big_integer: '9007199254740993',
  amount: '-1234567890123456789.5',
  ratio: 1.5e-7,
  active: true,
  seen_at: '2024-02-29T23:59:59.123456Z',
  birthday: '2024-02-29',
  payload: { a: [1, 'x', null], b: { c: true } },
  display_name: 'Zoë 名前 😀',
};

/** Canonical text of each column of ROW, in order: the text every warehouse must hash. */
const CANONICAL_TEXTS = [
  '9007199254740993',
  '-1234567890123456789.5',
  '1.5e-7',
  'true',
  '2024-02-29T23:59:59.123456Z',
  '2024-02-29',
  '{"a":[1,"x",null],"b":{"c":true}}',
  'Zoë 名前 😀',
];

/**
 * Row hash of ROW. Derived once on DuckDB (@duckdb/node-api 1.5.6-r.1): `rowHashExpression` over
 * `typed_row` in the test below, copied from its output. It also equals
 * `nodeRowHash(CANONICAL_TEXTS)`, which the first test checks. Every warehouse must produce
 * exactly this value; a warehouse that differs has a canonicalText bug, not a new constant.
 */
const EXPECTED_ROW_HASH = 'ee35c0573bebf37f71a399bb8d0f6051';

/** Computes the row hash in Node: each text as `<length in characters>:<text>`, NULL as `~`, MD5 of the whole. */
function nodeRowHash(texts: string[]): string {
  const encoded = texts.map((text) => `${[...text].length}:${text}`).join('');
  return createHash('md5').update(encoded, 'utf8').digest('hex');
}

it('expected row hash equals the Node hash', () => {
  expect(EXPECTED_ROW_HASH).toBe(nodeRowHash(CANONICAL_TEXTS));
});

/**
 * ROW with an amount that every test double stores exactly (the BigQuery emulator's NUMERIC is
 * DECIMAL(18,3)), so one row is hashed on every warehouse with no skip. Its hash was computed
 * with `nodeRowHash` and then matched on DuckDB, Snowflake (fakesnow) and BigQuery (bqemulator).
 */
const NARROW_ROW: Row = { ...ROW, amount: '-1234567.125' };
const NARROW_CANONICAL_TEXTS = CANONICAL_TEXTS.map((text, index) => (index === 1 ? '-1234567.125' : text));
const NARROW_EXPECTED_ROW_HASH = 'e529fcf96b4d4284c9d8701554f75bc6';

it('narrow row hash equals the Node hash', () => {
  expect(NARROW_EXPECTED_ROW_HASH).toBe(nodeRowHash(NARROW_CANONICAL_TEXTS));
});

/**
 * Test doubles that cannot store ROW, with the reason. The test is skipped on them with the
 * reason in its title rather than weakened for every warehouse.
 */
const CANNOT_STORE_ROW: Partial<Record<WarehouseTarget['name'], string>> = {
  bigquery: 'the BigQuery emulator stores NUMERIC as DECIMAL(18,3), too narrow for `amount`',
};

describeEachWarehouse('canonical values', (target) => {
  const cannotStore = CANNOT_STORE_ROW[target.name];
  const title = cannotStore === undefined ? 'read back and hash identically' : `read back and hash identically (skipped: ${cannotStore})`;
  it.skipIf(cannotStore !== undefined)(title, async () => {
    await expectCanonicalRow(target, ROW, CANONICAL_TEXTS, EXPECTED_ROW_HASH);
  });

  it('hash a narrower row identically', async () => {
    await expectCanonicalRow(target, NARROW_ROW, NARROW_CANONICAL_TEXTS, NARROW_EXPECTED_ROW_HASH);
  });
});

/** Loads `row` on the warehouse, reads it back, and checks its canonical texts and row hash. */
async function expectCanonicalRow(target: WarehouseTarget, row: Row, texts: string[], expectedHash: string): Promise<void> {
  const project = await writeTargetProject(target, { inbox: `${target.name}_unused` });
  await withWarehouse(project, async (warehouse) => {
    const table = { name: 'typed_row' };
    await warehouse.loadRows(table, COLUMNS, [row]);
    const { dialect } = warehouse;
    const source = dialect.quoteTable(table);

    const [readBack] = await warehouse.query(`SELECT * FROM ${source}`);
    expect(readBack).toEqual(row);

    const canonicalColumns = COLUMNS.map(({ name, type }) => `${dialect.canonicalText(dialect.quoteIdentifier(name), type)} AS ${dialect.quoteIdentifier(name)}`);
    const [canonical] = await warehouse.query(`SELECT ${canonicalColumns.join(', ')} FROM ${source}`);
    expect(Object.values(canonical!)).toEqual(texts);

    const hashColumns = COLUMNS.map(({ name, type }) => ({ expr: dialect.quoteIdentifier(name), type }));
    const [hashed] = await warehouse.query(`SELECT ${rowHashExpression(dialect, hashColumns)} AS row_hash FROM ${source}`);
    expect(hashed!.row_hash).toBe(expectedHash);
  });
}
