import type { Project } from '../config/project.js';
import type { ModelSettings, SourceTableConfig } from '../config/schema.js';
import { ModelError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import type { WarehouseCapabilities } from '../warehouse/capabilities.js';
import type { SqlDialect } from '../warehouse/dialect.js';
import type { TableRef } from '../warehouse/table-ref.js';
import { orderModels } from './graph.js';
import { renderModel, type RenderedModel } from './render.js';

export interface CompiledModel {
  name: string;
  file: string;
  /** The SELECT with every helper replaced. */
  sql: string;
  refs: string[];
  sources: string[];
  settings: ModelSettings;
  /** Fingerprint of the compiled SQL, the settings and the versions of upstream models. */
  version: string;
  /** Where the model is built. */
  table: TableRef;
}

export interface CompileOptions {
  dialect: SqlDialect;
  capabilities: WarehouseCapabilities;
  /** Schema the models are built in. */
  schema: string;
  /** Variables from sluice.yml, overridden by the ones given for this run. */
  vars: Record<string, string | number | boolean>;
}

/** Compiles every model of the project, in dependency order. */
export function compileProject(project: Project, options: CompileOptions): CompiledModel[] {
  const rendered = new Map<string, RenderedModel>();
  for (const model of project.models.values()) {
    rendered.set(model.name, renderModel(model.name, model.sql, renderContext(project, options)));
  }

  const dependencies = new Map([...rendered].map(([name, model]) => [name, model.refs]));
  for (const [name, refs] of dependencies) {
    for (const ref of refs) {
      if (!project.models.has(ref)) {
        const known = [...project.models.keys()].join(', ');
        throw new ModelError(name, `Model ${name} references {{ref "${ref}"}}, which is not a model; known models: ${known}`);
      }
    }
  }

  const compiled = new Map<string, CompiledModel>();
  for (const name of orderModels(dependencies)) {
    const model = project.models.get(name)!;
    const { sql, refs, sources } = rendered.get(name)!;
    const upstream = refs.map((ref) => [ref, compiled.get(ref)!.version]);
    const version = fingerprint({ sql, settings: model.settings, upstream });
    compiled.set(name, {
      name,
      file: model.file,
      sql,
      refs,
      sources,
      settings: model.settings,
      version,
      table: { schema: options.schema, name },
    });
  }
  return [...compiled.values()];
}

function renderContext(project: Project, options: CompileOptions) {
  const { dialect } = options;
  return {
    refTable: (model: string) => dialect.quoteTable({ schema: options.schema, name: model }),
    sourceTable: (source: string, table: string) => {
      const config = project.config.sources[source]?.tables[table];
      return config === undefined ? undefined : sourceSql(source, table, config, options);
    },
    varLiteral: (name: string) => {
      const value = options.vars[name];
      if (value === undefined) return undefined;
      return typeof value === 'string' ? dialect.stringLiteral(value) : String(value);
    },
  };
}

function sourceSql(source: string, table: string, config: SourceTableConfig, options: CompileOptions): string {
  const { dialect } = options;
  if (config.table !== undefined) {
    return dialect.quoteTable({ schema: config.schema, name: config.table });
  }
  if (!options.capabilities.readsLocalFiles || !dialect.readFile) {
    throw new ModelError(
      `${source}.${table}`,
      `Source ${source}.${table} is a local file, which this warehouse cannot read; load it into a table and set sources.${source}.tables.${table}.table`,
    );
  }
  const path = config.file!;
  const format = config.format ?? (path.includes('.parquet') ? 'parquet' : path.includes('.json') ? 'json' : 'csv');
  return dialect.readFile(path, format);
}
