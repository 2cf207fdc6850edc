import { beforeEach, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { syncFile } from '../engine/engine-fixture.js';
import { describeEachWarehouse, runProjectOnce, syncOf, writeTargetProject } from './conformance-fixture.js';
import { BIG_ID, CONTACTS_MODEL_FILES, contact, loadContacts } from './contacts.js';

beforeEach(() => resetInboxes());

describeEachWarehouse('key checks and guards', (target) => {
  async function contactsProject(inboxName: string, mode: string, extra = '') {
    return writeTargetProject(target, {
      inbox: inboxName,
      sources: ['contacts'],
      files: {
        ...CONTACTS_MODEL_FILES,
        'syncs/contacts.yml': syncFile({ mode, mapping: '  email: email', model: 'contacts', extra }),
      },
    });
  }

  it('fails on a duplicate key before sending', async () => {
    const name = `${target.name}_duplicates`;
    const project = await contactsProject(name, 'upsert');
    await loadContacts(project, [contact(1), contact(BIG_ID), contact(BIG_ID, { tier: 'silver' })]);

    const summary = await runProjectOnce(project);
    const sync = syncOf(summary, 'contacts');
    expect(sync.status).toBe('failed');
    expect(sync.error).toContain('1 primary key values');
    expect(sync.error).toContain(`"${BIG_ID}" (2 rows)`);
    expect(sentRecords(name)).toHaveLength(0);
  });

  it('fails on a NULL key before sending', async () => {
    const name = `${target.name}_null_keys`;
    const project = await contactsProject(name, 'mirror');
    await loadContacts(project, [contact(1), { ...contact(2), id: null }]);

    const summary = await runProjectOnce(project);
    const sync = syncOf(summary, 'contacts');
    expect(sync.status).toBe('failed');
    expect(sync.error).toContain('1 of 2 rows');
    expect(sync.error).not.toContain('person2@example.com');
    expect(sentRecords(name)).toHaveLength(0);
  });

  it('stops removals above the configured share', async () => {
    const name = `${target.name}_removals`;
    const project = await contactsProject(name, 'audience', 'guards: { max_removal_share: 0.2, min_removals_to_guard: 0 }');
    const ids = Array.from({ length: 10 }, (_unused, index) => index + 1);
    await loadContacts(project, ids.map((id) => contact(id)));
    await runProjectOnce(project);
    inbox(name).calls.length = 0;

    await loadContacts(project, ids.slice(0, 7).map((id) => contact(id)));
    const guarded = await runProjectOnce(project);
    expect(syncOf(guarded, 'contacts').status).toBe('guarded');
    expect(syncOf(guarded, 'contacts').detail).toContain('would remove 3 of 10');
    expect(sentRecords(name)).toHaveLength(0);

    const approved = await runProjectOnce(project, { allowRemovals: true });
    expect(syncOf(approved, 'contacts').counts).toMatchObject({ removed: 3, accepted: 3 });
    expect(sentRecords(name).map((record) => record.key).sort()).toEqual(['10', '8', '9']);
  });
});
