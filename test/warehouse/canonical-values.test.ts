import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDecimal, canonicalInteger, canonicalTimestamp, type CanonicalValue } from '../../src/core/values.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { duckdbDialect as dialect } from '../../src/warehouse/duckdb/duckdb-dialect.js';

const execFileAsync = promisify(execFile);

let warehouse: DuckDBAdapter;

beforeAll(async () => {
  warehouse = await DuckDBAdapter.open({ path: ':memory:' });
});

afterAll(async () => {
  await warehouse.close();
});

async function readValue(expr: string): Promise<CanonicalValue | undefined> {
  const rows = await warehouse.query(`SELECT ${expr} AS v`);
  return rows[0]!.v;
}

/** SQL expression, and the canonical value the adapter must return for it. */
const canonicalCases: [expr: string, expected: CanonicalValue][] = [
  ['42::BIGINT', 42],
  ['9007199254740991::BIGINT', 9007199254740991],
  ['9007199254740993::BIGINT', '9007199254740993'],
  ['-9007199254740993::BIGINT', '-9007199254740993'],
  ['9223372036854775807::BIGINT', '9223372036854775807'],
  ['170141183460469231731687303715884105727::HUGEINT', '170141183460469231731687303715884105727'],
  ['18446744073709551615::UBIGINT', '18446744073709551615'],
  ['-7::TINYINT', -7],
  ['12.50::DECIMAL(10,2)', '12.5'],
  ['12345678901234567890.1234567890::DECIMAL(38,10)', '12345678901234567890.123456789'],
  ['1234567890123456789012345678.0000000000::DECIMAL(38,10)', '1234567890123456789012345678'],
  ['0.00::DECIMAL(10,2)', '0'],
  ['-0.50::DECIMAL(10,2)', '-0.5'],
  ['100::DECIMAL(10,0)', '100'],
  ['1.5::DOUBLE', 1.5],
  ['0.1::DOUBLE', 0.1],
  ['1e300::DOUBLE', 1e300],
  ["TIMESTAMP '2024-03-01 12:34:56.123456'", '2024-03-01T12:34:56.123456Z'],
  ["TIMESTAMP '2024-03-01 00:00:00'", '2024-03-01T00:00:00.000000Z'],
  ["TIMESTAMPTZ '2024-03-01 12:34:56.123456+05:30'", '2024-03-01T07:04:56.123456Z'],
  ["TIMESTAMPTZ '2024-01-01 00:30:00-08:00'", '2024-01-01T08:30:00.000000Z'],
  ["TIMESTAMP_MS '2024-01-01 01:02:03.456'", '2024-01-01T01:02:03.456000Z'],
  ["TIMESTAMP_S '2024-01-01 01:02:03'", '2024-01-01T01:02:03.000000Z'],
  ["TIMESTAMP_NS '2024-01-01 00:00:00.123456789'", '2024-01-01T00:00:00.123456Z'],
  ["TIMESTAMP '0001-01-01 00:00:00'", '0001-01-01T00:00:00.000000Z'],
  ["DATE '2024-02-29'", '2024-02-29'],
  ["DATE '0099-01-01'", '0099-01-01'],
  [`'{ "a" : [1, 2, {"b": null}], "s": "x" }'::JSON`, { a: [1, 2, { b: null }], s: 'x' }],
  [`'"just text"'::JSON`, 'just text'],
  ['[1, 2, 3]', [1, 2, 3]],
  [`{'x': 1, 'y': 'z'}`, { x: 1, y: 'z' }],
  [`[{'k': 'a'}, {'k': 'b'}]`, [{ k: 'a' }, { k: 'b' }]],
  ['true', true],
  [`'O''Brien'`, "O'Brien"],
  ['NULL::VARCHAR', null],
  ['NULL::DECIMAL(10,2)', null],
  ['NULL::TIMESTAMPTZ', null],
  ['NULL::JSON', null],
];

describe('DuckDB values in canonical form', () => {
  it.each(canonicalCases)('%s', async (expr, expected) => {
    expect(await readValue(expr)).toEqual(expected);
  });

  it('reads a DOUBLE as a number', async () => {
    const value = await readValue('2.5::DOUBLE');
    expect(typeof value).toBe('number');
  });
});

describe('canonical value helpers', () => {
  it('canonicalDecimal drops trailing fractional zeros only', () => {
    expect(canonicalDecimal('100')).toBe('100');
    expect(canonicalDecimal('100.00')).toBe('100');
    expect(canonicalDecimal('10.50')).toBe('10.5');
    expect(canonicalDecimal('-0.000')).toBe('0');
  });

  it('canonicalInteger keeps safe integers as numbers', () => {
    expect(canonicalInteger(9007199254740991n)).toBe(9007199254740991);
    expect(canonicalInteger(-9007199254740991n)).toBe(-9007199254740991);
    expect(canonicalInteger('-9007199254740992')).toBe('-9007199254740992');
  });

  it('canonicalTimestamp pads and rejects offsets', () => {
    expect(canonicalTimestamp('2024-03-01 12:34:56.5+00')).toBe('2024-03-01T12:34:56.500000Z');
    expect(canonicalTimestamp('2024-03-01T12:34:56Z')).toBe('2024-03-01T12:34:56.000000Z');
    expect(() => canonicalTimestamp('2024-03-01 12:34:56+05:30')).toThrow(/as a UTC timestamp/);
  });
});

