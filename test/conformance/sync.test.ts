import { beforeEach, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { syncFile } from '../engine/engine-fixture.js';
import { describeEachWarehouse, planProject, runProjectOnce, syncOf, writeTargetProject } from './conformance-fixture.js';
import { BIG_ID, CONTACTS_MODEL_FILES, contact, loadContacts } from './contacts.js';

beforeEach(() => resetInboxes());

const contactSync = (mode: string, mapping: string, destination = 'memory') =>
  syncFile({ mode, mapping, destination, model: 'contacts' });

describeEachWarehouse('diff and snapshot', (target) => {
  it('counts changes per mode over typed fields', async () => {
    const project = await writeTargetProject(target, {
      inbox: `${target.name}_upsert`,
      sources: ['contacts'],
      accounts: { mirror_account: `${target.name}_mirror`, audience_account: `${target.name}_audience` },
      files: {
        ...CONTACTS_MODEL_FILES,
        'syncs/upsert_sync.yml': contactSync('upsert', '  email: email\n  tier: tier\n  balance: balance'),
        'syncs/mirror_sync.yml': contactSync('mirror', '  email: email\n  tier: tier\n  balance: balance\n  seen_at: seen_at', 'mirror_account'),
        'syncs/audience_sync.yml': contactSync('audience', '  email: email', 'audience_account'),
      },
    });
    await loadContacts(project, [contact(1), contact(2), contact(3), contact(4), contact(BIG_ID)]);
    const first = await runProjectOnce(project);
    expect(first.status).toBe('success');
    for (const sync of first.syncs) expect(sync.counts, sync.name).toMatchObject({ added: 5, accepted: 5 });
    resetInboxes();

    await loadContacts(project, [
      contact(1, { tier: 'silver' }),
      contact(2, { note: 'unmapped column changed' }),
      contact(4, { seen_at: '2024-03-01T12:34:56.000002Z' }),
      contact(BIG_ID, { balance: '12.75' }),
      contact(6),
    ]);
    const second = await runProjectOnce(project);

    expect(syncOf(second, 'upsert_sync').counts).toMatchObject({ added: 1, changed: 2, removed: 1, accepted: 3 });
    expect(syncOf(second, 'mirror_sync').counts).toMatchObject({ added: 1, changed: 3, removed: 1, accepted: 5 });
    expect(syncOf(second, 'audience_sync').counts).toMatchObject({ added: 1, changed: 0, removed: 1, accepted: 2 });

    const operations = (name: string) => sentRecords(name).map((record) => `${record.operation}:${record.key}`).sort();
    expect(operations(`${target.name}_upsert`)).toEqual(['upsert:1', 'upsert:6', `upsert:${BIG_ID}`]);
    expect(operations(`${target.name}_mirror`)).toEqual(['delete:3', 'upsert:1', 'upsert:4', 'upsert:6', `upsert:${BIG_ID}`]);
    expect(operations(`${target.name}_audience`)).toEqual(['add:6', 'remove:3']);

    const big = sentRecords(`${target.name}_mirror`).find((record) => record.key === BIG_ID)!;
    expect(big.fields).toEqual({ email: `person${BIG_ID}@example.com`, tier: 'gold', balance: '12.75', seen_at: '2024-03-01T12:34:56.000001Z' });
    expect(big.previous).toMatchObject({ balance: '12.5' });
    const removed = sentRecords(`${target.name}_mirror`).find((record) => record.key === '3')!;
    expect(removed.previous).toEqual({ email: 'person3@example.com', tier: 'gold', balance: '12.5', seen_at: '2024-03-01T12:34:56.000001Z' });
  });

  it('treats NULL per on_null and apart from empty text', async () => {
    const project = await writeTargetProject(target, {
      inbox: `${target.name}_skip`,
      sources: ['contacts'],
      accounts: { clear_account: `${target.name}_clear` },
      files: {
        ...CONTACTS_MODEL_FILES,
        'syncs/skip_nulls.yml': contactSync('upsert', '  email: email\n  tier: { from: tier, on_null: skip }'),
        'syncs/clear_nulls.yml': contactSync('upsert', '  email: email\n  tier: { from: tier, on_null: clear }', 'clear_account'),
      },
    });
    await loadContacts(project, [contact(1), contact(2, { tier: null })]);
    const first = await runProjectOnce(project);
    expect(syncOf(first, 'skip_nulls').counts).toMatchObject({ added: 2, accepted: 2 });
    expect(sentRecords(`${target.name}_clear`).find((record) => record.key === '2')!.fields).toEqual({ email: 'person2@example.com', tier: null });

    await loadContacts(project, [contact(1, { tier: null }), contact(2, { tier: null })]);
    const toNull = await runProjectOnce(project);
    expect(syncOf(toNull, 'skip_nulls').counts).toMatchObject({ added: 0, changed: 0 });
    expect(syncOf(toNull, 'clear_nulls').counts).toMatchObject({ added: 0, changed: 1 });
    expect(sentRecords(`${target.name}_clear`).at(-1)).toMatchObject({ key: '1', fields: { email: 'person1@example.com', tier: null } });

    await loadContacts(project, [contact(1, { tier: '' }), contact(2, { tier: '' })]);
    const toEmpty = await runProjectOnce(project);
    // skip_nulls last delivered "gold" for contact 1 and no tier for contact 2, so both change.
    expect(syncOf(toEmpty, 'skip_nulls').counts).toMatchObject({ changed: 2 });
    expect(syncOf(toEmpty, 'clear_nulls').counts).toMatchObject({ changed: 2 });
    expect(sentRecords(`${target.name}_skip`).at(-1)!.fields).toEqual({ email: 'person2@example.com', tier: '' });
  });

  it('plans without sending and commits what was sent', async () => {
    const project = await writeTargetProject(target, {
      inbox: `${target.name}_commit`,
      sources: ['contacts'],
      files: { ...CONTACTS_MODEL_FILES, 'syncs/contacts.yml': contactSync('mirror', '  email: email\n  balance: balance') },
    });
    await loadContacts(project, [contact(1), contact(2), contact(BIG_ID)]);

    const plan = await planProject(project, 'contacts');
    expect(plan.initialSync).toBe(true);
    expect(plan.counts).toEqual({ added: 3, changed: 0, removed: 0 });
    expect(plan.operations).toEqual({ upsert: 3 });
    expect(sentRecords(`${target.name}_commit`)).toHaveLength(0);

    const first = await runProjectOnce(project);
    expect(syncOf(first, 'contacts').counts).toMatchObject({ added: 3, accepted: 3 });

    const second = await runProjectOnce(project);
    expect(syncOf(second, 'contacts').counts).toEqual({ added: 0, changed: 0, removed: 0, accepted: 0, rejected: 0, skipped: 0 });
    expect(sentRecords(`${target.name}_commit`)).toHaveLength(3);
    const replanned = await planProject(project, 'contacts');
    expect(replanned.deliveredRows).toBe(3);
    expect(replanned.counts).toEqual({ added: 0, changed: 0, removed: 0 });
  });

  it('retries only the rejected rows', async () => {
    const name = `${target.name}_rejects`;
    const project = await writeTargetProject(target, {
      inbox: name,
      sources: ['contacts'],
      files: { ...CONTACTS_MODEL_FILES, 'syncs/contacts.yml': contactSync('upsert', '  email: email\n  tier: tier') },
    });
    await loadContacts(project, [contact(1), contact(2), contact(3), contact(BIG_ID)]);
    inbox(name).respond = (record) => (record.key === BIG_ID ? { status: 'rejected', reason: 'invalid email' } : { status: 'accepted' });
    const first = await runProjectOnce(project);
    expect(syncOf(first, 'contacts').counts).toMatchObject({ added: 4, accepted: 3, rejected: 1 });
    expect(syncOf(first, 'contacts').rejections).toEqual([{ key: BIG_ID, reason: 'invalid email' }]);

    // Contact 1 changes and is rejected this time, while the big id is accepted.
    await loadContacts(project, [contact(1, { tier: 'silver' }), contact(2), contact(3), contact(BIG_ID)]);
    inbox(name).respond = (record) => (record.key === '1' ? { status: 'rejected', reason: 'invalid tier' } : { status: 'accepted' });
    inbox(name).calls.length = 0;
    const second = await runProjectOnce(project);
    expect(syncOf(second, 'contacts').counts).toMatchObject({ added: 1, changed: 1, accepted: 1, rejected: 1 });
    expect(sentRecords(name).map((record) => record.key).sort()).toEqual(['1', BIG_ID]);

    inbox(name).respond = () => ({ status: 'accepted' });
    inbox(name).calls.length = 0;
    const third = await runProjectOnce(project);
    expect(syncOf(third, 'contacts').counts).toMatchObject({ added: 0, changed: 1, accepted: 1 });
    expect(sentRecords(name)).toEqual([expect.objectContaining({ key: '1', fields: { email: 'person1@example.com', tier: 'silver' }, previous: { email: 'person1@example.com', tier: 'gold' } })]);
  });
});
