import { output, outputRef, work, type BuildContext } from './build-context.js';
import { BLOCK_REASONS } from './classify.js';
import type { IdentityTableNames } from './identity-config.js';
import { traitSql } from './traits.js';

/** Adds the quarantined identifiers, with the rows that carried them, to the staged blocked report. */
export async function stageQuarantined(ctx: BuildContext): Promise<void> {
  const { sql, warehouse } = ctx;
  await warehouse.execute(`INSERT INTO ${work(ctx, 'staged_blocked')} (identifier_type, identifier_value, reason, row_count)
SELECT i.identifier_type, i.identifier_value, ${sql.stringLiteral(BLOCK_REASONS.quarantined)}, i.row_count
FROM ${work(ctx, 'identifier_nodes')} i
WHERE i.node IN (SELECT id_node FROM ${work(ctx, 'removed_edges')} WHERE reason = ${sql.stringLiteral(BLOCK_REASONS.quarantined)})`);
}

/** identity_graph: one row per linking identifier with its profile and when it was seen. */
function graphSql(ctx: BuildContext): string {
  return `SELECT p.identifier_type, p.identifier_value, ids.profile_id, i.source, i.first_seen, i.last_seen, i.row_count
FROM ${work(ctx, 'profile_labels')} p
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = p.node
JOIN ${work(ctx, 'profile_ids')} ids ON ids.label = p.label`;
}

/**
 * identity_edges: every link and identifier it carried, with `status` active or the reason the
 * edge was removed. `profile_id` is the identifier's profile and `link_profile_id` the profile
 * of the link, which differ only for removed edges.
 */
function edgesSql(ctx: BuildContext): string {
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
function profilesSql(ctx: BuildContext, edges: string): string {
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

/**
 * Replaces the output tables and appends this run's merges in one transaction, so readers see
 * either the previous graph or the new one, never a mix. The large outputs are built from the
 * work tables inside the transaction, because staging them first and copying would write every
 * row twice. Profiles are built after identity_edges, because traits read it.
 * NOTE: the transaction therefore lasts as long as building the outputs, which on a warehouse
 * with table locks would block writers (not readers) for that time.
 */
export async function publishOutputs(ctx: BuildContext): Promise<void> {
  const { sql } = ctx;
  const create = (table: keyof IdentityTableNames, select: string) => sql.createTableAs(outputRef(ctx, table), select);
  const mergeColumns = [
    { name: 'absorbed_profile_id', type: sql.typeName('string') },
    { name: 'surviving_profile_id', type: sql.typeName('string') },
    { name: 'run_id', type: sql.typeName('string') },
    { name: 'merged_at', type: sql.typeName('timestamp') },
  ];
  await ctx.warehouse.atomically([
    create('identity_graph', graphSql(ctx)),
    create('identity_edges', edgesSql(ctx)),
    create('profiles', profilesSql(ctx, output(ctx, 'identity_edges'))),
    create('identity_blocked', `SELECT * FROM ${work(ctx, 'staged_blocked')}`),
    sql.createTableIfNotExists(outputRef(ctx, 'profile_merges'), mergeColumns),
    `INSERT INTO ${output(ctx, 'profile_merges')} (absorbed_profile_id, surviving_profile_id, run_id, merged_at)
SELECT absorbed_profile_id, surviving_profile_id, run_id, merged_at FROM ${work(ctx, 'new_merges')}`,
  ]);
}
