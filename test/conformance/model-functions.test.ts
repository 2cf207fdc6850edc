import { expect, it } from 'vitest';
import type { LogicalType, Row } from '../../src/core/values.js';
import type { SqlDialect } from '../../src/warehouse/dialect.js';
import { describeEachWarehouse, withWarehouse, writeTargetProject } from './conformance-fixture.js';

/**
 * The dialect functions behind the model templates' SQL helpers, run on each warehouse over the
 * same rows. Every warehouse must return the same values, NULLs included.
 */

const COLUMNS: { name: string; type: LogicalType }[] = [
  { name: 'grp', type: 'integer' },
  { name: 'seq', type: 'integer' },
  { name: 'label', type: 'string' },
  { name: 'counted', type: 'boolean' },
  { name: 'amount', type: 'float' },
  { name: 'day', type: 'date' },
  { name: 'seen_at', type: 'timestamp' },
];

const row = (grp: number, seq: number | null, label: string | null, counted: boolean, amount: number): Row => ({
  grp: String(grp),
  seq: seq === null ? null : String(seq),
  label,
  counted,
  amount,
  day: '2024-03-01',
  seen_at: '2024-03-01T12:00:00.000000Z',
});

const ROWS: Row[] = [
  // Group 1: the greatest seq has no label, one label has no seq, and the last row is not counted.
  row(1, 1, 'a', true, 1),
  row(1, 2, null, true, 2),
  row(1, null, 'z', true, 3),
  row(1, 3, 'c', false, 4),
  // Group 2: no row has both a seq and a label.
  row(2, null, 'q', true, 10),
];

describeEachWarehouse('model template functions', (target) => {
  it('compute the same values', async () => {
    const project = await writeTargetProject(target, { inbox: `${target.name}_unused` });
    await withWarehouse(project, async (warehouse) => {
      await warehouse.loadRows({ name: 'function_rows' }, COLUMNS, ROWS);
      const { dialect } = warehouse;
      const table = dialect.quoteTable({ name: 'function_rows' });

      const groups = await warehouse.query(
        `SELECT grp, ${dialect.maxBy('label', 'seq')} AS latest_label, ` +
          `${dialect.maxBy('label', 'seq', 'counted')} AS latest_counted_label ` +
          `FROM ${table} GROUP BY grp ORDER BY grp`,
      );
      expect(groups).toEqual([
        { grp: 1, latest_label: 'c', latest_counted_label: 'a' },
        { grp: 2, latest_label: null, latest_counted_label: null },
      ]);

      const [dates] = await warehouse.query(dateQuery(dialect, table));
      expect(dates).toEqual(EXPECTED_DATES);

      const percentiles = await warehouse.query(
        `SELECT DISTINCT grp, ${dialect.percentileCont('amount', 0.9)} AS p90, ` +
          `${dialect.percentileCont('amount', 0.5, 'grp')} AS median FROM ${table} ORDER BY grp`,
      );
      expect(percentiles.map((result) => result.grp)).toEqual([1, 2]);
      // Over 1, 2, 3, 4 and 10, the 90th percentile lies 0.6 of the way from 4 to 10.
      expect(percentiles[0]!.p90).toBeCloseTo(7.6, 9);
      expect(percentiles[1]!.p90).toBeCloseTo(7.6, 9);
      expect(percentiles[0]!.median).toBeCloseTo(2.5, 9);
      expect(percentiles[1]!.median).toBeCloseTo(10, 9);
    });
  });
});

const EXPECTED_DATES: Row = {
  days_since: 60,
  days_until: -60,
  day_before: '2024-01-01',
  two_days_later: '2024-03-03',
  a_day_earlier: '2024-02-29T12:00:00.000000Z',
};

function dateQuery(dialect: SqlDialect, table: string): string {
  const start = `CAST('2024-01-01' AS DATE)`;
  return (
    `SELECT ${dialect.dateDiffDays(start, 'day')} AS days_since, ` +
    `${dialect.dateDiffDays('day', start)} AS days_until, ` +
    `${dialect.dateAddDays('day', '-60')} AS day_before, ` +
    `${dialect.dateAddDays('day', 'grp')} AS two_days_later, ` +
    `${dialect.timestampAddDays('seen_at', '-1')} AS a_day_earlier ` +
    `FROM ${table} WHERE grp = 2`
  );
}
