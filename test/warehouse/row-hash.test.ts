import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogicalType } from '../../src/core/values.js';
import { rowHashExpression } from '../../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { duckdbDialect as dialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';

let warehouse: DuckDBAdapter;

beforeAll(async () => {
  warehouse = await DuckDBAdapter.open({ path: ':memory:' });
});

afterAll(async () => {
  await warehouse.close();
});

/** Hashes one row of SQL expressions in DuckDB. */
async function hashOf(columns: { expr: string; type: LogicalType }[]): Promise<string> {
  const rows = await warehouse.query(`SELECT ${rowHashExpression(dialect, columns)} AS hash`);
  return rows[0]!.hash as string;
}

const text = (expr: string) => ({ expr, type: 'string' as const });

/**
 * Computes the row hash in Node: each canonical text as `<length in characters>:<text>`, NULL as
 * `~`, concatenated and MD5-hashed. Every dialect must produce the same hash.
 */
function referenceHash(texts: (string | null)[]): string {
  const encoded = texts.map((value) => (value === null ? '~' : `${[...value].length}:${value}`)).join('');
  return createHash('md5').update(encoded, 'utf8').digest('hex');
}

describe('rowHashExpression', () => {
  it('tells ("ab", "c") from ("a", "bc")', async () => {
    const left = await hashOf([text(`'ab'`), text(`'c'`)]);
    const right = await hashOf([text(`'a'`), text(`'bc'`)]);
    expect(left).not.toBe(right);
  });

  it('tells NULL from an empty string', async () => {
    expect(await hashOf([text('NULL::VARCHAR')])).not.toBe(await hashOf([text(`''`)]));
    expect(await hashOf([text('NULL::VARCHAR'), text(`'x'`)])).not.toBe(await hashOf([text(`''`), text(`'x'`)]));
    expect(await hashOf([text('NULL::VARCHAR')])).not.toBe(await hashOf([text(`'~'`)]));
  });

  it('tells column order apart', async () => {
    expect(await hashOf([text(`'a'`), text(`'b'`)])).not.toBe(await hashOf([text(`'b'`), text(`'a'`)]));
  });

  it('is equal for DECIMAL(10,2) 12.50 and DECIMAL(38,9) 12.5', async () => {
    const narrow = await hashOf([{ expr: '12.50::DECIMAL(10,2)', type: 'decimal' }]);
    const wide = await hashOf([{ expr: '12.5::DECIMAL(38,9)', type: 'decimal' }]);
    expect(narrow).toBe(wide);
  });

  it('is equal for one instant in TIMESTAMPTZ', async () => {
    const naive = await hashOf([{ expr: "TIMESTAMP '2024-03-01 07:04:56.123456'", type: 'timestamp' }]);
    const zoned = await hashOf([{ expr: "TIMESTAMPTZ '2024-03-01 12:34:56.123456+05:30'", type: 'timestamp' }]);
    expect(naive).toBe(zoned);
  });

  it('ignores JSON formatting', async () => {
    const spaced = await hashOf([{ expr: `'{ "a" : [1, 2] }'::JSON`, type: 'json' }]);
    const struct = await hashOf([{ expr: `{'a': [1, 2]}`, type: 'json' }]);
    expect(spaced).toBe(struct);
  });

  it('matches the Node reference hash', async () => {
    const cases: [{ expr: string; type: LogicalType }[], (string | null)[]][] = [
      [[text(`'ab'`), text(`'c'`)], ['ab', 'c']],
      [[text('NULL::VARCHAR'), text(`''`)], [null, '']],
      [[text(`'名前 😀 e\u0301'`)], ['名前 😀 e\u0301']],
      [[{ expr: '12.50::DECIMAL(10,2)', type: 'decimal' }, { expr: '3.0::DOUBLE', type: 'float' }], ['12.5', '3']],
      [[{ expr: '9007199254740993::BIGINT', type: 'integer' }, { expr: 'true', type: 'boolean' }], ['9007199254740993', 'true']],
      [[{ expr: "TIMESTAMPTZ '2024-03-01 12:34:56.5+00'", type: 'timestamp' }], ['2024-03-01T12:34:56.500000Z']],
      [[{ expr: "DATE '2024-02-29'", type: 'date' }], ['2024-02-29']],
    ];
    for (const [columns, texts] of cases) {
      expect(await hashOf(columns), JSON.stringify(texts)).toBe(referenceHash(texts));
    }
  });

  it('returns 32 lower-case hex digits', async () => {
    expect(await hashOf([text(`'x'`)])).toMatch(/^[0-9a-f]{32}$/);
  });
});
