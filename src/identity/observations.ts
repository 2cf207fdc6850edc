import { workRef, type BuildContext } from './build-context.js';
import type { IdentityInputConfig, MatchRuleConfig } from './identity-config.js';
import { linkColumns, linkKeyExpression } from './link-key.js';
import { IdentityError } from './identity-error.js';
import { transformSql } from './transforms.js';

/** Separator between the parts of a match rule's value. */
export const RULE_PART_SEPARATOR = '|';

/**
 * Builds the SELECT of the observations: one row per input row and identifier it carries, with
 * the raw value as text. Columns: source, source_priority, link_id, seen_at, identifier_type,
 * raw_value, country. NULL values are left out here; other junk is classified later.
 *
 * Each input is read once into a common table expression that computes the row's link id, so
 * the MD5 behind it runs once per row and not once per identifier of the row. DuckDB
 * materialises a CTE that the query reads more than once.
 */
export function observationsSql(ctx: BuildContext): string {
  const ctes = ctx.config.inputs.map((input, index) => `${inputRowsName(index)} AS (\n${inputRowsSelect(ctx, input)}\n)`);
  const selects = ctx.config.inputs.flatMap((input, index) => [
    ...identifierSelects(ctx, input, index),
    ...ruleSelects(ctx, input, index),
  ]);
  return `WITH ${ctes.join(',\n')}\n${selects.join('\nUNION ALL\n')}`;
}

/** Creates the observations table from observationsSql, for steps that read it more than once. */
export async function createObservations(ctx: BuildContext): Promise<void> {
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'observations'), observationsSql(ctx)));
}

/** Column with each input row's link id. The double underscores keep it apart from the input's own columns. */
const LINK_ID_COLUMN = '__link_id';

function inputRowsName(index: number): string {
  return `input_rows_${index}`;
}

function relationOf(ctx: BuildContext, input: IdentityInputConfig): string {
  const relation = ctx.relations[input.name];
  if (relation === undefined) {
    throw new IdentityError(`No SQL relation was given for identity input ${input.name}; pass it in the relations option.`);
  }
  return relation;
}

/** Selects the columns of an input that the observations read, with the row's link id. */
function inputRowsSelect(ctx: BuildContext, input: IdentityInputConfig): string {
  const { sql } = ctx;
  const columns = [...new Set([...linkColumns(ctx.config, input), input.timestamp])].map((column) => `r.${sql.quoteIdentifier(column)}`);
  return `SELECT ${columns.join(', ')}, ${linkKeyExpression(sql, ctx.config, input, 'r')} AS ${LINK_ID_COLUMN}
FROM ${relationOf(ctx, input)} r`;
}

/** Builds the columns every observation shares, read from the input row aliased `r`. */
function commonColumns(ctx: BuildContext, input: IdentityInputConfig, withCountry: boolean): string[] {
  const { sql } = ctx;
  const text = sql.typeName('string');
  const country =
    withCountry && input.country !== undefined
      ? sql.upperText(sql.trimWhitespace(`CAST(r.${sql.quoteIdentifier(input.country)} AS ${text})`))
      : `CAST(NULL AS ${text})`;
  return [
    `${sql.stringLiteral(input.name)} AS source`,
    `${input.priority} AS source_priority`,
    `r.${LINK_ID_COLUMN} AS link_id`,
    `CAST(r.${sql.quoteIdentifier(input.timestamp)} AS ${sql.typeName('timestamp')}) AS seen_at`,
    `${country} AS country`,
  ];
}

function identifierSelects(ctx: BuildContext, input: IdentityInputConfig, index: number): string[] {
  const { sql } = ctx;
  const relation = inputRowsName(index);
  return Object.entries(input.identifiers).flatMap(([type, columns]) =>
    (Array.isArray(columns) ? columns : [columns]).map((column) => {
      const value = `r.${sql.quoteIdentifier(column)}`;
      const select = [
        ...commonColumns(ctx, input, type === 'phone'),
        `${sql.stringLiteral(type)} AS identifier_type`,
        `CAST(${value} AS ${sql.typeName('string')}) AS raw_value`,
      ];
      return `SELECT ${select.join(', ')}\nFROM ${relation} r\nWHERE ${value} IS NOT NULL`;
    }),
  );
}

/** Builds one select per match rule whose fields this input maps. Rows missing a part get no value. */
function ruleSelects(ctx: BuildContext, input: IdentityInputConfig, index: number): string[] {
  const relation = inputRowsName(index);
  return ctx.config.match_rules
    .filter((rule) => rule.parts.every((part) => input.fields[part.field] !== undefined))
    .map((rule) => {
      const select = [
        ...commonColumns(ctx, input, false),
        `${ctx.sql.stringLiteral(rule.name)} AS identifier_type`,
        `${ruleValue(ctx, input, rule)} AS raw_value`,
      ];
      return `SELECT * FROM (SELECT ${select.join(', ')}\nFROM ${relation} r) rule_rows\nWHERE raw_value IS NOT NULL`;
    });
}

/**
 * Builds the rule's value: the parts normalised and joined with `|`, or NULL when any part is
 * NULL or empty.
 * NOTE: a part that itself contains `|` can make two different part lists join to the same value.
 */
function ruleValue(ctx: BuildContext, input: IdentityInputConfig, rule: MatchRuleConfig): string {
  const { sql } = ctx;
  const parts = rule.parts.map((part) => {
    const column = `CAST(r.${sql.quoteIdentifier(input.fields[part.field]!)} AS ${sql.typeName('string')})`;
    return transformSql(sql, column, part.transforms);
  });
  const missing = parts.map((part) => `${part} IS NULL OR ${part} = ''`).join(' OR ');
  const joined: string[] = [];
  parts.forEach((part, index) => {
    if (index > 0) joined.push(sql.stringLiteral(RULE_PART_SEPARATOR));
    joined.push(part);
  });
  return `CASE WHEN ${missing} THEN NULL ELSE ${sql.concatText(joined)} END`;
}
