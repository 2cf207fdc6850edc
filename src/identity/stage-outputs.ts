import { work, workRef, type BuildContext } from './build-context.js';
import { BLOCK_REASONS } from './classify.js';
import { traitSql } from './traits.js';

/** Adds the quarantined identifiers, with the rows that carried them, to the staged blocked report. */
export async function stageQuarantined(ctx: BuildContext): Promise<void> {
  const { sql, warehouse } = ctx;
  await warehouse.execute(`INSERT INTO ${work(ctx, 'staged_blocked')} (identifier_type, identifier_value, reason, row_count)
SELECT i.identifier_type, i.identifier_value, ${sql.stringLiteral(BLOCK_REASONS.quarantined)}, i.row_count
FROM ${work(ctx, 'identifier_nodes')} i
WHERE i.node IN (SELECT id_node FROM ${work(ctx, 'removed_edges')} WHERE reason = ${sql.stringLiteral(BLOCK_REASONS.quarantined)})`);
}

/**
 * Builds the large outputs in the work schema, for warehouses whose transactions admit no DDL:
 * publishing then copies them with DELETE and INSERT inside one transaction. Profiles read the
 * staged edges, because traits are chosen from them.
 */
export async function stageOutputs(ctx: BuildContext): Promise<void> {
  const { sql, warehouse } = ctx;
  await warehouse.execute(sql.createTableAs(workRef(ctx, 'staged_graph'), graphSql(ctx)));
  await warehouse.execute(sql.createTableAs(workRef(ctx, 'staged_edges'), edgesSql(ctx)));
  await warehouse.execute(sql.createTableAs(workRef(ctx, 'staged_profiles'), profilesSql(ctx, work(ctx, 'staged_edges'))));
}

/** identity_graph: one row per linking identifier with its profile and when it was seen. */
export function graphSql(ctx: BuildContext): string {
  return `SELECT i.identifier_type, i.identifier_value, ids.profile_id, i.source, i.first_seen, i.last_seen, i.row_count
FROM ${work(ctx, 'profile_labels')} p
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = p.node
JOIN ${work(ctx, 'profile_ids')} ids ON ids.label = p.label`;
}

/**
 * identity_edges: every link and identifier it carried, with `status` active or the reason the
 * edge was removed. `profile_id` is the identifier's profile and `link_profile_id` the profile
 * of the link, which differ only for removed edges.
 */
export function edgesSql(ctx: BuildContext): string {
  return `SELECT l.link_id, l.source, e.source_priority, i.identifier_type, i.identifier_value, e.first_seen, e.last_seen, e.row_count,
  COALESCE(r.reason, 'active') AS status, ip.profile_id, lp.profile_id AS link_profile_id
FROM ${work(ctx, 'edge_nodes')} e
JOIN ${work(ctx, 'link_nodes')} l ON l.node = e.link_node
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = e.id_node
LEFT JOIN ${work(ctx, 'removed_edges')} r ON r.link_node = e.link_node AND r.id_node = e.id_node
LEFT JOIN ${work(ctx, 'labels')} il ON il.node = e.id_node
LEFT JOIN ${work(ctx, 'profile_ids')} ip ON ip.label = il.label
LEFT JOIN ${work(ctx, 'labels')} ll ON ll.node = e.link_node
LEFT JOIN ${work(ctx, 'profile_ids')} lp ON lp.label = ll.label`;
}

/** profiles: one row per profile with its totals and a column per trait read from `edges`. */
export function profilesSql(ctx: BuildContext, edges: string): string {
  const { sql } = ctx;
  const traits = Object.entries(ctx.config.traits);
  const base = `SELECT ids.profile_id, ids.created_at,
    min(i.first_seen) AS first_seen, max(i.last_seen) AS last_seen, count(*) AS identifier_count
  FROM ${work(ctx, 'profile_ids')} ids
  JOIN ${work(ctx, 'profile_labels')} p ON p.label = ids.label
  JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = p.node
  GROUP BY ids.profile_id, ids.created_at`;
  const ctes = [`base AS (\n  ${base}\n)`, ...traits.map(([, trait], index) => `trait_${index} AS (\n${traitSql(ctx, trait, edges)}\n)`)];
  const columns = ['base.*', ...traits.map(([name], index) => `trait_${index}.value AS ${sql.quoteIdentifier(name)}`)];
  const joins = traits.map((_, index) => `LEFT JOIN trait_${index} ON trait_${index}.profile_id = base.profile_id`);
  return `WITH ${ctes.join(',\n')}\nSELECT ${columns.join(', ')}\nFROM base\n${joins.join('\n')}`;
}
