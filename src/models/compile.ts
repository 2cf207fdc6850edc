import type { Project } from '../config/project.js';
import type { ModelSettings, SourceTableConfig } from '../config/schema.js';
import { ModelError, SluiceError } from '../core/errors.js';
import { fingerprint } from '../core/fingerprint.js';
import type { WarehouseCapabilities } from '../warehouse/capabilities.js';
import type { SqlDialect } from '../warehouse/dialect.js';
import type { TableRef } from '../warehouse/table-ref.js';
import { orderModels } from './graph.js';
import { renderModel, type RenderedModel } from './render.js';
import { identityNodes } from './identity-nodes.js';
import type { IdentityConfig } from '../identity/identity-config.js';

/**
 * `sql`: a SELECT built with CREATE TABLE AS. `identity`: the built-in identity graph model,
 * built by identity resolution. `identity_output`: a further table that the identity model
 * writes (profiles, profile_merges), which other models can reference.
 */
export type ModelKind = 'sql' | 'identity' | 'identity_output';

export interface CompiledModel {
  name: string;
  kind: ModelKind;
  file: string;
  /** The SELECT with every helper replaced. */
  sql: string;
  refs: string[];
  sources: string[];
  settings: ModelSettings;
  /** Fingerprint of the compiled SQL, the settings and the versions of upstream models. */
  version: string;
  /** Table the model is built in. */
  table: TableRef;
  /** For the identity model: its config and the SQL table expression of each input. */
  identity?: { config: IdentityConfig; relations: Record<string, string> };
}

export interface CompileOptions {
  dialect: SqlDialect;
  capabilities: WarehouseCapabilities;
  /** Schema the models are built in. */
  schema: string;
  /** Variables declared under `vars` in sluice.yml. */
  vars: Record<string, string | number | boolean>;
  /** Values given for this run with `--var`, which win over `vars`. */
  overrides?: Record<string, string>;
}

/**
 * Compiles every model of the project, in dependency order. An override that `vars` does not
 * declare and no model uses raises `usage_invalid`, because it would change nothing.
 */
export function compileProject(project: Project, options: CompileOptions): CompiledModel[] {
  const vars = { ...options.vars, ...options.overrides };
  const rendered = new Map<string, RenderedModel>();
  for (const model of project.models.values()) {
    rendered.set(model.name, renderModel(model.name, model.sql, renderContext(project, { ...options, vars })));
  }
  checkOverrides(options, [...rendered.values()]);

  const identity = identityNodes(
    project,
    (source, table) => sourceSqlOf(project, options, source, table),
    (model) => options.dialect.quoteTable({ schema: options.schema, name: model }),
  );
  const dependencies = new Map([...rendered].map(([name, model]) => [name, model.refs]));
  for (const node of identity) dependencies.set(node.name, node.refs);
  for (const [name, refs] of dependencies) {
    for (const ref of refs) {
      if (!dependencies.has(ref)) {
        const known = [...dependencies.keys()].join(', ');
        throw new ModelError(name, `Model ${name} references {{ref "${ref}"}}, which is not a model; known models: ${known}`);
      }
    }
  }

  const compiled = new Map<string, CompiledModel>();
  for (const name of orderModels(dependencies)) {
    const node = identity.find((candidate) => candidate.name === name);
    if (node) {
      const upstream = node.refs.map((ref) => [ref, compiled.get(ref)!.version]);
      const version = fingerprint({ identity: node.fingerprintOf, upstream });
      compiled.set(name, { ...node, version, table: { schema: options.schema, name } });
      continue;
    }
    const model = project.models.get(name)!;
    const { sql, refs, sources } = rendered.get(name)!;
    const upstream = refs.map((ref) => [ref, compiled.get(ref)!.version]);
    const version = fingerprint({ sql, settings: model.settings, upstream });
    compiled.set(name, {
      name,
      kind: 'sql',
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

function checkOverrides(options: CompileOptions, rendered: RenderedModel[]): void {
  const known = new Set([...Object.keys(options.vars), ...rendered.flatMap((model) => model.vars)]);
  const unknown = Object.keys(options.overrides ?? {}).filter((name) => !known.has(name));
  if (unknown.length === 0) return;

  const listed = [...known].sort().join(', ') || 'none';
  const them = unknown.length === 1 ? 'it' : 'them';
  throw new SluiceError(
    'usage_invalid',
    `Unknown --var ${unknown.join(', ')}: no model uses ${them} and sluice.yml does not declare ${them} under vars; ` +
      `known variables: ${listed}; check the spelling or declare ${them} under vars`,
  );
}

function renderContext(project: Project, options: CompileOptions) {
  const { dialect } = options;
  return {
    dialect,
    refTable: (model: string) => dialect.quoteTable({ schema: options.schema, name: model }),
    sourceTable: (source: string, table: string) => sourceSqlOf(project, options, source, table),
    varLiteral: (name: string) => {
      const value = options.vars[name];
      if (value === undefined) return undefined;
      return typeof value === 'string' ? dialect.stringLiteral(value) : String(value);
    },
  };
}

function sourceSqlOf(project: Project, options: CompileOptions, source: string, table: string): string | undefined {
  const config = project.config.sources[source]?.tables[table];
  return config === undefined ? undefined : sourceSql(source, table, config, options);
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
