import { earliestFirst, output, outputRef, queryCount, work, workRef, type BuildContext } from './build-context.js';
import { BLOCK_REASONS } from './classify.js';

/** Counts of profile ids kept, created, merged and split against the previous run. */
export interface ProfileIdChanges {
  /** Profiles that kept an id from the previous run. */
  kept: number;
  /** Profiles with a new id. */
  created: number;
  /** Previous ids absorbed into another profile (recorded in profile_merges). */
  merged: number;
  /** Previous profiles whose identifiers now fall into more than one profile. */
  split: number;
}

/**
 * Assigns a profile id to every component, carrying ids over from the previous identity_graph:
 *
 * 1. A previous id goes to the component with most of its identifiers, so the largest part of a
 *    split keeps the id. Ties go to the part with the earliest identifier.
 * 2. A component that receives several previous ids is a merge: the oldest id survives (earliest
 *    `created_at`, then earliest `first_seen`, then the smaller id) and the others are recorded
 *    as absorbed into it.
 * 3. Any other component gets a new id: the MD5 of its earliest identifier (`type:value`), or,
 *    when that id was used before, the MD5 of `type:value|run id`.
 *
 * Rule 3 makes a build from scratch reproducible: unchanged inputs give the same ids. Writes
 * profile_ids (label, profile_id, created_at) and new_merges.
 */
export async function assignProfileIds(ctx: BuildContext): Promise<ProfileIdChanges> {
  await createProfileLabels(ctx);
  const previous = await previousTables(ctx);
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'previous_parts'), previousPartsSql(ctx, previous.graph)));
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'profile_ids'), profileIdsSql(ctx, previous)));
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'new_merges'), newMergesSql(ctx)));
  return countChanges(ctx);
}

/**
 * Identifier nodes with their component, leaving out quarantined identifiers. Only the ids:
 * the steps that need an identifier's text join identifier_nodes.
 */
async function createProfileLabels(ctx: BuildContext): Promise<void> {
  const select = `SELECT l.label, i.node
FROM ${work(ctx, 'labels')} l JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = l.node
WHERE i.node NOT IN (
  SELECT id_node FROM ${work(ctx, 'removed_edges')} WHERE reason = ${ctx.sql.stringLiteral(BLOCK_REASONS.quarantined)}
)`;
  await ctx.warehouse.execute(ctx.sql.createTableAs(workRef(ctx, 'profile_labels'), select));
}

interface PreviousTables {
  graph: string;
  profiles: string;
  merges: string;
}

/** Selects the previous outputs, or empty selects of the same shape on a first run. */
async function previousTables(ctx: BuildContext): Promise<PreviousTables> {
  const { sql, warehouse } = ctx;
  const text = sql.typeName('string');
  const time = sql.typeName('timestamp');
  const empty = (columns: [string, string][]) =>
    `SELECT ${columns.map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`).join(', ')} WHERE 1 = 0`;

  const graph = (await warehouse.tableExists(outputRef(ctx, 'identity_graph')))
    ? `SELECT identifier_type, identifier_value, profile_id FROM ${output(ctx, 'identity_graph')}`
    : empty([['identifier_type', text], ['identifier_value', text], ['profile_id', text]]);
  const profiles = (await warehouse.tableExists(outputRef(ctx, 'profiles')))
    ? `SELECT profile_id, created_at, first_seen FROM ${output(ctx, 'profiles')}`
    : empty([['profile_id', text], ['created_at', time], ['first_seen', time]]);
  const merges = (await warehouse.tableExists(outputRef(ctx, 'profile_merges')))
    ? `SELECT absorbed_profile_id FROM ${output(ctx, 'profile_merges')}`
    : empty([['absorbed_profile_id', text]]);
  return { graph, profiles, merges };
}

/** For each previous id and component: how many of the id's identifiers are in it. */
function previousPartsSql(ctx: BuildContext, previousGraph: string): string {
  return `SELECT g.profile_id AS previous_id, p.label, count(*) AS part_size, min(p.node) AS part_first
