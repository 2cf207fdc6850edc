import type { Row } from '../../src/core/values.js';
import { buildIdentity, type IdentityBuildOptions, type IdentityBuildResult } from '../../src/identity/build-identity.js';
import { parseIdentityConfig, type IdentityConfig } from '../../src/identity/identity-config.js';
import type { SqlDialect } from '../../src/warehouse/dialect.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';

export const SCHEMA = 'analytics';
export const WORK_SCHEMA = 'sluice';

export async function openWarehouse(): Promise<DuckDBAdapter> {
  const warehouse = await DuckDBAdapter.open({ path: ':memory:' });
  await warehouse.ensureSchema('raw');
  return warehouse;
}

/**
 * Creates `raw.NAME` from rows whose values are all text except `seen_at`, which is a timestamp.
 * Every row must have the same keys.
 */
export async function loadTable(warehouse: DuckDBAdapter, name: string, rows: Row[]): Promise<void> {
  const keys = Object.keys(rows[0] ?? {});
  const columns = keys.map((key) => ({ name: key, type: key === 'seen_at' ? ('timestamp' as const) : ('string' as const) }));
  await warehouse.loadRows({ schema: 'raw', name }, columns, rows);
}

/** Validates a config given as a plain object, as if it were read from YAML. */
export function identityConfig(raw: Record<string, unknown>): IdentityConfig {
  return parseIdentityConfig(raw, 'identity.yml');
}

/** Builds with every input reading `raw.<input name>`. */
export async function build(
  warehouse: DuckDBAdapter,
  config: IdentityConfig,
  options: Partial<IdentityBuildOptions> = {},
): Promise<IdentityBuildResult> {
  const relations = Object.fromEntries(
    config.inputs.map((input) => [input.name, warehouse.dialect.quoteTable({ schema: 'raw', name: input.name })]),
  );
  return buildIdentity(warehouse, { config, relations, schema: SCHEMA, workSchema: WORK_SCHEMA, ...options });
}

/** identity_graph as `type:value` to profile id. */
export async function profileOf(warehouse: DuckDBAdapter): Promise<Map<string, string>> {
  const rows = await warehouse.query(`SELECT identifier_type, identifier_value, profile_id FROM ${SCHEMA}.identity_graph`);
  return new Map(rows.map((row) => [`${row.identifier_type}:${row.identifier_value}`, String(row.profile_id)]));
}

/** Profiles as sorted lists of `type:value`, sorted, so tests can compare whole partitions. */
export async function partition(warehouse: DuckDBAdapter): Promise<string[][]> {
  const groups = new Map<string, string[]>();
  for (const [identifier, profile] of await profileOf(warehouse)) {
    groups.set(profile, [...(groups.get(profile) ?? []), identifier]);
  }
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Returns the ISO timestamp `minutes` after a fixed start, for ordering rows. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString();
}

/** Names of the functions a dialect may leave out. */
type OptionalFunction = { [K in keyof SqlDialect]-?: undefined extends SqlDialect[K] ? K : never }[keyof SqlDialect];

/**
 * Returns `dialect` without the given optional functions, as on a warehouse that lacks them. The
 * result inherits from `dialect`, so methods that call each other through `this` keep working
 * whether the dialect is a plain object or a class instance.
 */
export function withoutFunctions(dialect: SqlDialect, names: OptionalFunction[]): SqlDialect {
  const reduced = Object.create(dialect) as SqlDialect;
  for (const name of names) Object.defineProperty(reduced, name, { value: undefined });
  return reduced;
}