describe('timestamps whatever the process time zone', () => {
  const script = fileURLToPath(new URL('./fixtures/print-timestamps.ts', import.meta.url));

  it.each(['Asia/Kolkata', 'America/Los_Angeles'])('reads UTC instants with TZ=%s', async (timeZone) => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, TZ: timeZone },
      timeout: 60_000,
    });
    const output = JSON.parse(stdout) as { processTimeZone: string; values: Record<string, unknown>; loaded: Record<string, unknown> };

    expect(output.processTimeZone).not.toBe('UTC');
    expect(output.values).toEqual({
      tstz: '2024-03-01T07:04:56.123456Z',
      tstz_summer: '2024-07-01T23:30:00.000000Z',
      ts: '2024-03-01T12:34:56.123456Z',
      tstz_text: '2024-03-01T07:04:56.123456Z',
      ts_text: '2024-03-01T12:34:56.123456Z',
      tstz_list: ['2024-03-01 07:04:56.123456'],
      session_time_zone: 'UTC',
    });
    expect(output.loaded).toEqual({ loaded_at: '2024-03-01T07:04:56.123456Z' });
  });
});

/**
 * SQL expressions whose canonical text must equal the canonical value read into Node:
 * String(value) for scalars, JSON.stringify(value) for JSON.
 */
const textCases: string[] = [
  '42::INTEGER',
  '-7::TINYINT',
  '9007199254740993::BIGINT',
  '170141183460469231731687303715884105727::HUGEINT',
  '18446744073709551615::UBIGINT',
  '12.50::DECIMAL(10,2)',
  '12.5::DECIMAL(38,9)',
  '12345678901234567890.1234567890::DECIMAL(38,10)',
  '0.00::DECIMAL(10,2)',
  '-0.50::DECIMAL(10,2)',
  '100::DECIMAL(10,0)',
  '10.000::DECIMAL(10,3)',
  '3.0::DOUBLE',
  '100.0::DOUBLE',
  '0.1::DOUBLE',
  '-1.5e-10::DOUBLE',
  '1e-7::DOUBLE',
  '0.000001::DOUBLE',
  '2.5e-5::DOUBLE',
  '1e21::DOUBLE',
  '1e20::DOUBLE',
  '123456789012345680000::DOUBLE',
  '-0.0::DOUBLE',
  "'NaN'::DOUBLE",
  "'Infinity'::DOUBLE",
  "'-Infinity'::DOUBLE",
  '0.1::FLOAT',
  '3::FLOAT',
  'true',
  'false',
  "TIMESTAMP '2024-03-01 12:34:56.123456'",
  "TIMESTAMP '2024-03-01 00:00:00'",
  "TIMESTAMPTZ '2024-03-01 12:34:56.123456+05:30'",
  "TIMESTAMP_NS '2024-01-01 00:00:00.123456789'",
  "TIMESTAMP_MS '2024-01-01 01:02:03.456'",
  "TIMESTAMP '0001-01-01 00:00:00'",
  "DATE '2024-02-29'",
  "DATE '0099-01-01'",
  `'O''Brien "quoted" 名前'`,
  "'a1b2c3d4-0000-4000-8000-000000000000'::UUID",
  `'{ "a" : [1, 2.50, {"b": null}], "s": "x" }'::JSON`,
  `'{"b": 1, "a": 2}'::JSON`,
  `'"text"'::JSON`,
  '[1, 2, 3]',
  `{'x': 1, 'y': 'say "hi"'}`,
  `[{'k': 'a'}, {'k': 'b'}]`,
];

describe('canonicalText in DuckDB', () => {
  it.each(textCases)('matches the Node value for %s', async (expr) => {
    const [column] = await warehouse.describe(`SELECT ${expr} AS v`);
    const rows = await warehouse.query(`SELECT v, ${dialect.canonicalText('v', column!.type)} AS text FROM (SELECT ${expr} AS v)`);
    const { v, text } = rows[0]!;

    const expected = column!.type === 'json' ? JSON.stringify(v) : String(v);
    expect(text).toBe(expected);
  });

  it.each(['VARCHAR', 'BIGINT', 'DECIMAL(10,2)', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'TIMESTAMPTZ', 'DATE', 'JSON', 'INTEGER[]'])(
    'is NULL for a NULL %s',
    async (type) => {
      const [column] = await warehouse.describe(`SELECT NULL::${type} AS v`);
      const rows = await warehouse.query(`SELECT ${dialect.canonicalText('v', column!.type)} AS text FROM (SELECT NULL::${type} AS v)`);
      expect(rows).toEqual([{ text: null }]);
    },
  );

  it('matches String(number) for all magnitudes', async () => {
    const numbers: number[] = [];
    for (let exponent = -324; exponent <= 308; exponent += 1) {
      numbers.push(Number(`1e${exponent}`), Number(`-1.5e${exponent}`), Number(`1.2345678901234567e${exponent}`));
    }
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    let seed = 12345;
    const nextWord = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    while (numbers.length < 4000) {
      words[0] = nextWord();
      words[1] = nextWord();
      if (Number.isFinite(bits[0])) numbers.push(bits[0]!);
    }
    const document = dialect.stringLiteral(JSON.stringify(numbers.map(String)));
    const rows = await warehouse.query(
      `SELECT CAST(value ->> '$' AS DOUBLE) AS v, ${dialect.canonicalText("CAST(value ->> '$' AS DOUBLE)", 'float')} AS text ` +
        `FROM json_each(${document})`,
    );

    const mismatches = rows.filter((row) => String(row.v) !== row.text).slice(0, 5);
    expect(mismatches).toEqual([]);
    expect(rows).toHaveLength(numbers.length);
  });
});
