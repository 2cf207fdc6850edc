import type { Row } from '../core/values.js';
import { work, workRef, type BuildContext } from './build-context.js';
import { normaliseValue } from './normalise-value.js';
import type { ResolvedType } from './resolve-types.js';

const COLUMNS = [
  { name: 'identifier_type', type: 'string' as const },
  { name: 'raw_value', type: 'string' as const },
  { name: 'country', type: 'string' as const },
  { name: 'value', type: 'string' as const },
];

/**
 * Normalises, in Node, the distinct raw values of the types that SQL cannot normalise, and loads
 * the mapping (identifier_type, raw_value, country, value) into the node_values table. Values
 * pass through Node one page at a time and are neither kept nor logged. `value` is NULL for an
 * invalid value. Returns the number of distinct values normalised.
 */
export async function loadNodeValues(ctx: BuildContext, types: ResolvedType[]): Promise<number> {
  const target = workRef(ctx, 'node_values');
  await ctx.warehouse.loadRows(target, COLUMNS, []);
  if (types.length === 0) return 0;

  const byName = new Map(types.map((type) => [type.name, type]));
  const names = types.map((type) => ctx.sql.stringLiteral(type.name)).join(', ');
  const distinct =
    `SELECT DISTINCT identifier_type, raw_value, country FROM ${work(ctx, 'observations')} ` +
    `WHERE identifier_type IN (${names})`;

  let count = 0;
  for await (const page of pagesOf(ctx, distinct)) {
    const rows = page.map((row) => {
      const type = byName.get(String(row.identifier_type))!;
      const value = normaliseValue(type, String(row.raw_value), row.country === null ? null : String(row.country));
      return { ...row, value };
    });
    await ctx.warehouse.loadRows(target, COLUMNS, rows, { append: true });
    count += rows.length;
  }
  return count;
}

/**
 * Pages of a query's rows. Streams where the warehouse can run a query while another is open,
 * since each page is loaded back while the stream is still open. Elsewhere it numbers the rows
 * into a scratch table first and reads one window of row numbers per page.
 */
async function* pagesOf(ctx: BuildContext, select: string): AsyncIterable<Row[]> {
  if (ctx.warehouse.capabilities.supportsConcurrentQueries) {
    yield* ctx.warehouse.stream(select, ctx.pageSize);
    return;
  }

  const numbered = workRef(ctx, 'node_value_pages');
  const withNumbers = `SELECT d.*, row_number() OVER (ORDER BY identifier_type, raw_value, country) AS page_seq FROM (${select}) d`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(numbered, withNumbers));
  const table = ctx.sql.quoteTable(numbered);
  for (let start = 0; ; start += ctx.pageSize) {
    const rows = await ctx.warehouse.query(
      `SELECT identifier_type, raw_value, country FROM ${table} WHERE page_seq > ${start} AND page_seq <= ${start + ctx.pageSize}`,
    );
    if (rows.length === 0) return;
    yield rows;
  }
}
