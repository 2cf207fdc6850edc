import { queryCount, work, workRef, type BuildContext, type WorkTable } from './build-context.js';
import { IdentityError } from './identity-error.js';

/**
 * Connected components in SQL, after FastSV (Zhang, Azad and Hu, "FastSV: A Distributed-Memory
 * Connected Component Algorithm with Fast Convergence", arXiv:1910.05971). Every node has a
 * label, the id of a node in its component, starting with its own id. One pass computes, from
 * the current labels f:
 *
 *   grandparent(u) = f(f(u))
 *   neighbour(u)   = min over edges (u, v) of grandparent(v)
 *   hooked(t)      = min over u with f(u) = t of neighbour(u)       (hooks the parent t)
 *   f'(u)          = min(f(u), grandparent(u), neighbour(u), hooked(u))
 *
 * Taking the grandparent is pointer jumping, which shortcuts chains, so long paths need far
 * fewer passes than their length (plain label propagation needs one pass per hop). Labels
 * only decrease and never leave their component, so the passes stop when no label changes, and
 * then every node's label is the smallest node id in its component.
 */

/** Gives every node its own id as label. */
export async function initialiseLabels(ctx: BuildContext): Promise<void> {
  const select = `SELECT node, node AS label FROM ${work(ctx, 'identifier_nodes')}
UNION ALL
SELECT node, node AS label FROM ${work(ctx, 'link_nodes')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'labels'), select));
}

/**
 * Gives the nodes of the listed components their own id back, so that the next pass can split
 * them after edges were removed. `components` is a SELECT returning one `label` column.
 */
export async function resetLabels(ctx: BuildContext, components: string): Promise<void> {
  const select = `SELECT node, CASE WHEN label IN (${components}) THEN node ELSE label END AS label FROM ${work(ctx, 'labels')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'reset_labels'), select));
  await copyTable(ctx, 'reset_labels', 'labels');
}

/**
 * Runs passes until no label changes and returns the number of passes, the last of which changed
 * nothing. Raises when `max_passes` passes are not enough. The result is in the labels table.
 */
export async function computeComponents(ctx: BuildContext): Promise<number> {
  const tables: [WorkTable, WorkTable] = ['labels', 'labels_next'];
  let current = 0;

  for (let pass = 1; pass <= ctx.config.max_passes; pass += 1) {
    const from = tables[current]!;
    const to = tables[1 - current]!;
    await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, to), passSql(ctx, work(ctx, from))));
    const changed = await queryCount(
      ctx,
      `SELECT count(*) AS n FROM ${work(ctx, to)} t JOIN ${work(ctx, from)} f ON f.node = t.node WHERE t.label <> f.label`,
    );
    current = 1 - current;
    ctx.logger.log('debug', 'identity.components.pass', { pass, changed });
    if (changed === 0) {
      if (tables[current] !== 'labels') await copyTable(ctx, tables[current]!, 'labels');
      return pass;
    }
  }
  throw new IdentityError(
    `Identity model ${ctx.config.name}: connected components did not converge within max_passes ` +
      `(${ctx.config.max_passes}) passes. Raise max_passes. A graph that needs many passes usually has a very ` +
      'long chain of links, often through a shared junk identifier.',
  );
}

function passSql(ctx: BuildContext, labels: string): string {
  const { sql } = ctx;
  const edges = work(ctx, 'active_edges');
  const next = sql.least(['c.label', 'g.grandparent', 'COALESCE(m.neighbour, c.label)', 'COALESCE(h.hooked, c.label)']);
  return `WITH grand AS (
  SELECT c.node, p.label AS grandparent FROM ${labels} c JOIN ${labels} p ON p.node = c.label
),
neighbour_min AS (
  SELECT e.from_node AS node, min(g.grandparent) AS neighbour
  FROM ${edges} e JOIN grand g ON g.node = e.to_node
  GROUP BY e.from_node
),
hooks AS (
  SELECT c.label AS node, min(m.neighbour) AS hooked
  FROM ${labels} c JOIN neighbour_min m ON m.node = c.node
  GROUP BY c.label
)
SELECT c.node, ${next} AS label
FROM ${labels} c
JOIN grand g ON g.node = c.node
LEFT JOIN neighbour_min m ON m.node = c.node
LEFT JOIN hooks h ON h.node = c.node`;
}

async function copyTable(ctx: BuildContext, from: WorkTable, to: WorkTable): Promise<void> {
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, to), `SELECT * FROM ${work(ctx, from)}`));
}
