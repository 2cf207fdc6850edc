import { queryCount, work, workRef, type BuildContext, type WorkTable } from './build-context.js';
import { IdentityError } from './identity-error.js';

/**
 * Connected components in SQL by hooking, shortcutting and contraction, the scheme of the
 * Shiloach-Vishkin family of algorithms. Every node ends with a label: the smallest node id in
 * its component. One round, on the current graph of directed edges (both directions):
 *
 *   hook:      parent(u) = min(u, min over edges (u, v) of v)
 *   shortcut:  parent(u) = parent(parent(u)), repeated until every parent is a root
 *   contract:  edges = distinct (parent(u), parent(v)) over edges (u, v), where the two differ
 *
 * The rounds run on ranks, not node ids (see rankSql): a pseudo-random order of the nodes,
 * whose rank still names the node. Node ids grow with the time a node was first seen, so on a
 * chain seen hop by hop every node would hook to its predecessor and make one tree as deep as
 * the chain is long. In a random order, runs of falling ranks along a chain are short, so trees
 * stay shallow and shortcutting touches few nodes. Parents only point to smaller ranks, so each
 * tree's root is its node of smallest rank. Contraction keeps only the roots that still have
 * edges, so every round works on a smaller graph than the last: the link nodes drop out in the
 * first round and the small components in the first few. Shortcutting is pointer jumping,
 * which halves the depth of every tree per step.
 *
 * The rounds stop when no edge is left. Each round's parents are kept in component_levels, and
 * a node's label is found by following its parent up through the levels to its root, and then
 * taking the smallest node id among the nodes with that root.
 */

/** Ranks are `key * RANK_BASE + node`, so node ids must stay below RANK_BASE (2^31): see checkNodeIdsFitRanks. */
const RANK_BASE = 2147483648;

/**
 * Builds the rank of a node id. Its high part is a multiplicative hash of the id (times
 * 2654435761, which is near 2^32 divided by the golden ratio, modulo 2^32), and its low part is
 * the id itself. So ranks are unique, sort by the hash and give the id back modulo RANK_BASE.
 * For ids below 2^31 every product stays within a signed 64-bit integer.
 */
function rankSql(node: string): string {
  return `(MOD(${node} * 2654435761, 4294967296) * ${RANK_BASE} + ${node})`;
}

/** Builds the node id of a rank. */
function nodeOfRankSql(rank: string): string {
  return `MOD(${rank}, ${RANK_BASE})`;
}

/**
 * Raises unless every node id is below RANK_BASE. Past it, ranks would overflow a 64-bit
 * integer (DuckDB and BigQuery raise an error) or, where numbers are wider, name the wrong
 * node, which would merge unrelated profiles without an error (Snowflake's NUMBER(38)).
 */
export function checkNodeIdsFitRanks(largestNode: number): void {
  if (largestNode < RANK_BASE) return;
  throw new IdentityError(
    `The identity graph has ${largestNode} nodes (identifiers and links), and the component step ` +
      `supports at most ${RANK_BASE - 1}. Build the identity graph over fewer inputs or a shorter time range.`,
  );
}

/** Gives every node its own id as label. */
export async function initialiseLabels(ctx: BuildContext): Promise<void> {
  const largestNode = `SELECT GREATEST(
  COALESCE((SELECT MAX(node) FROM ${work(ctx, 'identifier_nodes')}), 0),
  COALESCE((SELECT MAX(node) FROM ${work(ctx, 'link_nodes')}), 0)) AS n`;
  checkNodeIdsFitRanks(await queryCount(ctx, largestNode));
  const select = `SELECT node, node AS label FROM ${work(ctx, 'identifier_nodes')}
UNION ALL
SELECT node, node AS label FROM ${work(ctx, 'link_nodes')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'labels'), select));
}

/**
 * Gives the nodes of the listed components their own id back, so that the next
 * computeComponents splits them after edges were removed. `components` is a SELECT returning
 * one `label` column.
 */
export async function resetLabels(ctx: BuildContext, components: string): Promise<void> {
  const select = `SELECT node, CASE WHEN label IN (${components}) THEN node ELSE label END AS label FROM ${work(ctx, 'labels')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'reset_labels'), select));
  await copyTable(ctx, 'reset_labels', 'labels');
}

/**
 * Which nodes computeComponents labels: `all` right after initialiseLabels, when every node
 * still has its own id as label, or `reset`, the nodes that resetLabels gave their own id back.
 */
export type ComponentScope = 'all' | 'reset';

/**
 * Labels the nodes of `scope` by the components of the active edges between them. Other labels
 * are final already and stay as they are. Returns the number of passes: the hooking and
 * shortcut steps, which each read the whole current graph or its deep trees. Raises when the
 * steps reach `max_passes`.
 */
