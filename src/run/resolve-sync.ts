import type { Project, SyncDefinition } from '../config/project.js';
import { guardsSchema, type GuardsConfig } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import type { DiffSpec } from '../diff/diff-spec.js';
import { syncTables } from '../diff/sync-tables.js';
import { MODEL_ROW } from '../diff/diff-sql.js';
import type { PlanOptions } from '../diff/plan.js';
import type { RunContext, RunOptions } from './run-context.js';
import type { LogicalType } from '../core/values.js';
import type { CompiledModel } from '../models/compile.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';

/**
 * Resolves a sync against its built model: the types of its key and mapped columns, and its
 * mapping version. The version covers everything that changes what the destination keeps per row
 * (model, key, fields, column types, destination and its options), so changing any of them
 * starts a new snapshot and a full sync of this sync alone.
 */
export async function resolveDiffSpec(
  warehouse: WarehouseAdapter,
  project: Project,
  sync: SyncDefinition,
  model: CompiledModel,
  options: { full: boolean },
): Promise<{ spec: DiffSpec; mappingVersion: string }> {
  const columns = await warehouse.describe(`SELECT * FROM ${warehouse.dialect.quoteTable(model.table)}`);
  const types = new Map(columns.map((column) => [column.name, column.type]));
  const available = columns.map((column) => column.name).join(', ');

  const issues = [
    ...sync.primaryKey
      .filter((name) => !types.has(name))
      .map((name) => ({ file: sync.file, path: 'primary_key', message: `column "${name}" is not in model ${model.name}; its columns are ${available}` })),
    ...sync.fields
      .filter((field) => !types.has(field.column))
      .map((field) => ({ file: sync.file, path: `mapping.${field.name}`, message: `column "${field.column}" is not in model ${model.name}; its columns are ${available}` })),
  ];
  if (issues.length > 0) throw new ConfigError(issues);

  const keyColumns = sync.primaryKey.map((name) => ({ name, type: types.get(name)! }));
  const fields = sync.fields.map((field) => ({ ...field, type: types.get(field.column)! }));
  const account = project.config.destinations[sync.config.destination]!;
  const mappingVersion = fingerprint({
    model: model.name,
    keyColumns,
    fields,
    destination: { name: sync.config.destination, type: account.type, options: sync.config.destination_options },
  });

  const internalSchema = internalSchemaOf(project);
  const spec: DiffSpec = {
    sync: sync.name,
    mode: sync.config.mode,
    model: model.table,
    keyColumns,
    fields,
    tables: syncTables(internalSchema, sync.name, mappingVersion),
    skipDuplicateKeys: sync.config.on_duplicate_key === 'skip',
    full: options.full,
    rowFilters: await rowFilters(warehouse, project, sync, types),
  };
  return { spec, mappingVersion };
}

/**
 * Conditions a row must meet to be delivered: consent given, and an address not in the
 * suppression model. They are part of the diff, so a delivered row that loses consent is removed.
 */
async function rowFilters(
  warehouse: WarehouseAdapter,
  project: Project,
  sync: SyncDefinition,
  types: Map<string, LogicalType>,
): Promise<string[]> {
  const { dialect } = warehouse;
  const q = (name: string) => dialect.quoteIdentifier(name);
  const filters: string[] = [];
  const { consent, suppression } = sync.config;

  if (consent) {
    if (!types.has(consent.column)) throw missingColumn(sync, 'consent.column', consent.column, types);
    filters.push(`${MODEL_ROW}.${q(consent.column)} = TRUE`);
  }
  if (suppression) {
    const field = sync.fields.find((candidate) => candidate.name === suppression.field);
    if (!field) {
      throw new ConfigError([{ file: sync.file, path: 'suppression.field', message: `"${suppression.field}" is not a mapped field; use one of ${sync.fields.map((f) => f.name).join(', ')}` }]);
    }
    const table = { schema: project.config.warehouse.schema, name: suppression.model };
    const columns = await warehouse.describe(`SELECT * FROM ${dialect.quoteTable(table)}`);
    if (!columns.some((column) => column.name === suppression.column)) {
      throw missingColumn(sync, 'suppression.column', suppression.column, new Map(columns.map((c) => [c.name, c.type])));
    }
    filters.push(
      `NOT EXISTS (SELECT 1 FROM ${dialect.quoteTable(table)} suppressed ` +
        `WHERE LOWER(TRIM(suppressed.${q(suppression.column)})) = LOWER(TRIM(CAST(${MODEL_ROW}.${q(field.column)} AS ${dialect.typeName('string')}))))`,
    );
  }
  return filters;
}

function missingColumn(sync: SyncDefinition, path: string, column: string, types: Map<string, LogicalType>): ConfigError {
  return new ConfigError([{ file: sync.file, path, message: `column "${column}" not found; the model's columns are ${[...types.keys()].join(', ')}` }]);
}

/** Builds the plan options of a sync, the same for `sluice plan` and a run. */
export function planOptionsFor(
  context: RunContext,
  sync: SyncDefinition,
  model: CompiledModel,
  options: Pick<RunOptions, 'allowRemovals'>,
): PlanOptions {
  return {
    internalSchema: internalSchemaOf(context.project),
    guards: effectiveGuards(context.project, sync),
    allowRemovals: options.allowRemovals,
    pii: model.settings.pii,
    logger: context.logger,
  };
}

export function internalSchemaOf(project: Project): string {
  return project.config.warehouse.internal_schema;
}

/** Merges the sync's guards over the project defaults over the built-in defaults. */
export function effectiveGuards(project: Project, sync: SyncDefinition): GuardsConfig {
  return guardsSchema.parse({ ...project.config.defaults.guards, ...sync.config.guards });
}
