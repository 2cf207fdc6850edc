import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeAdapter } from '../../../src/warehouse/snowflake/snowflake-adapter.js';
import { openTestSnowflake, snowflakeSkipReason } from '../../support/snowflake/open-test-snowflake.js';

/** Powers of ten and other doubles of every magnitude, plus pseudo-random bit patterns. */
function doublesOfEveryMagnitude(): number[] {
  const numbers = [0, -0, 3, -1.5, 0.1];
  for (let exponent = -324; exponent <= 308; exponent += 1) {
    numbers.push(Number(`1e${exponent}`), Number(`-1.5e${exponent}`), Number(`1.2345678901234567e${exponent}`));
  }
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let seed = 54321;
  const nextWord = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  while (numbers.length < 3000) {
    words[0] = nextWord();
    words[1] = nextWord();
    if (Number.isFinite(bits[0])) numbers.push(bits[0]!);
  }
  return numbers;
}

describe.skipIf(snowflakeSkipReason !== undefined)('Snowflake float canonical text', () => {
  let warehouse: SnowflakeAdapter;

  beforeAll(async () => {
    warehouse = await openTestSnowflake('floats');
  });

  afterAll(async () => {
    await warehouse?.close();
  });

  it('matches String(number) for all magnitudes', async () => {
    const numbers = doublesOfEveryMagnitude();
    const table = { name: 'doubles' };
    await warehouse.loadRows(table, [{ name: 'v', type: 'float' }], numbers.map((v) => ({ v })));
    const { dialect } = warehouse;
    const rows = await warehouse.query(`SELECT v, ${dialect.canonicalText('v', 'float')} AS text FROM ${dialect.quoteTable(table)}`);

    expect(rows).toHaveLength(numbers.length);
    const mismatches = rows.filter((row) => String(row.v) !== row.text).slice(0, 5);
    expect(mismatches).toEqual([]);
  });
});
