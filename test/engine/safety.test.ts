import { beforeEach, describe, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { runOnce, writeFiles } from '../support/project-fixture.js';
import { customerProject, customers, replaceCustomers, syncFile } from './engine-fixture.js';

beforeEach(() => resetInboxes());

describe('primary key checks', () => {
  it('fails on duplicate keys before sending, with counts and examples', async () => {
    const rows = [
      { id: 'c1', email: 'a.k@example.com', tier: 'gold' },
      { id: 'c1', email: 'a.k@example.com', tier: 'silver' },
      { id: 'c2', email: 'b.l@example.com', tier: 'gold' },
    ];
    const dir = await customerProject('dups', rows, syncFile({ mode: 'upsert' }));
    const summary = await runOnce(dir);

    const sync = summary.syncs[0]!;
    expect(sync.status).toBe('failed');
    expect(sync.error).toContain('1 primary key values');
    expect(sync.error).toContain('"c1" (2 rows)');
    expect(sync.error).toContain('on_duplicate_key: skip');
    expect(sentRecords('dups')).toHaveLength(0);
  });

  it('skips every row of a duplicated key when asked, never picking a winner', async () => {
    const rows = [
      { id: 'c1', email: 'a.k@example.com', tier: 'gold' },
      { id: 'c1', email: 'a.k@example.com', tier: 'silver' },
      { id: 'c2', email: 'b.l@example.com', tier: 'gold' },
    ];
    const dir = await customerProject('dupskip', rows, syncFile({ mode: 'upsert', extra: 'on_duplicate_key: skip' }));
    const summary = await runOnce(dir);

    expect(summary.syncs[0]!.counts).toMatchObject({ added: 1, accepted: 1, skipped: 2 });
    expect(sentRecords('dupskip').map((r) => r.key)).toEqual(['c2']);
  });

  it('fails on NULL keys and never treats NULL as a key value', async () => {
    const rows = [
      { id: null, email: 'n.osei@example.com', tier: 'gold' },
      { id: null, email: 'p.roy@example.com', tier: 'gold' },
      { id: 'u9', email: 'u9@example.com', tier: 'gold' },
    ];
    const dir = await customerProject('nulls', rows, syncFile({ mode: 'mirror' }));
    const failed = await runOnce(dir);
    expect(failed.syncs[0]!.status).toBe('failed');
    expect(failed.syncs[0]!.error).toContain('2 of 3 rows');
    expect(failed.syncs[0]!.error).not.toContain('n.osei@example.com');
    expect(sentRecords('nulls')).toHaveLength(0);

    await writeFiles(dir, { 'syncs/crm.yml': syncFile({ mode: 'mirror', extra: 'guards: { max_null_key_rows: 5 }' }) });
    const allowed = await runOnce(dir);
    expect(allowed.syncs[0]!.counts).toMatchObject({ added: 1, accepted: 1, skipped: 2 });
    expect(sentRecords('nulls').map((r) => r.key)).toEqual(['u9']);

    const again = await runOnce(dir);
    expect(again.syncs[0]!.counts).toMatchObject({ added: 0, removed: 0 });
  });

  it('rejects a NULL in any part of a composite key', async () => {
    const dir = await customerProject('composite', customers(2), syncFile({ mode: 'upsert' }).replace('primary_key: id', 'primary_key: [id, tier]'));
    await replaceCustomers(dir, [{ id: 'a1', email: 'x@example.com', tier: null }, { id: 'a2', email: 'y@example.com', tier: 't' }]);
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.status).toBe('failed');
    expect(summary.syncs[0]!.error).toContain('NULL in the primary key (id, tier)');
  });
});

describe('guards against mass damage', () => {
  it('stops a mirror sync whose model suddenly returns nothing', async () => {
    const dir = await customerProject('empty', customers(500), syncFile({ mode: 'mirror' }));
    await runOnce(dir);
    inbox('empty').calls.length = 0;

    await replaceCustomers(dir, []);
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.status).toBe('guarded');
    expect(summary.syncs[0]!.detail).toContain('the result is empty');
    expect(sentRecords('empty')).toHaveLength(0);

    // The snapshot did not move: restoring the data sends nothing.
    await replaceCustomers(dir, customers(500));
    const restored = await runOnce(dir);
    expect(restored.syncs[0]!.counts).toMatchObject({ added: 0, removed: 0 });
  });

  it('stops when removals exceed the configured share', async () => {
    const dir = await customerProject('share', customers(500), syncFile({ mode: 'audience', mapping: '  email: email' }));
    await runOnce(dir);
    inbox('share').calls.length = 0;

    await replaceCustomers(dir, customers(120));
    const summary = await runOnce(dir);
    expect(summary.status).toBe('partial');
    expect(summary.syncs[0]!.status).toBe('guarded');
    expect(summary.syncs[0]!.detail).toContain('would remove 380 of 500');
    expect(sentRecords('share')).toHaveLength(0);

    const approved = await runOnce(dir, { allowRemovals: true });
    expect(approved.syncs[0]!.counts).toMatchObject({ removed: 380, accepted: 380 });
  });

  it('can send adds and withhold removals when a guard trips', async () => {
    const dir = await customerProject('withhold', customers(300), syncFile({ mode: 'mirror', extra: 'guards: { on_trip: withhold_removals }' }));
    await runOnce(dir);
    inbox('withhold').calls.length = 0;

    await replaceCustomers(dir, [...customers(100), { id: 'new1', email: 'new1@example.com', tier: 'gold' }]);
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.status).toBe('guarded');
    expect(sentRecords('withhold').map((r) => r.key)).toEqual(['new1']);

    // Withheld removals are still pending on the next run.
    const next = await runOnce(dir, { allowRemovals: true });
    expect(next.syncs[0]!.counts.removed).toBe(200);
  });

  it('removes only keys this sync delivered', async () => {
    const dir = await customerProject('own', customers(5), syncFile({ mode: 'mirror' }));
    await runOnce(dir);
    await replaceCustomers(dir, customers(4));
    await runOnce(dir);
    const removals = sentRecords('own').filter((r) => r.operation === 'delete');
    expect(removals.map((r) => r.key)).toEqual(['c00005']);
  });
});
