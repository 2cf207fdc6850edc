import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, at, build, identityConfig, loadTable, openWarehouse, profileOf } from './identity-fixture.js';

function config(blockedDevices: string[] = []) {
  return identityConfig({
    inputs: [{ name: 'logins', relation: { model: 'logins' }, timestamp: 'seen_at', identifiers: { device_id: ['left', 'right'] } }],
    types: { device_id: { blocked_values: blockedDevices } },
  });
}

const pair = (left: string, right: string, minutes: number): Row => ({ left, right, seen_at: at(minutes) });

/** Five devices in one chain: x1-x2-x3-x4-x5. */
const CHAIN = [pair('x1', 'x2', 1), pair('x2', 'x3', 2), pair('x3', 'x4', 3), pair('x4', 'x5', 4)];

async function merges(warehouse: DuckDBAdapter): Promise<Row[]> {
  return warehouse.query(`SELECT absorbed_profile_id, surviving_profile_id, run_id FROM ${SCHEMA}.profile_merges ORDER BY run_id`);
}

describe('stable profile ids', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
  });
  afterEach(async () => warehouse.close());

  it('do not change when unchanged inputs are rebuilt', async () => {
    const rows: Row[] = [];
    for (let index = 0; index < 500; index += 1) rows.push(pair(`p-${index}`, `q-${index % 300}`, index));
    await loadTable(warehouse, 'logins', rows);

    const first = await build(warehouse, config(), { runId: 'run-1' });
    const before = await profileOf(warehouse);
    const second = await build(warehouse, config(), { runId: 'run-2' });

    expect(await profileOf(warehouse)).toEqual(before);
    expect(second.idChanges).toEqual({ kept: first.profiles, created: 0, merged: 0, split: 0 });
    expect(await merges(warehouse)).toEqual([]);
  });

  it('do not change on rebuild after a limit cut links', async () => {
    await loadTable(warehouse, 'logins', [pair('a-1', 'u-1', 1), pair('a-1', 'u-2', 2), pair('a-2', 'u-2', 3)]);
    const limited = identityConfig({
      inputs: [{ name: 'logins', relation: { model: 'logins' }, timestamp: 'seen_at', identifiers: { anonymous_id: 'left', user_id: 'right' } }],
      types: { user_id: { max_per_profile: 1 } },
    });
    await build(warehouse, limited);
    const before = await profileOf(warehouse);
    const second = await build(warehouse, limited);

    expect(await profileOf(warehouse)).toEqual(before);
    expect(second.idChanges).toEqual({ kept: 2, created: 0, merged: 0, split: 0 });
  });

  it('are reproduced by a build from scratch', async () => {
    await loadTable(warehouse, 'logins', CHAIN.concat([pair('y1', 'y2', 9)]));
    await build(warehouse, config());
    const before = await profileOf(warehouse);

    for (const table of ['identity_graph', 'identity_edges', 'profiles', 'profile_merges', 'identity_blocked']) {
      await warehouse.execute(`DROP TABLE ${SCHEMA}.${table}`);
    }
    await build(warehouse, config());
    expect(await profileOf(warehouse)).toEqual(before);
  });

  it('keep the older id when profiles merge', async () => {
    // Run 1 creates the profile of a1. Run 2 adds b1, seen earlier than a1 but created later.
    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 50)]);
    await build(warehouse, config(), { runId: 'run-1' });
    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 50), pair('b1', 'b2', 10)]);
    await build(warehouse, config(), { runId: 'run-2', startedAt: new Date(Date.now() + 60_000) });
    const beforeMerge = await profileOf(warehouse);

    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 50), pair('b1', 'b2', 10), pair('a2', 'b2', 60)]);
    const result = await build(warehouse, config(), { runId: 'run-3' });
    const after = await profileOf(warehouse);

    const older = beforeMerge.get('device_id:a1')!;
    const newer = beforeMerge.get('device_id:b1')!;
    expect(new Set(after.values())).toEqual(new Set([older]));
    expect(result.idChanges).toEqual({ kept: 1, created: 0, merged: 1, split: 0 });
    expect(await merges(warehouse)).toEqual([{ absorbed_profile_id: newer, surviving_profile_id: older, run_id: 'run-3' }]);
  });

  it('give the largest part the id when a profile splits', async () => {
    await loadTable(warehouse, 'logins', CHAIN);
    await build(warehouse, config(), { runId: 'run-1' });
    const original = (await profileOf(warehouse)).get('device_id:x1')!;

    await loadTable(warehouse, 'logins', CHAIN.filter((row) => row.left !== 'x2'));
    const result = await build(warehouse, config(), { runId: 'run-2' });
    const after = await profileOf(warehouse);

    expect(after.get('device_id:x3')).toBe(original);
    expect(after.get('device_id:x5')).toBe(original);
    expect(after.get('device_id:x1')).not.toBe(original);
    expect(after.get('device_id:x1')).toBe(after.get('device_id:x2'));
    expect(result.idChanges).toEqual({ kept: 1, created: 1, merged: 0, split: 1 });
  });

  it('split when an identifier becomes blocked', async () => {
    await loadTable(warehouse, 'logins', CHAIN);
    await build(warehouse, config(), { runId: 'run-1' });
    const original = (await profileOf(warehouse)).get('device_id:x1')!;

    await build(warehouse, config(['x3']), { runId: 'run-2' });
    const after = await profileOf(warehouse);

    // The two parts have two identifiers each, so the part with the earliest identifier keeps the id.
    expect(after.get('device_id:x1')).toBe(original);
    expect(after.get('device_id:x2')).toBe(original);
    expect(after.get('device_id:x4')).not.toBe(original);
    expect(after.get('device_id:x4')).toBe(after.get('device_id:x5'));
    expect(after.has('device_id:x3')).toBe(false);
  });

  it('survive a merge followed by a split', async () => {
    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 1), pair('b1', 'b2', 2), pair('b2', 'b3', 3)]);
    await build(warehouse, config(), { runId: 'run-1' });
    const first = await profileOf(warehouse);

    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 1), pair('b1', 'b2', 2), pair('b2', 'b3', 3), pair('a2', 'b1', 4)]);
    await build(warehouse, config(), { runId: 'run-2' });
    await loadTable(warehouse, 'logins', [pair('a1', 'a2', 1), pair('b1', 'b2', 2), pair('b2', 'b3', 3)]);
    await build(warehouse, config(), { runId: 'run-3' });
    const third = await profileOf(warehouse);

    // a's id survived the merge; after the split the larger part (b's three devices) keeps it.
    expect(third.get('device_id:b1')).toBe(first.get('device_id:a1'));
    expect(third.get('device_id:a1')).not.toBe(first.get('device_id:a1'));
    expect(third.get('device_id:a1')).not.toBe(first.get('device_id:b1'));
    expect(await merges(warehouse)).toEqual([
      { absorbed_profile_id: first.get('device_id:b1'), surviving_profile_id: first.get('device_id:a1'), run_id: 'run-2' },
    ]);
  });
});
