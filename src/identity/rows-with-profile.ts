import type { SqlDialect } from '../warehouse/dialect.js';
import type { IdentityConfig } from './identity-config.js';
import { linkKeyExpression } from './link-key.js';

/**
 * Builds a SELECT of an input's rows with a `profile_id` column: the profile of the row's link, read
 * from identity_edges. Rows whose identifiers were all blocked or quarantined get NULL.
 * Downstream models can use it to attach events to profiles. `relation` is the input's SQL
 * table expression, as given to buildIdentity.
 */
export function rowsWithProfileSql(
  dialect: SqlDialect,
  config: IdentityConfig,
  schema: string,
  inputName: string,
  relation: string,
): string {
  const input = config.inputs.find((candidate) => candidate.name === inputName);
  if (input === undefined) {
    const known = config.inputs.map((candidate) => candidate.name).join(', ');
    throw new Error(`Identity model ${config.name} has no input named ${inputName}; its inputs are ${known}`);
  }
  const edges = dialect.quoteTable({ schema, name: config.tables.identity_edges });
  const links = `SELECT DISTINCT link_id, link_profile_id FROM ${edges} WHERE status = 'active'`;
  return `SELECT r.*, k.link_profile_id AS profile_id
FROM ${relation} r
LEFT JOIN (${links}) k ON k.link_id = ${linkKeyExpression(dialect, config, input, 'r')}`;
}
