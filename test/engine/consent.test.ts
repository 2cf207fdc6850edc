import { beforeEach, describe, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { runOnce, writeFiles } from '../support/project-fixture.js';
import { customerProject, customers, syncFile } from './engine-fixture.js';

beforeEach(() => resetInboxes());

const CONSENT_MODEL = `SELECT CAST(id AS VARCHAR) AS id, email, tier, CAST(phone AS VARCHAR) AS phone, tier <> 'none' AS email_opt_in
FROM {{source "crm" "customers"}}`;

describe('consent and suppression', () => {
  it('never sends rows without consent, and removes members who withdraw it', async () => {
    const rows = customers(4);
    rows[1] = { ...rows[1]!, tier: 'none' };
    const dir = await customerProject('consent', rows, syncFile({ mode: 'audience', mapping: '  email: email', extra: 'consent: { column: email_opt_in }' }), {
      'models/customers.sql': CONSENT_MODEL,
    });
    const first = await runOnce(dir);
    expect(first.syncs[0]!.counts).toMatchObject({ added: 3, accepted: 3 });
    expect(sentRecords('consent').map((r) => r.key)).toEqual(['c00001', 'c00003', 'c00004']);
    inbox('consent').calls.length = 0;

    rows[2] = { ...rows[2]!, tier: 'none' };
    const { replaceCustomers } = await import('./engine-fixture.js');
    await replaceCustomers(dir, rows);
    await runOnce(dir);
    expect(sentRecords('consent').map((r) => `${r.operation}:${r.key}`)).toEqual(['remove:c00003']);
  });

  it('never sends to an address in the suppression model, whatever its case', async () => {
    const dir = await customerProject('suppressed', customers(3), syncFile({ mode: 'upsert', extra: 'suppression: { model: do_not_contact, column: address, field: email }' }), {
      'models/do_not_contact.sql': `SELECT ' PERSON2@Example.com ' AS address`,
    });
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.counts.accepted).toBe(2);
    expect(sentRecords('suppressed').map((r) => r.key)).toEqual(['c00001', 'c00003']);
  });

  it('reports a consent column the model does not have', async () => {
    const dir = await customerProject('noconsent', customers(1), syncFile({ mode: 'upsert', extra: 'consent: { column: opted_in }' }));
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.status).toBe('failed');
    expect(summary.syncs[0]!.error).toContain('consent.column');
    expect(summary.syncs[0]!.error).toContain('"opted_in" not found');
    await writeFiles(dir, {});
  });
});
