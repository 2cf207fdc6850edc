import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import { checkNodeIdsFitRanks } from '../../src/identity/connected-components.js';
import { IdentityError } from '../../src/identity/identity-error.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { at, build, identityConfig, loadTable, openWarehouse, partition } from './identity-fixture.js';

/** Deterministic pseudo-random integers (a linear congruential generator), so failures reproduce. */
function randomInts(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
}

/** Rows that each link two device ids, read from columns `left` and `right`. */
function pairConfig(maxPasses?: number) {
  return identityConfig({
    inputs: [{ name: 'pairs', relation: { model: 'pairs' }, timestamp: 'seen_at', identifiers: { device_id: ['left', 'right'] } }],
    max_profile_size: { identifiers: 100_000 },
    ...(maxPasses === undefined ? {} : { max_passes: maxPasses }),
  });
}

/** Components by union-find in memory, as sorted lists of `device_id:value`. */
function expectedPartition(rows: Row[]): string[][] {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    while (parent.get(node) !== node) node = parent.get(node)!;
    return node;
  };
  for (const row of rows) {
    for (const node of [String(row.left), String(row.right)]) if (!parent.has(node)) parent.set(node, node);
    parent.set(find(String(row.left)), find(String(row.right)));
  }
  const groups = new Map<string, string[]>();
  for (const node of parent.keys()) groups.set(find(node), [...(groups.get(find(node)) ?? []), `device_id:${node}`]);
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

describe('connected components', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
  });
  afterEach(async () => warehouse.close());

  it('converge on a 10,000-link chain in few passes', async () => {
    const random = randomInts(7);
    const rows: Row[] = [];
    // Random timestamps give the nodes random ids along the chain, which plain label
    // propagation would need about 20,000 passes for (one per hop of the bipartite path).
    for (let index = 0; index < 10_000; index += 1) {
      rows.push({ left: `d-${index}`, right: `d-${index + 1}`, seen_at: at(random() % 1_000_000) });
    }
    await loadTable(warehouse, 'pairs', rows);
    const result = await build(warehouse, pairConfig());

    expect(result.profiles).toBe(1);
    expect(result.identifiers).toBe(10_001);
    expect(result.componentPasses).toBeLessThan(30);
  });

  it('converge on a chain in link order', async () => {
    const rows: Row[] = [];
    for (let index = 0; index < 10_000; index += 1) rows.push({ left: `d-${index}`, right: `d-${index + 1}`, seen_at: at(index) });
    await loadTable(warehouse, 'pairs', rows);
    const result = await build(warehouse, pairConfig());

    expect(result.profiles).toBe(1);
    expect(result.componentPasses).toBeLessThan(30);
  });

  it('match union-find on a random graph', async () => {
    const random = randomInts(42);
    const rows: Row[] = [];
    for (let index = 0; index < 3000; index += 1) {
      rows.push({ left: `d-${random() % 4000}`, right: `d-${random() % 4000}`, seen_at: at(random() % 10_000) });
    }
    await loadTable(warehouse, 'pairs', rows);
    await build(warehouse, pairConfig());

    expect(await partition(warehouse)).toEqual(expectedPartition(rows));
  });

  it('fail loudly when max_passes is too low', async () => {
    const rows: Row[] = [];
    for (let index = 0; index < 1000; index += 1) rows.push({ left: `d-${index}`, right: `d-${index + 1}`, seen_at: at(index) });
    await loadTable(warehouse, 'pairs', rows);

    const error = await build(warehouse, pairConfig(3)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdentityError);
    expect((error as Error).message).toContain('did not converge within max_passes (3) passes');
  });

  it('drop scratch tables after a build', async () => {
    await loadTable(warehouse, 'pairs', [{ left: 'd-1', right: 'd-2', seen_at: at(1) }]);
    await build(warehouse, pairConfig());

    const scratch = await warehouse.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'sluice' OR table_catalog = 'sluice_scratch'`,
    );
    expect(scratch).toEqual([]);
  });

  it('keep work tables in the work schema on request', async () => {
    await loadTable(warehouse, 'pairs', [{ left: 'd-1', right: 'd-2', seen_at: at(1) }]);
    await build(warehouse, pairConfig(), { keepWorkTables: true });

    const workTables = await warehouse.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'sluice'`);
    expect(workTables.map((row) => row.table_name)).toContain('identity__edge_nodes');
  });
});

describe('checkNodeIdsFitRanks', () => {
  it('accepts ids below 2^31', () => {
    expect(() => checkNodeIdsFitRanks(2 ** 31 - 1)).not.toThrow();
  });

  it('rejects larger graphs with the count and the fix', () => {
    const error = (() => {
      try {
        checkNodeIdsFitRanks(2 ** 31);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(IdentityError);
    expect((error as Error).message).toContain('has 2147483648 nodes');
    expect((error as Error).message).toContain('over fewer inputs');
  });
});
