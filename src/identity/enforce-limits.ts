import { earliestFirst, queryCount, work, workRef, type BuildContext } from './build-context.js';
import { computeComponents, resetLabels } from './connected-components.js';
import { refreshActiveEdges } from './graph-tables.js';
import { IdentityError } from './identity-error.js';
import { regroupSplitParts } from './regroup.js';
import type { ResolvedType } from './resolve-types.js';

/** Counts from enforcing one type's limit. */
export interface LimitEnforcement {
  identifierType: string;
  maxPerProfile: number;
  /** Components that held more identifiers of the type than allowed. */
  components: number;
  /** Edges (link to identifier) removed to split them. */
  cutEdges: number;
  splitPasses: number;
  componentPasses: number;
}

/** Reason stored with the edges a type's limit removed. */
export function limitReason(type: ResolvedType): string {
  return `limit ${type.name}`;
}

/**
 * Splits every component holding more identifiers of a limited type than `max_per_profile`,
 * strongest type first. Each identifier of the type in such a component becomes an anchor, and
 * every other node joins the anchor it is nearest to, counted in links (see
 * assignNearestAnchor). Edges between nodes of different anchors are removed. With a maximum
 * above one, parts are then joined again as far as every limit allows (see regroup.ts).
 * Splitting by a later type never adds identifiers of an earlier one, so one round suffices.
 */
export async function enforceLimits(ctx: BuildContext): Promise<LimitEnforcement[]> {
  const results: LimitEnforcement[] = [];
  for (const type of ctx.types) {
    if (type.maxPerProfile === undefined) continue;
    const components = await findOverLimit(ctx, type, type.maxPerProfile);
    if (components === 0) continue;

    await refreshActiveEdges(ctx);
    const splitPasses = await assignNearestAnchor(ctx, type);
    const cutEdges = await removeEdgesBetweenParts(ctx, type);
    const restored = type.maxPerProfile > 1 ? await regroupSplitParts(ctx, limitReason(type)) : 0;
    await refreshActiveEdges(ctx);
    await resetLabels(ctx, `SELECT label FROM ${work(ctx, 'split_components')}`);
    const componentPasses = await computeComponents(ctx, 'reset');

    const result = {
      identifierType: type.name,
      maxPerProfile: type.maxPerProfile,
      components,
      cutEdges: cutEdges - restored,
      splitPasses,
      componentPasses,
    };
    ctx.logger.log('info', 'identity.limit.enforced', { ...result });
    results.push(result);
  }
  return results;
}

/** Creates split_components with the labels of components over the limit and returns their number. */
async function findOverLimit(ctx: BuildContext, type: ResolvedType, max: number): Promise<number> {
  const select = `SELECT l.label FROM ${work(ctx, 'labels')} l
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = l.node
WHERE i.identifier_type = ${ctx.sql.stringLiteral(type.name)}
GROUP BY l.label HAVING count(*) > ${max}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'split_components'), select));
  return queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, 'split_components')}`);
}

/**
 * Breadth-first search from all anchors at once, one pass per link hop. A node reached in the
 * same pass from several anchors takes the one whose edge is strongest: the more trusted
 * source, then the stronger identifier type, then the earliest seen link, then the earliest
 * anchor. Returns the number of passes. Raises after `max_split_passes` passes.
 */
async function assignNearestAnchor(ctx: BuildContext, type: ResolvedType): Promise<number> {
  const assignments = work(ctx, 'split_assignments');
  const anchors = `SELECT i.node, i.node AS anchor, 0 AS pass FROM ${work(ctx, 'identifier_nodes')} i
JOIN ${work(ctx, 'labels')} l ON l.node = i.node
WHERE i.identifier_type = ${ctx.sql.stringLiteral(type.name)}
  AND l.label IN (SELECT label FROM ${work(ctx, 'split_components')})`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'split_assignments'), anchors));

  const strongestFirst = `e.source_priority, e.type_priority, ${earliestFirst('e.first_seen')}, a.anchor`;
  for (let pass = 1; pass <= ctx.config.max_split_passes; pass += 1) {
    await ctx.warehouse.execute(`INSERT INTO ${assignments} (node, anchor, pass)
SELECT node, anchor, ${pass} FROM (
  SELECT e.to_node AS node, a.anchor, row_number() OVER (PARTITION BY e.to_node ORDER BY ${strongestFirst}) AS position
  FROM ${assignments} a JOIN ${work(ctx, 'active_edges')} e ON e.from_node = a.node
  WHERE a.pass = ${pass - 1} AND NOT EXISTS (SELECT 1 FROM ${assignments} x WHERE x.node = e.to_node)
) reached WHERE position = 1`);
    const added = await queryCount(ctx, `SELECT count(*) AS n FROM ${assignments} WHERE pass = ${pass}`);
    if (added === 0) return pass;
  }
  throw new IdentityError(
    `Identity model ${ctx.config.name}: splitting profiles over the ${type.name} limit did not finish within ` +
      `max_split_passes (${ctx.config.max_split_passes}) passes. Raise max_split_passes.`,
  );
}

/** Records every active edge whose ends joined different anchors as removed; returns how many. */
async function removeEdgesBetweenParts(ctx: BuildContext, type: ResolvedType): Promise<number> {
  const removed = work(ctx, 'removed_edges');
  const assignments = work(ctx, 'split_assignments');
  const reason = ctx.sql.stringLiteral(limitReason(type));
  await ctx.warehouse.execute(`INSERT INTO ${removed} (link_node, id_node, reason)
SELECT e.link_node, e.id_node, ${reason}
FROM ${work(ctx, 'edge_nodes')} e
JOIN ${assignments} a ON a.node = e.link_node
JOIN ${assignments} b ON b.node = e.id_node
WHERE a.anchor <> b.anchor
  AND NOT EXISTS (SELECT 1 FROM ${removed} r WHERE r.link_node = e.link_node AND r.id_node = e.id_node)`);
  return queryCount(ctx, `SELECT count(*) AS n FROM ${removed} WHERE reason = ${reason}`);
}
