/**
 * Synthetic customer tables for the benchmarks, generated inside DuckDB with `range()` so that
 * no row passes through Node while the data is built.
 */

/** Version of the generated customer table. */
export type CustomerVariant =
  /** `rows` customers, ids 0 to rows - 1. */
  | 'base'
  /**
   * 1% of `rows` differ from `base`: 0.5% changed (tier and lifetime_value), 0.25% removed
   * (every id with id % 400 = 2) and 0.25% added (ids from rows upward).
   */
  | 'one_percent'
  /** The `base` rows with tier and lifetime_value changed in every row. */
  | 'all_changed';

/** The primary key column of the generated table. */
export const KEY_COLUMN = 'customer_id';

/** Columns the benchmark syncs map: three text, one integer, one decimal, one timestamp. */
export const MAPPED_COLUMNS = ['email', 'full_name', 'tier', 'order_count', 'lifetime_value', 'last_order_at'] as const;

/** Returns a SELECT producing the customer table of the given variant. */
export function customersSelect(rows: number, variant: CustomerVariant): string {
  let added = 0;
  let changed = 'FALSE';
  let rowFilter = 'TRUE';
  if (variant === 'one_percent') {
    added = Math.floor(rows / 400);
    changed = 'i % 200 = 1';
    rowFilter = `i >= ${rows} OR i % 400 <> 2`;
  } else if (variant === 'all_changed') {
    changed = 'TRUE';
  }
  return `SELECT
  'cus_' || lpad(CAST(i AS VARCHAR), 10, '0') AS ${KEY_COLUMN},
  'person' || i || '@example.com' AS email,
  'Customer ' || i AS full_name,
  CASE WHEN ${changed} THEN 'diamond' ELSE ['bronze', 'silver', 'gold', 'platinum'][1 + i % 4] END AS tier,
  CAST(i % 97 AS BIGINT) AS order_count,
  CAST((i * 37) % 1000000 / 100 AS DECIMAL(12, 2)) + CASE WHEN ${changed} THEN 1 ELSE 0 END AS lifetime_value,
  TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 7919) AS last_order_at
FROM range(${rows + added}) AS r(i)
WHERE ${rowFilter}`;
}

/** Expected change counts of `one_percent` against `base`, for checking both diffs. */
export function onePercentCounts(rows: number): { added: number; changed: number; removed: number } {
  const countMatching = (remainder: number, modulus: number) =>
    Math.floor((rows - 1 - remainder) / modulus) + 1;
  const removed = countMatching(2, 400);
  const changed = countMatching(1, 200);
  return { added: Math.floor(rows / 400), changed, removed };
}