export async function computeComponents(ctx: BuildContext, scope: ComponentScope): Promise<number> {
  const passes = { count: 0 };
  let level = 0;
  if (scope === 'all') {
    await contractLinks(ctx, passes);
    level = 1;
  } else {
    await createUnlabelledEdges(ctx);
    const empty = `SELECT 0 AS level, node, label AS parent FROM ${work(ctx, 'labels')} WHERE 1 = 0`;
    await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_levels'), empty));
  }

  let edges: WorkTable = 'component_edges';
  while ((await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, edges)}`)) > 0) {
    level += 1;
    await hook(ctx, edges, passes);
    const parents = await shortcut(ctx, passes);
    await ctx.warehouse.execute(`INSERT INTO ${work(ctx, 'component_levels')} (level, node, parent)
SELECT ${level}, node, parent FROM ${work(ctx, parents)}`);
    edges = await contract(ctx, edges, parents);
  }
  await resolveLabels(ctx, level);
  ctx.logger.log('debug', 'identity.components.rounds', { rounds: level, passes: passes.count });
  return passes.count;
}

/**
 * Computes the first round on the whole graph from edge_nodes, in place of hooking,
 * shortcutting and contracting over both directions of every edge. Before any edge is
 * removed, the active edges are the edges of the bipartite graph, and every link node has a
 * larger id than every identifier node. So hooking gives each link node its smallest
 * identifier as parent and leaves each identifier node its own parent: trees of depth one,
 * which need no shortcut. Contraction leaves an edge, both ways, from each link's smallest
 * identifier to each of its other identifiers.
 */
async function contractLinks(ctx: BuildContext, passes: { count: number }): Promise<void> {
  countPass(ctx, passes);
  const edgeNodes = work(ctx, 'edge_nodes');
  const linkParents = `SELECT link_node AS node, min(id_node) AS parent FROM ${edgeNodes} GROUP BY link_node`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_parents'), linkParents));

  const parents = work(ctx, 'component_parents');
  const levels = `SELECT 1 AS level, ${rankSql('node')} AS node, ${rankSql('parent')} AS parent FROM ${parents}
UNION ALL
SELECT 1 AS level, ${rankSql('node')} AS node, ${rankSql('node')} AS parent FROM ${work(ctx, 'identifier_nodes')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_levels'), levels));

  // No pair appears both ways, because each pair's first node is the smaller one.
  const contracted = `WITH pairs AS (
  SELECT DISTINCT p.parent AS first_node, e.id_node AS other_node
  FROM ${edgeNodes} e JOIN ${parents} p ON p.node = e.link_node
  WHERE e.id_node <> p.parent
)
SELECT ${rankSql('first_node')} AS from_node, ${rankSql('other_node')} AS to_node FROM pairs
UNION ALL
SELECT ${rankSql('other_node')} AS from_node, ${rankSql('first_node')} AS to_node FROM pairs`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_edges'), contracted));
}

/**
 * Creates component_edges, by rank: the active edges whose two nodes both still have their own
 * id as label.
 */
async function createUnlabelledEdges(ctx: BuildContext): Promise<void> {
  const labels = work(ctx, 'labels');
  const select = `SELECT ${rankSql('e.from_node')} AS from_node, ${rankSql('e.to_node')} AS to_node
FROM ${work(ctx, 'active_edges')} e
JOIN ${labels} a ON a.node = e.from_node AND a.label = a.node
JOIN ${labels} b ON b.node = e.to_node AND b.label = b.node`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_edges'), select));
}

/** Creates component_parents: each node of the current graph with its smallest neighbour, or itself. */
async function hook(ctx: BuildContext, edges: WorkTable, passes: { count: number }): Promise<void> {
  countPass(ctx, passes);
  const select = `SELECT from_node AS node, ${ctx.sql.least(['from_node', 'min(to_node)'])} AS parent
FROM ${work(ctx, edges)} GROUP BY from_node`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_parents'), select));
}

/**
 * Replaces every parent by its root, so that every tree is a star, and returns the table with
 * the result. Only the nodes at depth two or more need it. Those, with their parents, go to
 * component_jumps, and pointer jumping (parent becomes grandparent) repeats on that table
 * alone until no parent there has a row of its own, which makes every parent a root. After
 * hooking, most trees are stars or nearly, so those passes read only the nodes of deep trees,
 * such as long chains. The two jump tables take turns.
 */
async function shortcut(ctx: BuildContext, passes: { count: number }): Promise<WorkTable> {
  const parents = work(ctx, 'component_parents');
  const deepTrees = `WITH deep AS (
  SELECT c.node, c.parent FROM ${parents} c JOIN ${parents} p ON p.node = c.parent WHERE p.parent <> c.parent
)
SELECT node, parent FROM ${parents}
WHERE node IN (SELECT node FROM deep) OR node IN (SELECT parent FROM deep)`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_jumps'), deepTrees));

  const tables: [WorkTable, WorkTable] = ['component_jumps', 'component_jumps_next'];
  let current = 0;
  let jumping = await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, 'component_jumps')}`);
  if (jumping === 0) return 'component_parents';
  while (jumping > 0) {
    countPass(ctx, passes);
    const jumps = work(ctx, tables[current]!);
    // A parent is a root exactly when it has no row here. `jumps_again` marks the nodes whose
    // new parent is not a root yet, so the loop stops without a pass that changes nothing.
    const select = `SELECT j.node, COALESCE(k.parent, j.parent) AS parent, n.node IS NOT NULL AS jumps_again
