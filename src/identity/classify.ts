import { work, workRef, type BuildContext } from './build-context.js';
import { normalisedInNode } from './normalise-value.js';
import { observationsSql } from './observations.js';
import type { ResolvedType } from './resolve-types.js';
import { EMAIL_TRANSFORMS, transformSql } from './transforms.js';

/** Reasons an observed value does not link. A pattern reason also names the pattern that matched. */
export const BLOCK_REASONS = {
  invalid: 'invalid',
  empty: 'empty',
  blockedValue: 'blocked value',
  blockedPattern: 'blocked pattern',
  quarantined: 'quarantined',
} as const;

/**
 * Creates the normalised table: every observation with its normalised `value` and a
 * `blocked_reason` that is NULL for values that link. One select per identifier type. The raw
 * value is kept only where `value` is NULL (the blocked report shows it for invalid values), so
 * the table does not carry a second copy of every value's text.
 */
export async function createNormalised(ctx: BuildContext, observations: ObservationsSource): Promise<void> {
  const relation = observations === 'table' ? work(ctx, 'observations') : INLINE_OBSERVATIONS;
  const selects = ctx.types.map((type) => classifiedSelect(ctx, type, relation));
  const union = selects.join('\nUNION ALL\n');
  const select = observations === 'table' ? union : `WITH ${INLINE_OBSERVATIONS} AS (\n${observationsSql(ctx)}\n)\n${union}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'normalised'), select));
}

/**
 * Source of the observations that the normalised table reads: the observations table, or
 * `inline`, a CTE of the same statement, which saves writing them when no other step reads them.
 */
export type ObservationsSource = 'table' | 'inline';

const INLINE_OBSERVATIONS = 'observed';

function classifiedSelect(ctx: BuildContext, type: ResolvedType, observations: string): string {
  const normalised = `SELECT o.*, ${normalisedValue(ctx, type)} AS value
  FROM ${observations} o${nodeValuesJoin(ctx, type)}
  WHERE o.identifier_type = ${ctx.sql.stringLiteral(type.name)}`;
  const columns = 'n.source, n.source_priority, n.link_id, n.seen_at, n.identifier_type, n.value';
  const invalidRaw = 'CASE WHEN n.value IS NULL THEN n.raw_value END AS raw_value';
  return `SELECT ${columns}, ${invalidRaw}, ${blockedReason(ctx, type)} AS blocked_reason FROM (${normalised}) n`;
}

function normalisedValue(ctx: BuildContext, type: ResolvedType): string {
  if (normalisedInNode(type, ctx.sql)) return 'm.value';
  if (type.kind === 'email') return transformSql(ctx.sql, 'o.raw_value', EMAIL_TRANSFORMS);
  if (type.kind === 'rule') return 'o.raw_value';
  return transformSql(ctx.sql, 'o.raw_value', type.transforms);
}

function nodeValuesJoin(ctx: BuildContext, type: ResolvedType): string {
  if (!normalisedInNode(type, ctx.sql)) return '';
  return `
  LEFT JOIN ${work(ctx, 'node_values')} m ON m.identifier_type = o.identifier_type
    AND m.raw_value = o.raw_value AND COALESCE(m.country, '') = COALESCE(o.country, '')`;
}

/** Builds a CASE that returns the first reason that applies: invalid, empty, value, pattern, shape. */
function blockedReason(ctx: BuildContext, type: ResolvedType): string {
  const { sql } = ctx;
  const reason = (text: string) => sql.stringLiteral(text);
  const branches = [
    `WHEN n.value IS NULL THEN ${reason(BLOCK_REASONS.invalid)}`,
    `WHEN n.value = '' THEN ${reason(BLOCK_REASONS.empty)}`,
  ];

  if (type.blockedValues.length > 0) {
    const list = type.blockedValues.map((value) => sql.stringLiteral(value)).join(', ');
    branches.push(`WHEN ${sql.lowerText('n.value')} IN (${list}) THEN ${reason(BLOCK_REASONS.blockedValue)}`);
  }
  for (const pattern of type.blockedPatterns) {
    branches.push(`WHEN ${sql.regexpContains('n.value', pattern)} THEN ${reason(`${BLOCK_REASONS.blockedPattern} ${pattern}`)}`);
  }
  if (type.validPattern !== undefined) {
    branches.push(`WHEN NOT ${sql.regexpContains('n.value', type.validPattern)} THEN ${reason(BLOCK_REASONS.invalid)}`);
  }
  return `CASE ${branches.join(' ')} ELSE NULL END`;
}

/**
 * Creates the staged blocked report: per type, value and reason, the number of rows whose value
 * was not used. An invalid value is shown raw, because it has no normalised form.
 */
export async function createBlockedReport(ctx: BuildContext): Promise<void> {
  const select = `SELECT identifier_type, COALESCE(value, raw_value) AS identifier_value, blocked_reason AS reason,
  count(*) AS row_count
FROM ${work(ctx, 'normalised')}
WHERE blocked_reason IS NOT NULL
GROUP BY identifier_type, COALESCE(value, raw_value), blocked_reason`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'staged_blocked'), select));
}