FROM ${work(ctx, 'profile_labels')} p
JOIN ${work(ctx, 'identifier_nodes')} i ON i.node = p.node
JOIN (${previousGraph}) g ON g.identifier_type = i.identifier_type AND g.identifier_value = i.identifier_value
GROUP BY g.profile_id, p.label`;
}

/** Selects each previous id with the component that has the largest part of it. */
function winnersSql(ctx: BuildContext): string {
  return `SELECT previous_id, label FROM (
  SELECT previous_id, label, row_number() OVER (PARTITION BY previous_id ORDER BY part_size DESC, part_first) AS position
  FROM ${work(ctx, 'previous_parts')}
) parts WHERE position = 1`;
}

function profileIdsSql(ctx: BuildContext, previous: PreviousTables): string {
  const { sql } = ctx;
  const key = sql.concatText(['e.identifier_type', "':'", 'e.identifier_value']);
  const candidate = sql.md5Hex(key);
  const alternate = sql.md5Hex(sql.concatText([key, sql.stringLiteral(`|${ctx.runId}`)]));
  return `WITH winners AS (${winnersSql(ctx)}),
claims AS (
  SELECT w.label, w.previous_id, pp.created_at,
    row_number() OVER (
      PARTITION BY w.label ORDER BY ${earliestFirst('pp.created_at')}, ${earliestFirst('pp.first_seen')}, w.previous_id
    ) AS age_rank
  FROM winners w LEFT JOIN (${previous.profiles}) pp ON pp.profile_id = w.previous_id
),
used_ids AS (
  SELECT profile_id AS id FROM (${previous.graph}) g
  UNION DISTINCT SELECT absorbed_profile_id AS id FROM (${previous.merges}) m
),
earliest AS (
  SELECT p.label, ${candidate} AS candidate, ${alternate} AS alternate
  FROM ${work(ctx, 'profile_labels')} p JOIN ${work(ctx, 'identifier_nodes')} e ON e.node = p.node
  WHERE p.node = p.label
)
SELECT e.label,
  CASE WHEN c.previous_id IS NOT NULL THEN c.previous_id
    WHEN e.candidate IN (SELECT id FROM used_ids) THEN e.alternate
    ELSE e.candidate END AS profile_id,
  COALESCE(c.created_at, ${sql.timestampLiteral(ctx.startedAt)}) AS created_at,
  c.previous_id IS NOT NULL AS kept
FROM earliest e LEFT JOIN claims c ON c.label = e.label AND c.age_rank = 1`;
}

/** Previous ids that won a component but not its id: absorbed into the surviving id. */
function newMergesSql(ctx: BuildContext): string {
  const { sql } = ctx;
  return `SELECT w.previous_id AS absorbed_profile_id, p.profile_id AS surviving_profile_id,
  ${sql.stringLiteral(ctx.runId)} AS run_id, ${sql.timestampLiteral(ctx.startedAt)} AS merged_at
FROM (${winnersSql(ctx)}) w
JOIN ${work(ctx, 'profile_ids')} p ON p.label = w.label
WHERE p.profile_id <> w.previous_id`;
}

async function countChanges(ctx: BuildContext): Promise<ProfileIdChanges> {
  const ids = work(ctx, 'profile_ids');
  const kept = await queryCount(ctx, `SELECT count(*) AS n FROM ${ids} WHERE kept`);
  const total = await queryCount(ctx, `SELECT count(*) AS n FROM ${ids}`);
  const merged = await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, 'new_merges')}`);
  const split = await queryCount(
    ctx,
    `SELECT count(*) AS n FROM (
  SELECT previous_id FROM ${work(ctx, 'previous_parts')} GROUP BY previous_id HAVING count(*) > 1
) parts`,
  );
  return { kept, created: total - kept, merged, split };
}
