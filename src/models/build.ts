import { ModelBuildError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Reporter } from '../core/progress.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import { describeTable, tableRef, type TableRef } from '../warehouse/table-ref.js';
import type { CompiledModel } from './compile.js';
import { runModelTests } from './model-tests.js';
import { buildIdentity } from '../identity/build-identity.js';

export interface ModelBuildResult {
  model: string;
  version: string;
  status: 'success' | 'failed' | 'skipped';
  rowCount: number | null;
  durationMs: number;
  error: ModelBuildError | undefined;
}

/**
 * Builds models inside the warehouse in the given (dependency) order. `CREATE OR REPLACE` swaps
 * the table atomically, so readers see the old table until the new one is complete. A model
 * whose upstream failed is skipped, and the models that do not depend on it still build.
 */
export interface BuildOptions {
  /** Recorded with identity merges. */
  runId?: string;
  /** Schema for scratch tables of the identity model. */
  workSchema?: string;
}

export async function buildModels(
  warehouse: WarehouseAdapter,
  models: CompiledModel[],
  logger: Logger,
  reporter: Reporter,
  options: BuildOptions = {},
): Promise<ModelBuildResult[]> {
  const results = new Map<string, ModelBuildResult>();
  const task = reporter.start('Building models', models.length, 'models');
  const schemas = new Set(models.map((model) => model.table.schema).filter((schema) => schema !== undefined));
  if (options.workSchema && models.some((model) => model.settings.tests.length > 0)) schemas.add(options.workSchema);
  for (const schema of schemas) await warehouse.ensureSchema(schema);

  for (const [index, model] of models.entries()) {
    const failedUpstream = model.refs.find((ref) => results.get(ref)?.status !== 'success');
    const result = failedUpstream
      ? skipped(model, failedUpstream)
      : await buildModel(warehouse, model, logger, { ...options, reporter });
    results.set(model.name, result);
    task.update(index + 1, model.name);
  }
  task.stop();
  return [...results.values()];
}

async function buildModel(
  warehouse: WarehouseAdapter,
  model: CompiledModel,
  logger: Logger,
  options: BuildOptions & { reporter: Reporter },
): Promise<ModelBuildResult> {
  const started = Date.now();
  const { dialect } = warehouse;
  logger.log('info', 'model.build.started', { model: model.name, version: model.version });

  try {
    // A model with tests is built beside its table first, so that a build that fails them
    // leaves the table as it was for every sync and model that reads it.
    const candidate = model.kind === 'sql' && model.settings.tests.length > 0 ? candidateTable(model, options) : undefined;
    const built = candidate ?? model.table;
    await materialize(warehouse, model, built, logger, options);

    const rows = await warehouse.query(`SELECT count(*) AS row_count FROM ${dialect.quoteTable(built)}`);
    const rowCount = Number(rows[0]?.row_count ?? 0);
    await runModelTests(warehouse, model, built, rowCount).catch((error: unknown) => {
      throw keptCandidateError(model, built, error);
    });
    if (candidate) await promoteCandidate(warehouse, model, candidate);

    const durationMs = Date.now() - started;
    logger.log('info', 'model.build.completed', { model: model.name, version: model.version, rowCount, durationMs });
    return { model: model.name, version: model.version, status: 'success', rowCount, durationMs, error: undefined };
  } catch (error) {
    const modelError =
      error instanceof ModelBuildError
        ? error
        : new ModelBuildError(model.name, `Model ${model.name} (${model.file}) failed to build: ${maskQuotedValues(errorMessage(error))}`, { cause: error });
    logger.log('error', 'model.build.failed', { model: model.name, error: modelError.message });
    return { model: model.name, version: model.version, status: 'failed', rowCount: null, durationMs: Date.now() - started, error: modelError };
  }
}

/**
 * Creates the model's table, or its view, as `table`. The identity model runs identity
 * resolution, which replaces all of its output tables in one transaction, so its further output
 * tables have nothing left to build.
 */
async function materialize(
  warehouse: WarehouseAdapter,
  model: CompiledModel,
  table: TableRef,
  logger: Logger,
  options: BuildOptions & { reporter: Reporter },
): Promise<void> {
  if (model.kind === 'identity_output') return;
  if (model.kind === 'identity') {
    const { config, relations } = model.identity!;
    await buildIdentity(warehouse, {
      config,
      relations,
      schema: model.table.schema!,
      workSchema: options.workSchema,
      runId: options.runId,
      logger,
      reporter: options.reporter,
    });
    return;
  }
  await warehouse.execute(createStatement(warehouse, model, table));
}

function createStatement(warehouse: WarehouseAdapter, model: CompiledModel, table: TableRef): string {
  const { dialect } = warehouse;
  if (model.settings.materialized === 'view') return `CREATE OR REPLACE VIEW ${dialect.quoteTable(table)} AS\n${model.sql}`;
  return dialect.createTableAs(table, model.sql);
}

/** Returns the table a model with tests is built into before they pass: in the internal schema, where there is one. */
function candidateTable(model: CompiledModel, options: BuildOptions): TableRef {
  return tableRef(options.workSchema ?? model.table.schema, `candidate__${model.name}`);
}

/**
 * Puts a candidate that passed its tests in place of the model's table. CREATE OR REPLACE swaps
 * the table atomically on every warehouse. A table is copied, which writes its rows a second
 * time, and a view is created again from the model's SQL.
 */
async function promoteCandidate(warehouse: WarehouseAdapter, model: CompiledModel, candidate: TableRef): Promise<void> {
  const { dialect } = warehouse;
  if (model.settings.materialized === 'view') {
    await warehouse.execute(createStatement(warehouse, model, model.table));
    await warehouse.execute(`DROP VIEW IF EXISTS ${dialect.quoteTable(candidate)}`);
    return;
  }
  await warehouse.execute(dialect.createTableAs(model.table, `SELECT * FROM ${dialect.quoteTable(candidate)}`));
  await warehouse.execute(dialect.dropTableIfExists(candidate));
}

/** Says where the failed build was kept, when it was built beside the model's table. */
function keptCandidateError(model: CompiledModel, built: TableRef, error: unknown): unknown {
  if (!(error instanceof ModelBuildError) || built === model.table) return error;
  return new ModelBuildError(
    model.name,
    `${error.message}\n  ${describeTable(model.table)} was left as it was. The failed build is in ${describeTable(built)} for inspection.`,
    { cause: error },
  );
}

function skipped(model: CompiledModel, upstream: string): ModelBuildResult {
  const error = new ModelBuildError(model.name, `Model ${model.name} was not built because upstream model ${upstream} failed`);
  return { model: model.name, version: model.version, status: 'skipped', rowCount: null, durationMs: 0, error };
}

/**
 * Masks single-quoted literals in a warehouse error. Conversion errors quote the offending row
 * value (`Could not convert string 'alice@example.com' to INT32`), which may be personal data.
 */
export function maskQuotedValues(message: string): string {
  return message.replace(/'(?:[^']|'')*'/g, "'[value]'");
}
