import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import type { TableRef } from '../src/warehouse/table-ref.js';
import { UNION_FIND_TABLE } from './union-find-labels.js';

export interface PartitionComparison {
  engineProfiles: number;
  unionFindComponents: number;
  engineIdentifiers: number;
  unionFindIdentifiers: number;
  /**
   * Identifiers missing on one side, or whose profile contains identifiers of several union-find
   * components, or whose union-find component contains identifiers of several profiles. 0 when
   * both partitions are equal.
   */
  differingIdentifiers: number;
}

/**
 * Compares, in SQL, the engine's identity graph (`graphTable`) with the union-find labels and
 * raises when the two partitions of identifiers differ.
 */
export async function comparePartitions(warehouse: WarehouseAdapter, graphTable: TableRef): Promise<PartitionComparison> {
  const { dialect } = warehouse;
  const graph = dialect.quoteTable(graphTable);
  const labels = dialect.quoteTable(UNION_FIND_TABLE);
  const rows = await warehouse.query(`WITH joined AS (
  SELECT g.profile_id, u.label
  FROM ${graph} g
  FULL OUTER JOIN ${labels} u ON u.identifier_type = g.identifier_type AND u.identifier_value = g.identifier_value
),
labels_per_profile AS (
  SELECT profile_id, count(DISTINCT label) AS labels FROM joined WHERE profile_id IS NOT NULL GROUP BY profile_id
),
profiles_per_label AS (
  SELECT label, count(DISTINCT profile_id) AS profiles FROM joined WHERE label IS NOT NULL GROUP BY label
)
SELECT
  (SELECT count(DISTINCT profile_id) FROM ${graph}) AS engine_profiles,
  (SELECT count(DISTINCT label) FROM ${labels}) AS union_find_components,
  (SELECT count(*) FROM ${graph}) AS engine_identifiers,
  (SELECT count(*) FROM ${labels}) AS union_find_identifiers,
  (SELECT count(*) FROM joined j
    LEFT JOIN labels_per_profile lp ON lp.profile_id = j.profile_id
    LEFT JOIN profiles_per_label pl ON pl.label = j.label
    WHERE j.profile_id IS NULL OR j.label IS NULL OR lp.labels > 1 OR pl.profiles > 1) AS differing_identifiers`);
  const row = rows[0]!;
  const comparison: PartitionComparison = {
    engineProfiles: Number(row.engine_profiles),
    unionFindComponents: Number(row.union_find_components),
    engineIdentifiers: Number(row.engine_identifiers),
    unionFindIdentifiers: Number(row.union_find_identifiers),
    differingIdentifiers: Number(row.differing_identifiers),
  };
  const equal =
    comparison.differingIdentifiers === 0 &&
    comparison.engineProfiles === comparison.unionFindComponents &&
    comparison.engineIdentifiers === comparison.unionFindIdentifiers;
  if (!equal) {
    throw new Error(`the identity engine and union-find found different partitions: ${JSON.stringify(comparison)}`);
  }
  return comparison;
}
