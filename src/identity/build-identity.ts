import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { silentReporter, type Reporter } from '../core/progress.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { SqlDialect } from '../warehouse/dialect.js';
import { COMPONENT_TABLES, WORK_TABLES, output, queryCount, work, workRef, type BuildContext, type WorkTable } from './build-context.js';
import { createBlockedReport, createNormalised } from './classify.js';
import { computeComponents, initialiseLabels } from './connected-components.js';
import { enforceLimits, type LimitEnforcement } from './enforce-limits.js';
import { createGraphTables } from './graph-tables.js';
import type { IdentityConfig } from './identity-config.js';
import { IdentityError } from './identity-error.js';
import { loadNodeValues } from './node-values.js';
import { normalisedInNode } from './normalise-value.js';
import { createObservations } from './observations.js';
import { enforceMaxProfileSize, type QuarantinedIdentifier } from './profile-size.js';
import { publishOutputs } from './publish-outputs.js';
import { resolveTypes } from './resolve-types.js';
import { stageQuarantined } from './stage-outputs.js';
import { assignProfileIds, type ProfileIdChanges } from './stable-ids.js';

export interface IdentityBuildOptions {
  config: IdentityConfig;
  /** SQL table expression for each input, by input name (a quoted model table or a source read). */
  relations: Record<string, string>;
  /** Schema the output tables are written to: the model schema. */
  schema: string;
  /**
   * Schema for the work tables when the warehouse has no scratch schema (see
   * WarehouseAdapter.scratchSchema) or `keepWorkTables` is set; defaults to `schema`.
   */
  workSchema?: string;
  /** Recorded with merges; a new UUID by default. */
  runId?: string;
  startedAt?: Date;
  logger?: Logger;
  reporter?: Reporter;
  /** Overrides the warehouse's dialect, so tests can run without optional functions such as NFC. */
  dialect?: SqlDialect;
  /** Rows per page when values are normalised in Node. */
  pageSize?: number;
  /** Leaves the work tables in the work schema after the build, for debugging. */
  keepWorkTables?: boolean;
}

/** Blocked values with the rows that carried them, most rows first. */
export interface BlockedValueCount {
  identifierType: string;
  identifierValue: string;
  reason: string;
  rows: number;
}

export interface IdentityBuildResult {
  runId: string;
  profiles: number;
  identifiers: number;
  links: number;
  /** Passes of the first connected-components run, including the last pass that changed nothing. */
  componentPasses: number;
  limits: LimitEnforcement[];
  quarantined: QuarantinedIdentifier[];
  /** The most frequent blocked values (at most 100); the identity_blocked table has all of them. */
  blocked: BlockedValueCount[];
  blockedRows: number;
  idChanges: ProfileIdChanges;
  /** Distinct raw values normalised in Node (phones, and NFC where SQL has no function for it). */
  nodeNormalisedValues: number;
  durationMs: number;
}

const BLOCKED_SHOWN = 100;
const DEFAULT_PAGE_SIZE = 10_000;

/**
 * Builds the identity graph inside the warehouse and returns counts of what it did.
 *
 * The steps: extract identifiers from the inputs, normalise and block them, compute connected
 * components, enforce per-type limits and the maximum profile size, and assign stable profile
 * ids and traits. The last step replaces identity_graph, identity_edges, profiles and
 * identity_blocked and appends to profile_merges in one transaction. Raises IdentityError when
 * a guard trips, and the previous outputs then stay as they were.
 */
export async function buildIdentity(warehouse: WarehouseAdapter, options: IdentityBuildOptions): Promise<IdentityBuildResult> {
  const started = options.startedAt ?? new Date();
  const ctx = createContext(warehouse, options, started, await prepareWorkSchema(warehouse, options));
  const task = (options.reporter ?? silentReporter).start('Resolving identities', STEPS.length, 'steps');
  ctx.logger.log('info', 'identity.build.started', { model: ctx.config.name, runId: ctx.runId });

  await warehouse.ensureSchema(ctx.outputSchema);
  try {
    const progress = (step: Step) => task.update(STEPS.indexOf(step) + 1, step);
    const result = await runSteps(ctx, progress);
    const completed = { ...result, durationMs: Date.now() - started.getTime() };
    ctx.logger.log('info', 'identity.build.completed', summaryFields(completed));
    return completed;
  } catch (error) {
    // An IdentityError message can name an identifier (personal data), so only its code is logged.
    const logged = error instanceof IdentityError ? error.code : errorMessage(error);
    ctx.logger.log('error', 'identity.build.failed', { model: ctx.config.name, runId: ctx.runId, error: logged });
    throw error;
  } finally {
    task.stop();
    if (!options.keepWorkTables) await dropWorkTables(ctx, WORK_TABLES);
  }
}

const STEPS = ['extract', 'normalise', 'graph', 'components', 'limits', 'profile size', 'profile ids', 'outputs'] as const;
type Step = (typeof STEPS)[number];

