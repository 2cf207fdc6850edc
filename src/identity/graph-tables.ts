import { earliestFirst, work, workRef, type BuildContext } from './build-context.js';

/**
 * Creates the graph tables. The graph is bipartite: identifier nodes (one per type and
 * normalised value) and link nodes (one per input link, see link-key.ts), joined by an edge when
 * the link carries the identifier. Nodes get integer ids. Identifier nodes are numbered first, earliest seen first, so the
 * smallest id in a component is its earliest identifier and every component label names one.
 */
export async function createGraphTables(ctx: BuildContext): Promise<void> {
  await loadTypes(ctx);
  await createEdges(ctx);
  await createIdentifierNodes(ctx);
  await createLinkNodes(ctx);
  await createEdgeNodes(ctx);
  await ctx.warehouse.execute(
    ctx.sql.createTableAs(
      workRef(ctx, 'removed_edges'),
      `SELECT link_node, id_node, CAST(NULL AS ${ctx.sql.typeName('string')}) AS reason FROM ${work(ctx, 'edge_nodes')} WHERE 1 = 0`,
    ),
  );
}

/** Loads each type's priority and limit, so SQL can join them. */
async function loadTypes(ctx: BuildContext): Promise<void> {
  const rows = ctx.types.map((type) => ({
    identifier_type: type.name,
    type_priority: type.priority,
    max_per_profile: type.maxPerProfile ?? null,
  }));
  const columns = [
    { name: 'identifier_type', type: 'string' as const },
    { name: 'type_priority', type: 'integer' as const },
    { name: 'max_per_profile', type: 'integer' as const },
  ];
  await ctx.warehouse.loadRows(workRef(ctx, 'types'), columns, rows);
}

/** Creates the edges table: per link and linking identifier, when and on how many rows it was seen. */
async function createEdges(ctx: BuildContext): Promise<void> {
  const select = `SELECT link_id, source, source_priority, identifier_type, value AS identifier_value,
  min(seen_at) AS first_seen, max(seen_at) AS last_seen, count(*) AS row_count
FROM ${work(ctx, 'normalised')}
WHERE blocked_reason IS NULL
GROUP BY link_id, source, source_priority, identifier_type, value`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'edges'), select));
}

/**
 * Creates the identifier nodes with their totals and the source each was first seen in. Where the
 * dialect has `argMin`, the source is picked in the same hash aggregate as the totals. Elsewhere a
 * window ranks the edges of each identifier. The one sort numbers the nodes.
 */
async function createIdentifierNodes(ctx: BuildContext): Promise<void> {
  const edges = work(ctx, 'edges');
  // argMin sorts NULL last by its contract, and the window needs NULLS LAST spelled out.
  const argMinOrder = ['first_seen', 'source_priority', 'source'];
  const windowOrder = [earliestFirst('first_seen'), 'source_priority', 'source'];
  const totals = (extra: string) => `SELECT identifier_type, identifier_value, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
    sum(row_count) AS row_count${extra}
  FROM ${edges} GROUP BY identifier_type, identifier_value`;
  const ctes = ctx.sql.argMin
    ? `totals AS (
  ${totals(`, ${ctx.sql.argMin('source', argMinOrder)} AS source`)}
)`
    : `plain_totals AS (
  ${totals('')}
),
first_source AS (
  SELECT identifier_type, identifier_value, source FROM (
    SELECT identifier_type, identifier_value, source,
      row_number() OVER (PARTITION BY identifier_type, identifier_value ORDER BY ${windowOrder.join(', ')}) AS position
    FROM ${edges}
  ) ranked WHERE position = 1
),
totals AS (
  SELECT p.*, f.source FROM plain_totals p
  JOIN first_source f ON f.identifier_type = p.identifier_type AND f.identifier_value = p.identifier_value
)`;
  const select = `WITH ${ctes}
SELECT row_number() OVER (ORDER BY ${earliestFirst('t.first_seen')}, t.identifier_type, t.identifier_value) AS node,
  t.identifier_type, t.identifier_value, t.first_seen, t.last_seen, t.row_count, t.source, ty.type_priority
FROM totals t
JOIN ${work(ctx, 'types')} ty ON ty.identifier_type = t.identifier_type`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'identifier_nodes'), select));
}

/**
 * Link nodes, numbered after every identifier node in no particular order, which skips a sort
 * of the MD5 link ids. No output depends on that order, because every label and tie-break that
 * reaches the outputs is an identifier node.
 */
async function createLinkNodes(ctx: BuildContext): Promise<void> {
  const identifierCount = `(SELECT count(*) FROM ${work(ctx, 'identifier_nodes')})`;
  const select = `SELECT ${identifierCount} + ${ctx.sql.rowNumber('link_id')} AS node, link_id, source
FROM (SELECT DISTINCT link_id, source FROM ${work(ctx, 'edges')}) links`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'link_nodes'), select));
}

/**
 * Edges by node id, with what decides which links a limit cuts first and the edge's own columns
 * of identity_edges. The text columns stay in link_nodes and identifier_nodes, so that later
 * steps carry integers only and publishing joins the text back on node ids.
 */
async function createEdgeNodes(ctx: BuildContext): Promise<void> {
  const select = `SELECT l.node AS link_node, i.node AS id_node, e.source_priority, i.type_priority, e.first_seen,
  e.last_seen, e.row_count
FROM ${work(ctx, 'edges')} e
JOIN ${work(ctx, 'link_nodes')} l ON l.link_id = e.link_id
JOIN ${work(ctx, 'identifier_nodes')} i ON i.identifier_type = e.identifier_type AND i.identifier_value = e.identifier_value`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'edge_nodes'), select));
}

/**
 * Rebuilds the directed active edges (both directions of every edge not removed by a limit or a
 * quarantine), which splitting and the component passes after a split read. The first
 * component passes read edge_nodes, so a build that splits nothing never creates this table.
 */
export async function refreshActiveEdges(ctx: BuildContext): Promise<void> {
  const active = `SELECT e.* FROM ${work(ctx, 'edge_nodes')} e
  WHERE NOT EXISTS (SELECT 1 FROM ${work(ctx, 'removed_edges')} r WHERE r.link_node = e.link_node AND r.id_node = e.id_node)`;
  const select = `WITH active AS (${active})
SELECT link_node AS from_node, id_node AS to_node, source_priority, type_priority, first_seen FROM active
UNION ALL
SELECT id_node AS from_node, link_node AS to_node, source_priority, type_priority, first_seen FROM active`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'active_edges'), select));
}
