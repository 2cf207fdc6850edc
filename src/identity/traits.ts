import type { BuildContext } from './build-context.js';
import type { SurvivorshipRule, TraitConfig } from './identity-config.js';
import { linkKeyExpression } from './link-key.js';

/**
 * Survivorship: each trait takes one value per profile from candidate values, each with the
 * rows that carried it, when it was last seen and the priority of its source.
 *
 * - `most_recent`: the value seen last; ties go to the more trusted source, then the more frequent.
 * - `most_frequent`: the value on the most rows (summed over sources); ties go to the most recent.
 * - `source_priority`: the value from the most trusted source; ties go to the most recent.
 *
 * Remaining ties go to the smaller value as text, so the choice is deterministic.
 */

/**
 * Builds a SELECT of (profile_id, value): the surviving value of one trait per profile. `edges`
 * is the quoted identity_edges table of this build.
 */
export function traitSql(ctx: BuildContext, trait: TraitConfig, edges: string): string {
  const candidates = 'field' in trait ? fieldCandidates(ctx, trait.field, edges) : identifierCandidates(ctx, trait.identifier, edges);
  const ranked = trait.rule === 'most_frequent' ? summedCandidates(candidates) : candidates;
  return `SELECT profile_id, value FROM (
  SELECT profile_id, value, row_number() OVER (PARTITION BY profile_id ORDER BY ${ruleOrder(ctx, trait.rule)}) AS position
  FROM (${ranked}) candidates
) ranked WHERE position = 1`;
}

function ruleOrder(ctx: BuildContext, rule: SurvivorshipRule): string {
  const recent = 'CASE WHEN last_seen IS NULL THEN 1 ELSE 0 END, last_seen DESC';
  const asText = `CAST(value AS ${ctx.sql.typeName('string')})`;
  switch (rule) {
    case 'most_recent':
      return `${recent}, source_priority, row_count DESC, ${asText}`;
    case 'most_frequent':
      return `row_count DESC, ${recent}, source_priority, ${asText}`;
    case 'source_priority':
      return `source_priority, ${recent}, row_count DESC, ${asText}`;
  }
}

/** Candidates of a most_frequent trait: counts summed over sources, best source kept for ties. */
function summedCandidates(candidates: string): string {
  return `SELECT profile_id, value, sum(row_count) AS row_count, max(last_seen) AS last_seen, min(source_priority) AS source_priority
FROM (${candidates}) per_source GROUP BY profile_id, value`;
}

/**
 * Candidates from an input field: the input rows joined to their link's profile. Every input
 * that maps the field contributes. NULL values are not candidates.
 */
function fieldCandidates(ctx: BuildContext, field: string, edges: string): string {
  const { sql } = ctx;
  const links = `SELECT DISTINCT link_id, link_profile_id AS profile_id FROM ${edges}
  WHERE link_profile_id IS NOT NULL`;
  const selects = ctx.config.inputs
    .filter((input) => input.fields[field] !== undefined)
    .map((input) => {
      const column = `r.${sql.quoteIdentifier(input.fields[field]!)}`;
      const seenAt = `CAST(r.${sql.quoteIdentifier(input.timestamp)} AS ${sql.typeName('timestamp')})`;
      const linkId = linkKeyExpression(sql, ctx.config, input, 'r');
      return `SELECT ${linkId} AS link_id, ${column} AS value, ${seenAt} AS seen_at, ${input.priority} AS source_priority
  FROM ${ctx.relations[input.name]} r WHERE ${column} IS NOT NULL`;
    });
  return `SELECT k.profile_id, v.value, v.source_priority, count(*) AS row_count, max(v.seen_at) AS last_seen
FROM (${selects.join('\nUNION ALL\n')}) v
JOIN (${links}) k ON k.link_id = v.link_id
GROUP BY k.profile_id, v.value, v.source_priority`;
}

/** Candidates from the profile's own identifiers of one type, over active edges only. */
function identifierCandidates(ctx: BuildContext, type: string, edges: string): string {
  return `SELECT profile_id, identifier_value AS value, source_priority, sum(row_count) AS row_count, max(last_seen) AS last_seen
FROM ${edges}
WHERE status = 'active' AND identifier_type = ${ctx.sql.stringLiteral(type)}
GROUP BY profile_id, identifier_value, source_priority`;
}