FROM ${jumps} j
LEFT JOIN ${jumps} k ON k.node = j.parent
LEFT JOIN ${jumps} n ON n.node = COALESCE(k.parent, j.parent)`;
    current = 1 - current;
    await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, tables[current]!), select));
    jumping = await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, tables[current]!)} WHERE jumps_again`);
  }

  const merged = `SELECT p.node, COALESCE(j.parent, p.parent) AS parent
FROM ${parents} p LEFT JOIN ${work(ctx, tables[current]!)} j ON j.node = p.node`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'component_parents_next'), merged));
  return 'component_parents_next';
}

/**
 * Replaces the edges by the edges between the roots of their ends, dropping edges within a tree.
 * The two edge tables take turns, and the one with the result is returned.
 */
async function contract(ctx: BuildContext, edges: WorkTable, parentTable: WorkTable): Promise<WorkTable> {
  const parents = work(ctx, parentTable);
  const next: WorkTable = edges === 'component_edges' ? 'component_edges_next' : 'component_edges';
  const select = `SELECT DISTINCT a.parent AS from_node, b.parent AS to_node
FROM ${work(ctx, edges)} e
JOIN ${parents} a ON a.node = e.from_node
JOIN ${parents} b ON b.node = e.to_node
WHERE a.parent <> b.parent`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, next), select));
  return next;
}

/**
 * Follows each node's parent up through the levels, from the last level down: a root at one
 * level is a node of the next level, or final when it had no edge left. The two root tables
 * take turns. Then labels every node of a root with the smallest node id among them.
 */
async function resolveLabels(ctx: BuildContext, levels: number): Promise<void> {
  const levelTable = work(ctx, 'component_levels');
  const tables: [WorkTable, WorkTable] = ['component_roots', 'component_roots_next'];
  let current = 0;
  const empty = `SELECT node, parent AS root FROM ${levelTable} WHERE 1 = 0`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, tables[current]!), empty));
  for (let level = levels; level >= 1; level -= 1) {
    const select = `SELECT l.node, COALESCE(r.root, l.parent) AS root
FROM ${levelTable} l LEFT JOIN ${work(ctx, tables[current]!)} r ON r.node = l.parent
WHERE l.level = ${level}`;
    current = 1 - current;
    await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, tables[current]!), select));
  }

  // A node outside the components just computed keeps its final label as root, which is the
  // smallest id of its component already, so the grouping leaves it as it is.
  const labelled = `WITH rooted AS (
  SELECT l.node, COALESCE(${nodeOfRankSql('r.root')}, l.label) AS root
  FROM ${work(ctx, 'labels')} l LEFT JOIN ${work(ctx, tables[current]!)} r ON r.node = ${rankSql('l.node')}
)
SELECT r.node, f.label
FROM rooted r JOIN (SELECT root, min(node) AS label FROM rooted GROUP BY root) f ON f.root = r.root`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'reset_labels'), labelled));
  await copyTable(ctx, 'reset_labels', 'labels');
}

function countPass(ctx: BuildContext, passes: { count: number }): void {
  passes.count += 1;
  if (passes.count <= ctx.config.max_passes) return;
  throw new IdentityError(
    `Identity model ${ctx.config.name}: connected components did not converge within max_passes ` +
      `(${ctx.config.max_passes}) passes. Raise max_passes. A graph that needs many passes usually has a very ` +
      'long chain of links, often through a shared junk identifier.',
  );
}

async function copyTable(ctx: BuildContext, from: WorkTable, to: WorkTable): Promise<void> {
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, to), `SELECT * FROM ${work(ctx, from)}`));
}
