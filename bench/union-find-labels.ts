import type { Row } from '../src/core/values.js';
import type { IdentityConfig } from '../src/identity/identity-config.js';
import { resolveTypes, type ResolvedType } from '../src/identity/resolve-types.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import type { TableRef } from '../src/warehouse/table-ref.js';
import { IDENTIFIER_COLUMNS, LINKS_TABLE } from './identity-links.js';
import { UnionFind } from './union-find.js';

export const UNION_FIND_TABLE: TableRef = { schema: 'bench', name: 'union_find_labels' };

const LABEL_COLUMNS = [
  { name: 'identifier_type', type: 'string' as const },
  { name: 'identifier_value', type: 'string' as const },
  { name: 'label', type: 'integer' as const },
];

export interface UnionFindResult {
  identifiers: number;
  components: number;
  /** Identifier values dropped by the blocklist, counted per row. */
  blockedValues: number;
}

/**
 * Runs the simplest alternative to the identity engine that a user might write. It streams the
 * links out of the warehouse through the adapter and joins identifiers in an in-memory
 * union-find. Then it writes one row per identifier with its component's label back into
 * UNION_FIND_TABLE through `loadRows`, a page at a time.
 *
 * It applies the same normalisation (trim, and lower case for emails) and the same blocked
 * values, patterns and email pattern as the engine's config, so both find the same partition. It
 * does none of the rest: no identifier limits, maximum profile size, stable ids, traits or
 * record of removed links.
 */
export async function unionFindLabels(
  warehouse: WarehouseAdapter,
  config: IdentityConfig,
  pageSize: number,
): Promise<UnionFindResult> {
  const rules = blockRules(config);
  const sets = new UnionFind();
  const idsByType = IDENTIFIER_COLUMNS.map(() => new Map<string, number>());
  let blockedValues = 0;

  const columns = IDENTIFIER_COLUMNS.map((column) => warehouse.dialect.quoteIdentifier(column)).join(', ');
  const select = `SELECT ${columns} FROM ${warehouse.dialect.quoteTable(LINKS_TABLE)}`;
  for await (const page of warehouse.stream(select, pageSize)) {
    for (const row of page) {
      let previous = -1;
      IDENTIFIER_COLUMNS.forEach((column, slot) => {
        const raw = row[column];
        if (raw === null || raw === undefined) return;
        const value = normalise(column, String(raw));
        if (rules[slot]!(value)) {
          blockedValues += 1;
          return;
        }
        const ids = idsByType[slot]!;
        let id = ids.get(value);
        if (id === undefined) {
          id = sets.add();
          ids.set(value, id);
        }
        if (previous !== -1) sets.union(previous, id);
        previous = id;
      });
    }
  }

  const components = await writeLabels(warehouse, sets, idsByType, pageSize);
  return { identifiers: sets.count, components, blockedValues };
}

/** Writes every identifier with its root as label, a page per `loadRows` call, and returns the number of roots. */
async function writeLabels(
  warehouse: WarehouseAdapter,
  sets: UnionFind,
  idsByType: Map<string, number>[],
  pageSize: number,
): Promise<number> {
  await warehouse.loadRows(UNION_FIND_TABLE, LABEL_COLUMNS, []);
  let page: Row[] = [];
  let roots = 0;
  for (const [slot, ids] of idsByType.entries()) {
    for (const [value, id] of ids) {
      const label = sets.find(id);
      if (label === id) roots += 1;
      page.push({ identifier_type: IDENTIFIER_COLUMNS[slot]!, identifier_value: value, label });
      if (page.length === pageSize) {
        await warehouse.loadRows(UNION_FIND_TABLE, LABEL_COLUMNS, page, { append: true });
        page = [];
      }
    }
  }
  if (page.length > 0) await warehouse.loadRows(UNION_FIND_TABLE, LABEL_COLUMNS, page, { append: true });
  return roots;
}

/** Trims, and lower-cases emails, as a hand-written script would. The generated values are ASCII, so this matches the engine. */
function normalise(column: string, raw: string): string {
  const trimmed = raw.trim();
  return column === 'email' ? trimmed.toLowerCase() : trimmed;
}

/** Per identifier column, a test of whether a normalised value must not link. */
function blockRules(config: IdentityConfig): ((value: string) => boolean)[] {
  const types = resolveTypes(config);
  return IDENTIFIER_COLUMNS.map((column) => {
    const type = types.find((candidate) => candidate.name === column);
    if (type === undefined) throw new Error(`the identity config has no identifier type ${column}`);
    return blockRule(type);
  });
}

function blockRule(type: ResolvedType): (value: string) => boolean {
  const values = new Set(type.blockedValues);
  const patterns = type.blockedPatterns.map((pattern) => new RegExp(pattern));
  const valid = type.validPattern === undefined ? undefined : new RegExp(type.validPattern);
  return (value) =>
    value === '' ||
    values.has(value.toLowerCase()) ||
    patterns.some((pattern) => pattern.test(value)) ||
    (valid !== undefined && !valid.test(value));
}
