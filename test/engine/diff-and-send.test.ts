import { beforeEach, describe, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { runOnce, writeFiles } from '../support/project-fixture.js';
import { customerProject, customers, replaceCustomers, syncFile } from './engine-fixture.js';

beforeEach(() => resetInboxes());

describe('sync engine on DuckDB', () => {
  it('sends every row on the first run and nothing on the second', async () => {
    const dir = await customerProject('first', customers(250), syncFile({ mode: 'upsert' }));

    const first = await runOnce(dir);
    expect(first.status).toBe('success');
    expect(first.syncs[0]!.counts).toMatchObject({ added: 250, changed: 0, removed: 0, accepted: 250, rejected: 0 });
    expect(sentRecords('first')).toHaveLength(250);
    expect(inbox('first').calls).toHaveLength(3);

    const second = await runOnce(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, removed: 0, accepted: 0 });
    expect(sentRecords('first')).toHaveLength(250);
  });

  it('sends exactly the one row that changed', async () => {
    const rows = customers(50);
    const dir = await customerProject('one', rows, syncFile({ mode: 'upsert' }));
    await runOnce(dir);
    inbox('one').calls.length = 0;

    rows[7] = { ...rows[7]!, tier: 'platinum' };
    await replaceCustomers(dir, rows);
    const summary = await runOnce(dir);

    expect(summary.syncs[0]!.counts).toMatchObject({ added: 0, changed: 1, removed: 0, accepted: 1 });
    const sent = sentRecords('one');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ key: 'c00008', operation: 'upsert', fields: { tier: 'platinum' }, previous: { tier: 'gold' } });
  });

  it('ignores changes to columns the sync does not map', async () => {
    const rows = customers(10);
    const dir = await customerProject('unmapped', rows, syncFile({ mode: 'upsert', mapping: '  email: email' }));
    await runOnce(dir);

    await replaceCustomers(dir, rows.map((row) => ({ ...row, tier: 'bronze' })));
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.counts.changed).toBe(0);
    expect(sentRecords('unmapped')).toHaveLength(10);
  });

  it('mirror removals carry the identifiers that were sent', async () => {
    const rows = customers(3);
    const dir = await customerProject('mirror', rows, syncFile({ mode: 'mirror' }));
    await runOnce(dir);
    inbox('mirror').calls.length = 0;

    await replaceCustomers(dir, rows.slice(0, 2));
    const summary = await runOnce(dir);

    expect(summary.syncs[0]!.counts).toMatchObject({ removed: 1, accepted: 1 });
    expect(sentRecords('mirror')).toEqual([
      expect.objectContaining({ key: 'c00003', operation: 'delete', fields: null, previous: { email: 'person3@example.com', tier: 'gold' } }),
    ]);
  });

  it('audience mode adds members and removes the ones that left', async () => {
    const rows = customers(4);
    const dir = await customerProject('audience', rows, syncFile({ mode: 'audience', mapping: '  email: email' }));
    const first = await runOnce(dir);
    expect(sentRecords('audience').map((r) => r.operation)).toEqual(['add', 'add', 'add', 'add']);
    expect(first.syncs[0]!.counts.accepted).toBe(4);
    inbox('audience').calls.length = 0;

    await replaceCustomers(dir, [rows[0]!, rows[1]!, rows[2]!, ...customers(5).slice(4)]);
    await runOnce(dir);
    const operations = sentRecords('audience').map((r) => `${r.operation}:${r.key}`).sort();
    expect(operations).toEqual(['add:c00005', 'remove:c00004']);
  });

  it('batches hold one operation, removals first', async () => {
    const rows = customers(250);
    const dir = await customerProject('grouped', rows, syncFile({ mode: 'audience', mapping: '  email: email' }));
    await runOnce(dir);
    inbox('grouped').calls.length = 0;

    // Every tenth customer leaves and every other one gets a new email, so in key order removals
    // and adds alternate throughout the diff.
    const remaining = rows.filter((_row, index) => index % 10 !== 0);
    await replaceCustomers(dir, remaining.map((row) => ({ ...row, email: `new-${row.email}` })));
    const summary = await runOnce(dir);

    expect(summary.syncs[0]!.counts).toMatchObject({ changed: 225, removed: 25, accepted: 250 });
    const calls = inbox('grouped').calls.map((call) => [...new Set(call.map((record) => record.operation))]);
    expect(calls).toEqual([['remove'], ['add'], ['add'], ['add']]);
    expect(inbox('grouped').calls.map((call) => call.length)).toEqual([25, 100, 100, 25]);
  });

  it('insert mode sends new rows only, update mode changed rows only', async () => {
    const rows = customers(3);
    const dir = await customerProject('insert', rows, syncFile({ mode: 'insert' }));
    await writeFiles(dir, {
      'sluice.yml': (await import('node:fs')).readFileSync(`${dir}/sluice.yml`, 'utf8') + '  memory2: { type: memory, inbox: update }\n',
      'syncs/crm_update.yml': syncFile({ mode: 'update' }).replace('destination: memory', 'destination: memory2'),
    });
    await runOnce(dir);
    expect(sentRecords('insert')).toHaveLength(3);
    expect(sentRecords('update')).toHaveLength(0);

    await replaceCustomers(dir, [{ ...rows[0]!, tier: 'silver' }, rows[1]!, rows[2]!, ...customers(4).slice(3)]);
    const summary = await runOnce(dir);
    expect(sentRecords('insert').map((r) => r.key)).toEqual(['c00001', 'c00002', 'c00003', 'c00004']);
    expect(sentRecords('update')).toEqual([expect.objectContaining({ key: 'c00001', operation: 'update' })]);
    const updateSync = summary.syncs.find((s) => s.name === 'crm_update')!;
    expect(updateSync.counts).toMatchObject({ added: 1, changed: 1, accepted: 1, skipped: 1 });
  });

  it('records the model version of every model in the run history', async () => {
    const dir = await customerProject('versions', customers(2), syncFile({ mode: 'upsert' }));
    const first = await runOnce(dir);
    const second = await runOnce(dir);
    expect(first.models[0]!.version).toMatch(/^[0-9a-f]{12}$/);
    expect(second.models[0]!.version).toBe(first.models[0]!.version);

    await writeFiles(dir, { 'models/customers.sql': `SELECT CAST(id AS VARCHAR) AS id, lower(email) AS email, tier, CAST(phone AS VARCHAR) AS phone FROM {{source "crm" "customers"}}` });
    const third = await runOnce(dir);
    expect(third.models[0]!.version).not.toBe(first.models[0]!.version);
  });
});