async function runSteps(ctx: BuildContext, progress: (step: Step) => void): Promise<Omit<IdentityBuildResult, 'durationMs'>> {
  // The observations get a table only when Node normalises some values, because only then do
  // two statements read them.
  const nodeTypes = ctx.types.filter((type) => normalisedInNode(type, ctx.sql));
  if (nodeTypes.length > 0) await createObservations(ctx);
  progress('extract');

  const nodeNormalisedValues = await loadNodeValues(ctx, nodeTypes);
  await createNormalised(ctx, nodeTypes.length > 0 ? 'table' : 'inline');
  await createBlockedReport(ctx);
  progress('normalise');

  await createGraphTables(ctx);
  await releaseWorkTables(ctx, ['observations', 'node_values', 'node_value_pages', 'normalised', 'edges']);
  progress('graph');

  await initialiseLabels(ctx);
  const componentPasses = await computeComponents(ctx, 'all');
  await releaseWorkTables(ctx, COMPONENT_TABLES);
  ctx.logger.log('info', 'identity.components.converged', { passes: componentPasses });
  progress('components');

  const limits = await enforceLimits(ctx);
  progress('limits');
  const quarantined = await enforceMaxProfileSize(ctx);
  progress('profile size');
  const idChanges = await assignProfileIds(ctx);
  progress('profile ids');

  await stageQuarantined(ctx);
  await publishOutputs(ctx);
  progress('outputs');

  return {
    runId: ctx.runId,
    profiles: await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, 'profile_ids')}`),
    identifiers: await queryCount(ctx, `SELECT count(*) AS n FROM ${output(ctx, 'identity_graph')}`),
    links: await queryCount(ctx, `SELECT count(*) AS n FROM ${work(ctx, 'link_nodes')}`),
    componentPasses,
    limits,
    quarantined,
    ...(await blockedCounts(ctx)),
    idChanges,
    nodeNormalisedValues,
  };
}

/**
 * Returns the schema for the work tables, which exists on return. It is the warehouse's scratch
 * schema where the warehouse has one, because no work table is read after the build. A caller
 * that keeps the work tables gets the work schema instead.
 */
async function prepareWorkSchema(warehouse: WarehouseAdapter, options: IdentityBuildOptions): Promise<string> {
  if (warehouse.scratchSchema !== undefined && !options.keepWorkTables) return warehouse.scratchSchema();
  const schema = options.workSchema ?? options.schema;
  await warehouse.ensureSchema(schema);
  return schema;
}

function createContext(warehouse: WarehouseAdapter, options: IdentityBuildOptions, started: Date, workSchema: string): BuildContext {
  return {
    warehouse,
    sql: options.dialect ?? warehouse.dialect,
    config: options.config,
    types: resolveTypes(options.config),
    relations: options.relations,
    outputSchema: options.schema,
    workSchema,
    runId: options.runId ?? randomUUID(),
    startedAt: started.toISOString(),
    logger: options.logger ?? silentLogger,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    keepWorkTables: options.keepWorkTables ?? false,
  };
}

async function blockedCounts(ctx: BuildContext): Promise<{ blocked: BlockedValueCount[]; blockedRows: number }> {
  const table = work(ctx, 'staged_blocked');
  const rows = await ctx.warehouse.query(
    `SELECT identifier_type, identifier_value, reason, row_count FROM ${table} ` +
      `ORDER BY row_count DESC, identifier_type, identifier_value LIMIT ${BLOCKED_SHOWN}`,
  );
  const blocked = rows.map((row) => ({
    identifierType: String(row.identifier_type),
    identifierValue: String(row.identifier_value),
    reason: String(row.reason),
    rows: Number(row.row_count),
  }));
  const blockedRows = await queryCount(ctx, `SELECT COALESCE(sum(row_count), 0) AS n FROM ${table}`);
  return { blocked, blockedRows };
}

/** Counts only: log fields never carry identifier values. */
function summaryFields(result: IdentityBuildResult): Record<string, unknown> {
  return {
    runId: result.runId,
    profiles: result.profiles,
    identifiers: result.identifiers,
    componentPasses: result.componentPasses,
    blockedRows: result.blockedRows,
    quarantined: result.quarantined.length,
    ...result.idChanges,
    durationMs: result.durationMs,
  };
}

/**
 * Drops work tables that no later step reads, unless the caller keeps them. On DuckDB they are
 * held in memory (see prepareWorkSchema), so this lowers the build's peak memory.
 */
async function releaseWorkTables(ctx: BuildContext, tables: readonly WorkTable[]): Promise<void> {
  if (!ctx.keepWorkTables) await dropWorkTables(ctx, tables);
}

async function dropWorkTables(ctx: BuildContext, tables: readonly WorkTable[]): Promise<void> {
  for (const table of tables) {
    await ctx.warehouse.execute(ctx.sql.dropTableIfExists(workRef(ctx, table)));
  }
}
