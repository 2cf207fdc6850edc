import type { Logger } from '../core/logger.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { SqlDialect } from '../warehouse/dialect.js';
import type { TableRef } from '../warehouse/table-ref.js';
import type { IdentityConfig, IdentityTableNames } from './identity-config.js';
import type { ResolvedType } from './resolve-types.js';

/** Tables of one connected-components run, which the next run creates again. */
export const COMPONENT_TABLES = [
  'component_edges',
  'component_edges_next',
  'component_parents',
  'component_parents_next',
  'component_jumps',
  'component_jumps_next',
  'component_levels',
  'component_roots',
  'component_roots_next',
  'reset_labels',
] as const;

/** Scratch tables of one build, in the work schema, prefixed with the identity model's name. */
export const WORK_TABLES = [
  'types',
  'observations',
  'node_values',
  'node_value_pages',
  'normalised',
  'edges',
  'identifier_nodes',
  'link_nodes',
  'edge_nodes',
  'removed_edges',
  'removed_edges_kept',
  'active_edges',
  'labels',
  ...COMPONENT_TABLES,
  'split_components',
  'split_assignments',
  'regroup',
  'profile_labels',
  'previous_parts',
  'profile_ids',
  'new_merges',
  'staged_graph',
  'staged_edges',
  'staged_profiles',
  'staged_blocked',
] as const;

export type WorkTable = (typeof WORK_TABLES)[number];

/** Everything the build steps share: the warehouse, the resolved config and table naming. */
export interface BuildContext {
  warehouse: WarehouseAdapter;
  sql: SqlDialect;
  config: IdentityConfig;
  /** Resolved identifier types, strongest first. */
  types: ResolvedType[];
  /** SQL table expression of each input, by input name. */
  relations: Record<string, string>;
  outputSchema: string;
  workSchema: string;
  runId: string;
  /** Start of the run as ISO-8601 UTC; new profiles get it as `created_at`. */
  startedAt: string;
  logger: Logger;
  /** Rows per page when values are normalised in Node. */
  pageSize: number;
  /** Whether the build keeps every work table, for debugging, and so drops none early. */
  keepWorkTables: boolean;
}

export function workRef(ctx: BuildContext, table: WorkTable): TableRef {
  return { schema: ctx.workSchema, name: `${ctx.config.name}__${table}` };
}

/** Quoted name of a scratch table. */
export function work(ctx: BuildContext, table: WorkTable): string {
  return ctx.sql.quoteTable(workRef(ctx, table));
}

export function outputRef(ctx: BuildContext, table: keyof IdentityTableNames): TableRef {
  return { schema: ctx.outputSchema, name: ctx.config.tables[table] };
}

/** Quoted name of an output table in the model schema. */
export function output(ctx: BuildContext, table: keyof IdentityTableNames): string {
  return ctx.sql.quoteTable(outputRef(ctx, table));
}

/** Runs a query expected to return one row with a numeric column `n`. */
export async function queryCount(ctx: BuildContext, sql: string): Promise<number> {
  const rows = await ctx.warehouse.query(sql);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Builds an ORDER BY term that puts the earliest timestamps first and NULL last. DuckDB sorts
 * on the plain column faster than on a CASE expression that moves NULL last. Numbering the
 * 1.16M identifiers of the 1M-link benchmark took 0.9 in place of 1.5 CPU seconds (DuckDB
 * 1.5.6, 2 CPUs, measured once under other load).
 */
export function earliestFirst(expr: string): string {
  return `${expr} ASC NULLS LAST`;
}
