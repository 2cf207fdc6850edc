import { earliestFirst, queryCount, work, workRef, type BuildContext } from './build-context.js';

/**
 * After a split by a type whose maximum is above one, joins parts back along the edges removed
 * with `reason`, strongest edge first (Kruskal's order), whenever the joined part stays within
 * every limit. The removed edges between joined parts are restored. Returns how many were.
 *
 * This runs in Node on the contracted graph only: one integer per part and per pair of parts,
 * never an identifier value. Memory grows with the number of parts in components over the limit.
 */
export async function regroupSplitParts(ctx: BuildContext, reason: string): Promise<number> {
  const limits = new Map<string, number>();
  for (const type of ctx.types) {
    if (type.maxPerProfile !== undefined) limits.set(type.name, type.maxPerProfile);
  }
  const counts = await partCounts(ctx);
  const parent = new Map<number, number>();
  const find = (part: number): number => {
    let root = part;
    while (parent.has(root)) root = parent.get(root)!;
    if (root !== part) parent.set(part, root);
    return root;
  };

  for await (const page of ctx.warehouse.stream(partPairsSql(ctx, reason), ctx.pageSize)) {
    for (const row of page) {
      const a = find(Number(row.part_a));
      const b = find(Number(row.part_b));
      if (a === b || !withinLimits(counts.get(a), counts.get(b), limits)) continue;
      const [root, child] = a < b ? [a, b] : [b, a];
      parent.set(child, root);
      counts.set(root, addCounts(counts.get(root), counts.get(child)));
    }
  }

  const rows = [...parent.keys()].map((part) => ({ part, root: find(part) }));
  const columns = [
    { name: 'part', type: 'integer' as const },
    { name: 'root', type: 'integer' as const },
  ];
  await ctx.warehouse.loadRows(workRef(ctx, 'regroup'), columns, rows);
  return restoreEdgesWithinGroups(ctx, reason);
}

type Counts = Map<string, number>;

/** Identifiers of each limited type per part, keyed by the part's anchor. */
async function partCounts(ctx: BuildContext): Promise<Map<number, Counts>> {
  const rows = await ctx.warehouse.query(`SELECT a.anchor, i.identifier_type, count(*) AS n
FROM ${work(ctx, 'split_assignments')} a
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = a.node
JOIN ${work(ctx, 'types')} t ON t.identifier_type = i.identifier_type
WHERE t.max_per_profile IS NOT NULL
GROUP BY a.anchor, i.identifier_type`);
  const counts = new Map<number, Counts>();
  for (const row of rows) {
    const part = Number(row.anchor);
    const partCounts = counts.get(part) ?? new Map<string, number>();
    partCounts.set(String(row.identifier_type), Number(row.n));
    counts.set(part, partCounts);
  }
  return counts;
}

/** Pairs of parts joined by removed edges, strongest first, in the order the split ranked edges. */
function partPairsSql(ctx: BuildContext, reason: string): string {
  const smaller = 'CASE WHEN a.anchor < b.anchor THEN a.anchor ELSE b.anchor END';
  const larger = 'CASE WHEN a.anchor < b.anchor THEN b.anchor ELSE a.anchor END';
  return `SELECT part_a, part_b FROM (
  SELECT ${smaller} AS part_a, ${larger} AS part_b,
    min(e.source_priority) AS source_priority, min(e.type_priority) AS type_priority, min(e.first_seen) AS first_seen
  FROM ${work(ctx, 'removed_edges')} r
  JOIN ${work(ctx, 'edge_nodes')} e ON e.link_node = r.link_node AND e.id_node = r.id_node
  JOIN ${work(ctx, 'split_assignments')} a ON a.node = r.link_node
  JOIN ${work(ctx, 'split_assignments')} b ON b.node = r.id_node
  WHERE r.reason = ${ctx.sql.stringLiteral(reason)}
  GROUP BY ${smaller}, ${larger}
) pairs
ORDER BY source_priority, type_priority, ${earliestFirst('first_seen')}, part_a, part_b`;
}

function withinLimits(a: Counts | undefined, b: Counts | undefined, limits: Map<string, number>): boolean {
  for (const [type, max] of limits) {
    if ((a?.get(type) ?? 0) + (b?.get(type) ?? 0) > max) return false;
  }
  return true;
}

function addCounts(a: Counts | undefined, b: Counts | undefined): Counts {
  const sum = new Map(a ?? []);
  for (const [type, n] of b ?? []) sum.set(type, (sum.get(type) ?? 0) + n);
  return sum;
}

/** Drops, from the removed edges, those whose two parts were joined again. Returns how many. */
async function restoreEdgesWithinGroups(ctx: BuildContext, reason: string): Promise<number> {
  const removed = work(ctx, 'removed_edges');
  const before = await queryCount(ctx, `SELECT count(*) AS n FROM ${removed}`);

  const kept = `SELECT r.* FROM ${removed} r
LEFT JOIN ${work(ctx, 'split_assignments')} a ON a.node = r.link_node
LEFT JOIN ${work(ctx, 'split_assignments')} b ON b.node = r.id_node
LEFT JOIN ${work(ctx, 'regroup')} ga ON ga.part = a.anchor
LEFT JOIN ${work(ctx, 'regroup')} gb ON gb.part = b.anchor
WHERE r.reason <> ${ctx.sql.stringLiteral(reason)} OR COALESCE(ga.root, a.anchor) <> COALESCE(gb.root, b.anchor)`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'removed_edges_kept'), kept));
  const copyBack = `SELECT * FROM ${work(ctx, 'removed_edges_kept')}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'removed_edges'), copyBack));
  return before - (await queryCount(ctx, `SELECT count(*) AS n FROM ${removed}`));
}
