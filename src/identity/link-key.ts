import { rowHashExpression, type SqlDialect } from '../warehouse/dialect.js';
import type { IdentityConfig, IdentityInputConfig } from './identity-config.js';

/**
 * Columns whose raw values decide which identifiers a row links: every identifier column, the
 * fields that match rules read, and the country column. Sorted, so the key does not depend on
 * the order of the config.
 */
export function linkColumns(config: IdentityConfig, input: IdentityInputConfig): string[] {
  const identifierColumns = Object.values(input.identifiers).flatMap((columns) => (Array.isArray(columns) ? columns : [columns]));
  const ruleFields = config.match_rules.flatMap((rule) => rule.parts.map((part) => part.field));
  const ruleColumns = ruleFields.flatMap((field) => (input.fields[field] === undefined ? [] : [input.fields[field]]));
  const countryColumns = input.country === undefined ? [] : [input.country];
  return [...new Set([...identifierColumns, ...ruleColumns, ...countryColumns])].sort();
}

/**
 * Builds the expression for a row's link id: the input's name and a hash of the link columns' raw values. Rows
 * with the same identifiers collapse into one link, so an event table with thousands of rows per
 * visitor yields one link per distinct combination. `alias` qualifies the columns.
 */
export function linkKeyExpression(dialect: SqlDialect, config: IdentityConfig, input: IdentityInputConfig, alias?: string): string {
  const prefix = alias === undefined ? '' : `${alias}.`;
  const columns = linkColumns(config, input).map((column) => ({
    expr: prefix + dialect.quoteIdentifier(column),
    type: 'string' as const,
  }));
  return dialect.concatText([dialect.stringLiteral(`${input.name}:`), rowHashExpression(dialect, columns)]);
}
