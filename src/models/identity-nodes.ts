import type { Project } from '../config/project.js';
import { ModelError } from '../core/errors.js';
import type { CompiledModel } from './compile.js';

/** A node of the identity model before its version is known. */
export type IdentityNode = Omit<CompiledModel, 'version' | 'table'> & { fingerprintOf: unknown };

/**
 * Turns the `identity` section of sluice.yml into model nodes: the identity model itself, named
 * after its identity_graph table and depending on the models its inputs read, and one node per
 * further output table (profiles, profile_merges) depending on it. Returns no nodes when the
 * project declares no identity model.
 */
export function identityNodes(
  project: Project,
  sourceSql: (source: string, table: string) => string | undefined,
  modelTable: (model: string) => string,
): IdentityNode[] {
  const config = project.config.identity;
  if (!config) return [];

  const graph = config.tables.identity_graph;
  const relations: Record<string, string> = {};
  const refs: string[] = [];
  const sources: string[] = [];
  for (const input of config.inputs) {
    if ('model' in input.relation) {
      refs.push(input.relation.model);
      relations[input.name] = modelTable(input.relation.model);
      continue;
    }
    const { source, table } = input.relation;
    const sql = sourceSql(source, table);
    if (sql === undefined) {
      throw new ModelError(graph, `Identity input ${input.name} reads source ${source}.${table}, which is not declared under sources in sluice.yml; declare it there`);
    }
    relations[input.name] = sql;
    sources.push(`${source}.${table}`);
  }

  const outputs = [config.tables.profiles, config.tables.profile_merges];
  for (const name of [graph, ...outputs]) {
    if (project.models.has(name)) {
      throw new ModelError(name, `models/${name}.sql has the name of a table the identity model writes; rename the model or set identity.tables`);
    }
  }

  const base = { file: 'sluice.yml', sql: '', settings: { pii: [], materialized: 'table' as const, tests: [] }, fingerprintOf: config };
  return [
    { ...base, name: graph, kind: 'identity', refs: [...new Set(refs)], sources, identity: { config, relations } },
    ...outputs.map((name): IdentityNode => ({ ...base, name, kind: 'identity_output', refs: [graph], sources: [] })),
  ];
}
