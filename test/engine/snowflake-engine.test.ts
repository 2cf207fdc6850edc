import { beforeEach, describe, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { baseProject, openTestContext, runOnce, writeFiles, writeProject } from '../support/project-fixture.js';
import { snowflakeTarget } from '../support/targets/snowflake-target.js';

const target = snowflakeTarget();

const SOURCES = 'sources:\n  crm:\n    tables:\n      customers: { table: customers, schema: raw }\n';
const MODEL = `SELECT id, email, tier FROM {{source "crm" "customers"}}`;

function customerRows(count: number, tier = 'gold'): Row[] {
  return Array.from({ length: count }, (_unused, index) => ({
    id: `c${String(index + 1).padStart(3, '0')}`,
    email: `person${index + 1}@example.com`,
    tier,
  }));
}

function syncYaml(mode: string, extra = ''): string {
  return `model: customers\ndestination: memory\nmode: ${mode}\nprimary_key: id\nmapping:\n  email: email\n  tier: tier\n${extra}\n`;
}

/** Writes a project on its own Snowflake database and loads the source rows into raw.customers. */
async function snowflakeProject(id: string, rows: Row[], sync: string): Promise<string> {
  const dir = await writeProject({
    'sluice.yml': baseProject(id, SOURCES, target.warehouseYaml(id)),
    'models/customers.sql': MODEL,
    'models/customers.yml': 'primary_key: id\npii: [email]\n',
    'syncs/crm.yml': sync,
  });
  await replaceSource(dir, rows);
  return dir;
}

async function replaceSource(dir: string, rows: Row[]): Promise<void> {
  const context = await openTestContext(dir, { ...process.env, ...target.env });
  try {
    await context.warehouse.ensureSchema('raw');
    const columns = ['id', 'email', 'tier'].map((name) => ({ name, type: 'string' as const }));
    await context.warehouse.loadRows({ schema: 'raw', name: 'customers' }, columns, rows);
  } finally {
    await context.close();
  }
}

const env = { ...process.env, ...target.env };

describe.skipIf(target.skipReason !== undefined)('the engine on Snowflake (fakesnow)', () => {
  beforeEach(() => resetInboxes());

  it('builds, diffs, sends only changes and commits the snapshot', async () => {
    const dir = await snowflakeProject('sf_diff', customerRows(5), syncYaml('mirror'));

    const first = await runOnce(dir, {}, env);
    expect(first.syncs[0]!.status).toBe('success');
    expect(first.syncs[0]!.counts).toMatchObject({ added: 5, accepted: 5 });

    const unchanged = await runOnce(dir, {}, env);
    expect(unchanged.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, removed: 0 });

    const edited = customerRows(4);
    edited[0]!.tier = 'silver';
    await replaceSource(dir, edited);
    resetInboxes();
    const third = await runOnce(dir, {}, env);
    expect(third.syncs[0]!.counts).toMatchObject({ added: 0, changed: 1, removed: 1, accepted: 2 });
    expect(sentRecords('sf_diff').map((record) => [record.key, record.operation, record.fields])).toEqual([
      ['c005', 'delete', null],
      ['c001', 'upsert', { email: 'person1@example.com', tier: 'silver' }],
    ]);
  });

  it('retries a rejected row on the next run', async () => {
    const dir = await snowflakeProject('sf_reject', customerRows(3), syncYaml('upsert'));
    inbox('sf_reject').respond = (record) =>
      record.key === 'c002' ? { status: 'rejected', reason: 'invalid value' } : { status: 'accepted' };

    const first = await runOnce(dir, {}, env);
    expect(first.syncs[0]!.counts).toMatchObject({ added: 3, accepted: 2, rejected: 1 });

    inbox('sf_reject').respond = () => ({ status: 'accepted' });
    resetInboxes();
    const second = await runOnce(dir, {}, env);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 1, accepted: 1, rejected: 0 });
    expect(sentRecords('sf_reject').map((record) => record.key)).toEqual(['c002']);
  });

  it('stops a mirror sync that would remove too many rows', async () => {
    const dir = await snowflakeProject('sf_guard', customerRows(10), syncYaml('mirror', 'guards: { max_removal_share: 0.2, min_removals_to_guard: 0 }'));
    const first = await runOnce(dir, {}, env);
    expect(first.syncs[0]!.counts).toMatchObject({ accepted: 10 });

    await replaceSource(dir, customerRows(5));
    resetInboxes();
    const tripped = await runOnce(dir, {}, env);
    expect(tripped.syncs[0]!.status).toBe('guarded');
    expect(tripped.syncs[0]!.detail).toMatch(/would remove 5 of 10 delivered rows/);
    expect(sentRecords('sf_guard')).toHaveLength(0);

    await writeFiles(dir, { 'syncs/crm.yml': syncYaml('mirror', 'guards: { max_removal_share: 0.6 }') });
    const allowed = await runOnce(dir, {}, env);
    expect(allowed.syncs[0]!.counts).toMatchObject({ removed: 5, accepted: 5 });
  });
});
