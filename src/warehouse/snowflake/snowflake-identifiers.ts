/**
 * Snowflake stores unquoted identifiers in upper case: `email` and `"EMAIL"` name the same
 * column, and a query's result reports it as EMAIL. Sluice's own names (`_key`, `row_count`) and
 * most model columns are lower case, so the dialect maps between the two forms: a name that
 * would be valid unquoted in lower case is written in upper case, and an upper-case name read
 * back is reported in lower case. Any other name keeps its exact spelling both ways.
 */
const LOWER_CASE_NAME = /^[a-z_][a-z0-9_$]*$/;
const UPPER_CASE_NAME = /^[A-Z_][A-Z0-9_$]*$/;

/** The name as Snowflake stores it. */
export function snowflakeName(name: string): string {
  return LOWER_CASE_NAME.test(name) ? name.toUpperCase() : name;
}

/** The name as Sluice reports it, for a column or table name Snowflake returned. */
export function sluiceName(stored: string): string {
  return UPPER_CASE_NAME.test(stored) ? stored.toLowerCase() : stored;
}

/** Quotes a name exactly as Snowflake stored it, such as one returned by CURRENT_SCHEMA(). */
export function quoteStoredName(stored: string): string {
  return `"${stored.replaceAll('"', '""')}"`;
}
