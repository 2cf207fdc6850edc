import { SluiceError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import { identifierKey, removedLinks, shortestPaths, textOrNull } from './explain-paths.js';
import type { ExplainedIdentifier, IdentifierExplanation, ProfileMerge } from './explain-types.js';
import { identityTablesSchema, type IdentityConfig, type IdentityTableNames } from './identity-config.js';
import { normaliseValue } from './normalise-value.js';
import { resolveTypes } from './resolve-types.js';

export type * from './explain-types.js';

/**
 * Explains why an identifier belongs to its profile. Returns the profile, its identifiers, and
 * for each the shortest chain of links (with sources) from the given identifier, found by
 * breadth-first search over the profile's active edges in identity_edges. A blocked value
 * returns the reasons instead. `value` must be normalised (see normaliseIdentifier).
 * The profile's edges are read into memory, and max_profile_size bounds how many identifiers they join.
 */
export async function explainIdentifier(
  warehouse: WarehouseAdapter,
  schema: string,
  type: string,
  value: string,
  options: { tables?: Partial<IdentityTableNames> } = {},
): Promise<IdentifierExplanation> {
  const tables = identityTablesSchema.parse(options.tables ?? {});
  const { dialect } = warehouse;
  const table = (name: keyof IdentityTableNames) => dialect.quoteTable({ schema, name: tables[name] });
  const identifier = { type, value };
  const match = `identifier_type = ${dialect.stringLiteral(type)} AND identifier_value = ${dialect.stringLiteral(value)}`;

  if (!(await warehouse.tableExists({ schema, name: tables.identity_graph }))) {
    throw new SluiceError(
      'not_found',
      `The identity graph ${schema}.${tables.identity_graph} has not been built yet; run \`sluice run\` first, then explain again`,
    );
  }
  const [found] = await warehouse.query(`SELECT profile_id FROM ${table('identity_graph')} WHERE ${match}`);
  if (found === undefined) {
    const blocked = await warehouse.query(
      `SELECT reason, row_count FROM ${table('identity_blocked')} WHERE ${match} ORDER BY reason`,
    );
    if (blocked.length === 0) return { status: 'not_found', identifier };
    const reasons = blocked.map((row) => ({ reason: String(row.reason), rows: Number(row.row_count) }));
    return { status: 'blocked', identifier, reasons };
  }

  const profileId = String(found.profile_id);
  const id = dialect.stringLiteral(profileId);
  const [profile] = await warehouse.query(`SELECT * FROM ${table('profiles')} WHERE profile_id = ${id}`);
  const members = await warehouse.query(
    `SELECT * FROM ${table('identity_graph')} WHERE profile_id = ${id} ORDER BY identifier_type, identifier_value`,
  );
  const edges = await warehouse.query(
    `SELECT * FROM ${table('identity_edges')} WHERE status = 'active' AND profile_id = ${id}`,
  );
  const removedLinkEdges = await warehouse.query(`SELECT * FROM ${table('identity_edges')} WHERE link_id IN (
  SELECT link_id FROM ${table('identity_edges')}
  WHERE status <> 'active' AND (profile_id = ${id} OR link_profile_id = ${id})
)`);
  const merges = await warehouse.query(
    `SELECT * FROM ${table('profile_merges')} ` +
      `WHERE surviving_profile_id = ${id} OR absorbed_profile_id = ${id} ORDER BY merged_at`,
  );

  return {
    status: 'found',
    identifier,
    profile: {
      profileId,
      createdAt: textOrNull(profile?.created_at),
      firstSeen: textOrNull(profile?.first_seen),
      lastSeen: textOrNull(profile?.last_seen),
      identifierCount: Number(profile?.identifier_count ?? members.length),
    },
    identifiers: explainMembers(members, shortestPaths(identifier, edges)),
    removedLinks: removedLinks(removedLinkEdges),
    merges: merges.map(toMerge),
  };
}

function explainMembers(members: Row[], paths: ReturnType<typeof shortestPaths>): ExplainedIdentifier[] {
  return members.map((row) => {
    const type = String(row.identifier_type);
    const value = String(row.identifier_value);
    return {
      type,
      value,
      source: String(row.source),
      firstSeen: textOrNull(row.first_seen),
      lastSeen: textOrNull(row.last_seen),
      rows: Number(row.row_count),
      path: paths.get(identifierKey(type, value)) ?? [],
    };
  });
}

function toMerge(row: Row): ProfileMerge {
  return {
    absorbedProfileId: String(row.absorbed_profile_id),
    survivingProfileId: String(row.surviving_profile_id),
    runId: String(row.run_id),
    mergedAt: String(row.merged_at),
  };
}

/** Names of the identifier types that the inputs and match rules of the config declare, sorted. */
export function identifierTypeNames(config: IdentityConfig): string[] {
  return resolveTypes(config)
    .map((type) => type.name)
    .sort();
}

/**
 * Normalises a value typed by a user the way the build does, so it can be looked up. Returns
 * null for an invalid value, or when `type` is not an identifier type of the config.
 */
export function normaliseIdentifier(config: IdentityConfig, type: string, raw: string, country?: string): string | null {
  const resolved = resolveTypes(config).find((candidate) => candidate.name === type);
  return resolved === undefined ? null : normaliseValue(resolved, raw, country);
}
