/**
 * Synthetic audience members for the push benchmark, generated inside DuckDB with `range()`:
 * a text key, an email and a US phone number that libphonenumber-js accepts as valid.
 */

export type AudienceVariant =
  /** `rows` members, ids 0 to rows - 1. */
  | 'base'
  /**
   * Every member of `base` has a new phone number, and 1 in 100 (every id with id % 100 = 7)
   * has left the audience.
   */
  | 'changed';

/** One member in this many leaves the audience in the `changed` variant. */
export const REMOVED_ONE_IN = 100;

/** Area codes in use in the US, so that every generated number is valid. */
const AREA_CODES = [212, 312, 415, 617, 713, 206, 303, 404];

/**
 * Returns a SELECT producing the audience table of the given variant. Phone numbers are unique
 * for up to 40M rows: the area code, the exchange and the line number each take a part of the id.
 */
export function audienceSelect(rows: number, variant: AudienceVariant): string {
  const areas = AREA_CODES.length;
  // Exchange digits 2-9 only, so that no exchange is an N11 service code such as 411, which is
  // not a valid number. The changed variant moves every member to another exchange.
  const shift = variant === 'changed' ? 256 : 0;
  const exchange = `(i // ${areas} + ${shift}) % 512`;
  const exchangeText = `CAST((2 + ${exchange} // 64) * 100 + (2 + ${exchange} // 8 % 8) * 10 + 2 + ${exchange} % 8 AS VARCHAR)`;
  const line = `lpad(CAST(i // ${areas * 512} % 10000 AS VARCHAR), 4, '0')`;
  const filter = variant === 'changed' ? `i % ${REMOVED_ONE_IN} <> 7` : 'TRUE';
  return `SELECT
  'm_' || lpad(CAST(i AS VARCHAR), 10, '0') AS member_id,
  'member' || i || '@example.com' AS email,
  '+1 ' || CAST(${sqlList(AREA_CODES)}[1 + i % ${areas}] AS VARCHAR) || ' ' || ${exchangeText} || ' ' || ${line} AS phone
FROM range(${rows}) AS r(i)
WHERE ${filter}`;
}

/** Expected diff of `changed` against `base`: every remaining member changed, the rest removed. */
export function changedCounts(rows: number): { changed: number; removed: number } {
  const removed = Math.floor((rows - 1 - 7) / REMOVED_ONE_IN) + 1;
  return { changed: rows - removed, removed };
}

function sqlList(values: number[]): string {
  return `[${values.join(', ')}]`;
}
