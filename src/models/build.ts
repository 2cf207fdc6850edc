import { ModelError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Reporter } from '../core/progress.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { CompiledModel } from './compile.js';
import { runModelTests } from './model-tests.js';
import { buildIdentity } from '../identity/build-identity.js';

export interface ModelBuildResult {
  model: string;
  version: string;
  status: 'success' | 'failed' | 'skipped';
  rowCount: number | null;
  durationMs: number;
  error: ModelError | undefined;
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
    await materialize(warehouse, model, logger, options);

    const rows = await warehouse.query(`SELECT count(*) AS row_count FROM ${dialect.quoteTable(model.table)}`);
    const rowCount = Number(rows[0]?.row_count ?? 0);
    await runModelTests(warehouse, model, rowCount);

    const durationMs = Date.now() - started;
    logger.log('info', 'model.build.completed', { model: model.name, version: model.version, rowCount, durationMs });
    return { model: model.name, version: model.version, status: 'success', rowCount, durationMs, error: undefined };
  } catch (error) {
    const modelError =
      error instanceof ModelError
        ? error
        : new ModelError(model.name, `Model ${model.name} (${model.file}) failed to build: ${maskQuotedValues(errorMessage(error))}`, { cause: error });
    logger.log('error', 'model.build.failed', { model: model.name, error: modelError.message });
    return { model: model.name, version: model.version, status: 'failed', rowCount: null, durationMs: Date.now() - started, error: modelError };
  }
}

/**
 * Creates the model's table. SQL models use CREATE OR REPLACE; the identity model runs identity
 * resolution, which replaces all of its output tables in one transaction, so its further
 * output tables have nothing left to build.
 */
async function materialize(
  warehouse: WarehouseAdapter,
  model: CompiledModel,
  logger: Logger,
  options: BuildOptions & { reporter: Reporter },
): Promise<void> {
  const { dialect } = warehouse;
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
  const statement =
    model.settings.materialized === 'view'
      ? `CREATE OR REPLACE VIEW ${dialect.quoteTable(model.table)} AS\n${model.sql}`
      : dialect.createTableAs(model.table, model.sql);
  await warehouse.execute(statement);
}

function skipped(model: CompiledModel, upstream: string): ModelBuildResult {
  const error = new ModelError(model.name, `Model ${model.name} was not built because upstream model ${upstream} failed`);
  return { model: model.name, version: model.version, status: 'skipped', rowCount: null, durationMs: 0, error };
}

/**
 * Masks single-quoted literals in a warehouse error. Conversion errors quote the offending row
 * value (`Could not convert string 'alice@example.com' to INT32`), which may be personal data.
 */
export function maskQuotedValues(message: string): string {
  return message.replace(/'(?:[^']|'')*'/g, "'[value]'");
}
