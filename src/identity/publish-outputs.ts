import { output, outputRef, work, type BuildContext, type WorkTable } from './build-context.js';
import type { IdentityTableNames } from './identity-config.js';
import { edgesSql, graphSql, profilesSql, stageOutputs } from './stage-outputs.js';

/** Output tables that are replaced by a staged copy on every build, where DDL is not transactional. */
const COPIES: [keyof IdentityTableNames, WorkTable][] = [
  ['identity_graph', 'staged_graph'],
  ['identity_edges', 'staged_edges'],
  ['profiles', 'staged_profiles'],
  ['identity_blocked', 'staged_blocked'],
];

/**
 * Replaces the output tables and appends this run's merges in one transaction, so readers see
 * either the previous graph or the new one, never a mix. Where DDL is transactional, the large
 * outputs are built from the work tables inside the transaction, because staging them first
 * and copying would write every row twice. Profiles are built after identity_edges, because
 * traits read it.
 * NOTE: that transaction lasts as long as building the outputs, which on a warehouse with table
 * locks would block writers (not readers) for that time.
 */
export async function publishOutputs(ctx: BuildContext): Promise<void> {
  if (ctx.warehouse.capabilities.supportsTransactionalDdl) {
    const create = (table: keyof IdentityTableNames, select: string) => ctx.sql.createTableAs(outputRef(ctx, table), select);
    await ctx.warehouse.atomically([
      create('identity_graph', graphSql(ctx)),
      create('identity_edges', edgesSql(ctx)),
      create('profiles', profilesSql(ctx, output(ctx, 'identity_edges'))),
      create('identity_blocked', `SELECT * FROM ${work(ctx, 'staged_blocked')}`),
      createMergesSql(ctx),
      appendMergesSql(ctx),
    ]);
    return;
  }

  await stageOutputs(ctx);
  // DDL would commit the transaction early, so the tables are created first and the
  // transaction only deletes and inserts rows.
  for (const [table, staged] of COPIES) await ensureOutputShape(ctx, table, staged);
  await ctx.warehouse.execute(createMergesSql(ctx));
  await ctx.warehouse.atomically([
    ...COPIES.flatMap(([table, staged]) => [
      `DELETE FROM ${output(ctx, table)}`,
      `INSERT INTO ${output(ctx, table)} SELECT * FROM ${work(ctx, staged)}`,
    ]),
    appendMergesSql(ctx),
  ]);
}

/**
 * Creates an output table as a copy of its staged table when it is missing or its columns
 * differ, as after an upgrade that adds a column or a change of traits.
 * NOTE: that replacement is not part of the transaction, so readers can see the new table
 * before the other outputs change.
 */
async function ensureOutputShape(ctx: BuildContext, table: keyof IdentityTableNames, staged: WorkTable): Promise<void> {
  const { warehouse, sql } = ctx;
  const ref = outputRef(ctx, table);
  if (await warehouse.tableExists(ref)) {
    const current = await warehouse.describe(`SELECT * FROM ${output(ctx, table)}`);
    const next = await warehouse.describe(`SELECT * FROM ${work(ctx, staged)}`);
    const shape = (columns: typeof current) => JSON.stringify(columns.map((column) => [column.name, column.nativeType]));
    if (shape(current) === shape(next)) return;
  }
  await warehouse.execute(sql.createTableAs(ref, `SELECT * FROM ${work(ctx, staged)}`));
}

function createMergesSql(ctx: BuildContext): string {
  const { sql } = ctx;
  return sql.createTableIfNotExists(outputRef(ctx, 'profile_merges'), [
    { name: 'absorbed_profile_id', type: sql.typeName('string') },
    { name: 'surviving_profile_id', type: sql.typeName('string') },
    { name: 'run_id', type: sql.typeName('string') },
    { name: 'merged_at', type: sql.typeName('timestamp') },
  ]);
}

function appendMergesSql(ctx: BuildContext): string {
  return `INSERT INTO ${output(ctx, 'profile_merges')} (absorbed_profile_id, surviving_profile_id, run_id, merged_at)
SELECT absorbed_profile_id, surviving_profile_id, run_id, merged_at FROM ${work(ctx, 'new_merges')}`;
}
