import type { Row } from '../core/values.js';
import { work, workRef, type BuildContext } from './build-context.js';
import { BLOCK_REASONS } from './classify.js';
import { computeComponents, resetLabels } from './connected-components.js';
import { refreshActiveEdges } from './graph-tables.js';
import { IdentityError } from './identity-error.js';

/** An identifier taken out of the graph because it joined a profile over the maximum size. */
export interface QuarantinedIdentifier {
  identifierType: string;
  identifierValue: string;
  /** Links (distinct rows by identifier set) that carried it. */
  links: number;
  /** Identifiers in the profile it was holding together. */
  profileSize: number;
}

/**
 * Checks that no profile has more identifiers than `max_profile_size.identifiers`. In each
 * oversized profile the identifier with the most links is the likely cause (a shared or
 * placeholder value), and the error names it. With `on_exceed: quarantine` that identifier's
 * edges are removed instead and the check repeats, at most `max_passes` times.
 */
export async function enforceMaxProfileSize(ctx: BuildContext): Promise<QuarantinedIdentifier[]> {
  const { identifiers: max, on_exceed: onExceed } = ctx.config.max_profile_size;
  const quarantined: QuarantinedIdentifier[] = [];

  for (let round = 1; round <= ctx.config.max_passes; round += 1) {
    const hubs = await findHubs(ctx, max);
    if (hubs.length === 0) return quarantined;
    if (onExceed === 'fail') throw oversizedError(ctx, hubs[0]!, max);

    await quarantine(ctx);
    quarantined.push(...hubs.map(toQuarantined));
    ctx.logger.log('warn', 'identity.quarantined', { identifiers: hubs.length, maxProfileSize: max });
    await refreshActiveEdges(ctx);
    await resetLabels(ctx, `SELECT label FROM ${work(ctx, 'split_components')}`);
    await computeComponents(ctx, 'reset');
  }
  throw new IdentityError(
    `Identity model ${ctx.config.name}: profiles were still over max_profile_size.identifiers (${max}) after ` +
      `${ctx.config.max_passes} rounds of quarantine. Block the shared identifiers under types.TYPE.blocked_values.`,
  );
}

/**
 * Finds the oversized components (into split_components) and, for each, the identifier node with
 * the most active links, largest component first.
 */
async function findHubs(ctx: BuildContext, max: number): Promise<Row[]> {
  const oversized = `SELECT l.label, count(*) AS profile_size
FROM ${work(ctx, 'labels')} l JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = l.node
GROUP BY l.label HAVING count(*) > ${max}`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'split_components'), oversized));
  return ctx.warehouse.query(`SELECT * FROM (${hubsSql(ctx)}) hubs ORDER BY profile_size DESC, node`);
}

/** Selects the identifier node with the most active links in each component of split_components. */
function hubsSql(ctx: BuildContext): string {
  const degrees = `SELECT e.id_node AS node, count(*) AS links
    FROM ${work(ctx, 'edge_nodes')} e
    JOIN ${work(ctx, 'labels')} l ON l.node = e.id_node
    WHERE l.label IN (SELECT label FROM ${work(ctx, 'split_components')})
      AND NOT EXISTS (SELECT 1 FROM ${work(ctx, 'removed_edges')} r WHERE r.link_node = e.link_node AND r.id_node = e.id_node)
    GROUP BY e.id_node`;
  return `SELECT label, profile_size, node, identifier_type, identifier_value, links FROM (
  SELECT o.label, o.profile_size, i.node, i.identifier_type, i.identifier_value, d.links,
    row_number() OVER (PARTITION BY o.label ORDER BY d.links DESC, i.node) AS position
  FROM ${work(ctx, 'split_components')} o
  JOIN ${work(ctx, 'labels')} l ON l.label = o.label
  JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = l.node
  JOIN (${degrees}) d ON d.node = i.node
) ranked WHERE position = 1`;
}

/** Removes every active edge of the hubs in split_components. */
async function quarantine(ctx: BuildContext): Promise<void> {
  const removed = work(ctx, 'removed_edges');
  await ctx.warehouse.execute(`INSERT INTO ${removed} (link_node, id_node, reason)
SELECT e.link_node, e.id_node, ${ctx.sql.stringLiteral(BLOCK_REASONS.quarantined)}
FROM ${work(ctx, 'edge_nodes')} e
WHERE e.id_node IN (SELECT node FROM (${hubsSql(ctx)}) hubs)
  AND NOT EXISTS (SELECT 1 FROM ${removed} r WHERE r.link_node = e.link_node AND r.id_node = e.id_node)`);
}

function toQuarantined(hub: Row): QuarantinedIdentifier {
  return {
    identifierType: String(hub.identifier_type),
    identifierValue: String(hub.identifier_value),
    links: Number(hub.links),
    profileSize: Number(hub.profile_size),
  };
}

function oversizedError(ctx: BuildContext, hub: Row, max: number): IdentityError {
  const { identifierType, identifierValue, links, profileSize } = toQuarantined(hub);
  return new IdentityError(
    `Identity model ${ctx.config.name}: a profile would hold ${profileSize} identifiers, more than ` +
      `max_profile_size.identifiers (${max}). The identifier ${identifierType} ${JSON.stringify(identifierValue)} ` +
      `appears in ${links} links (rows with distinct sets of identifiers), more than any other identifier in that ` +
      'profile, so it is probably a shared or placeholder value. ' +
      `Add it to types.${identifierType}.blocked_values (or a blocked pattern), set ` +
      'max_profile_size.on_exceed to quarantine, or raise max_profile_size.identifiers.',
  );
}
