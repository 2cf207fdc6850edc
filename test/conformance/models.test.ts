import { beforeEach, expect, it } from 'vitest';
import type { RunSummary } from '../../src/run/run-summary.js';
import { resetInboxes, sentRecords } from '../support/memory-destination.js';
import { syncFile } from '../engine/engine-fixture.js';
import { describeEachWarehouse, editProject, runProjectOnce, syncOf, writeTargetProject } from './conformance-fixture.js';
import { contact, loadContacts } from './contacts.js';

beforeEach(() => resetInboxes());

/** Three models whose dependency order is the reverse of their names' order. */
const MODEL_FILES = {
  'models/stg_contacts.sql': 'SELECT id, email, tier FROM {{source "crm" "contacts"}}',
  'models/gold_contacts.sql': `SELECT id, email FROM {{ref "stg_contacts"}} WHERE tier = 'gold'`,
  'models/audience_gold.sql': 'SELECT id, email FROM {{ref "gold_contacts"}}',
};

const versionsOf = (summary: RunSummary) => Object.fromEntries(summary.models.map((model) => [model.name, model.version]));
const rowCountsOf = (summary: RunSummary) => Object.fromEntries(summary.models.map((model) => [model.name, model.rowCount]));

describeEachWarehouse('models', (target) => {
  it('build in dependency order with versions of their logic', async () => {
    const name = `${target.name}_models`;
    const project = await writeTargetProject(target, {
      inbox: name,
      sources: ['contacts'],
      files: { ...MODEL_FILES, 'syncs/gold.yml': syncFile({ mode: 'audience', mapping: '  email: email', model: 'audience_gold' }) },
    });
    await loadContacts(project, [contact(1), contact(2), contact(3, { tier: 'silver' })]);

    const first = await runProjectOnce(project);
    expect(first.status).toBe('success');
    expect(first.models.map((model) => model.name)).toEqual(['stg_contacts', 'gold_contacts', 'audience_gold']);
    expect(rowCountsOf(first)).toEqual({ stg_contacts: 3, gold_contacts: 2, audience_gold: 2 });
    expect(sentRecords(name).map((record) => record.key).sort()).toEqual(['1', '2']);

    // New data, same logic: every version stays.
    await loadContacts(project, [contact(1, { tier: 'silver' }), contact(2), contact(3, { tier: 'silver' })]);
    const dataChanged = await runProjectOnce(project);
    expect(versionsOf(dataChanged)).toEqual(versionsOf(first));
    expect(rowCountsOf(dataChanged)).toEqual({ stg_contacts: 3, gold_contacts: 1, audience_gold: 1 });
    expect(syncOf(dataChanged, 'gold').counts).toMatchObject({ removed: 1, accepted: 1 });

    // New logic in the middle model: it and its downstream model get new versions.
    await editProject(project, {
      'models/gold_contacts.sql': `SELECT id, email FROM {{ref "stg_contacts"}} WHERE tier = 'gold' AND email IS NOT NULL`,
    });
    const logicChanged = await runProjectOnce(project);
    expect(logicChanged.models[0]!.version).toBe(first.models[0]!.version);
    expect(logicChanged.models[1]!.version).not.toBe(first.models[1]!.version);
    expect(logicChanged.models[2]!.version).not.toBe(first.models[2]!.version);
    expect(syncOf(logicChanged, 'gold').counts).toMatchObject({ added: 0, changed: 0, removed: 0 });

    const unchanged = await runProjectOnce(project);
    expect(versionsOf(unchanged)).toEqual(versionsOf(logicChanged));
  });
});
