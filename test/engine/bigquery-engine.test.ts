import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import type { BigQueryAdapter } from '../../src/warehouse/bigquery/bigquery-adapter.js';
import { bigqueryEndpoint, bigquerySkipReason, bigquerySuiteTitle, openEmulatorWarehouse, uniqueDataset } from '../support/bigquery.js';
import { startBigQueryProxy } from '../support/bigquery-proxy.js';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { baseProject, runOnce, writeFiles, writeProject } from '../support/project-fixture.js';
import { bigqueryTarget } from '../support/targets/bigquery-target.js';
import { customers, syncFile, type CustomerRow } from './engine-fixture.js';

/**
 * The engine end to end on BigQuery (the emulator): models built in a dataset, the diff and
 * snapshot commit, a rejected row retried on the next run, key checks and guards.
 */

const skip = bigquerySkipReason() !== undefined;
const target = bigqueryTarget();

const CUSTOMERS_MODEL = `SELECT id, email, tier FROM {{source "crm" "customers"}}`;

let raw: BigQueryAdapter;
let rawDataset: string;

beforeAll(async () => {
  if (skip) return;
  rawDataset = uniqueDataset('engine_raw');
  raw = await openEmulatorWarehouse(rawDataset);
});

afterAll(async () => {
  await raw?.close();
});

beforeEach(() => resetInboxes());

/** Replaces the raw source table `name` with `rows`. */
async function loadCustomers(name: string, rows: CustomerRow[]): Promise<void> {
  const columns = [
    { name: 'id', type: 'string' as const },
    { name: 'email', type: 'string' as const },
    { name: 'tier', type: 'string' as const },
  ];
  await raw.loadRows({ schema: rawDataset, name }, columns, rows as unknown as Row[]);
}

/** Writes a BigQuery project whose model reads the raw table `name`, with one sync to an inbox. */
async function bigqueryProject(name: string, sync: string, endpoint?: string): Promise<string> {
  const sources = `sources:\n  crm:\n    tables:\n      customers: { table: ${name}, schema: ${rawDataset} }\n`;
  let warehouse = target.warehouseYaml(uniqueDataset(name));
  if (endpoint !== undefined) warehouse = warehouse.replace(/api_endpoint: '[^']*'/, `api_endpoint: '${endpoint}'`);
  return writeProject({
    'sluice.yml': baseProject(name, sources, warehouse),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'pii: [email]\n',
    'syncs/crm.yml': sync,
  });
}

const run = (dir: string, options: Parameters<typeof runOnce>[1] = {}) => runOnce(dir, options, { ...process.env, ...target.env });

describe.skipIf(skip)(bigquerySuiteTitle('engine on BigQuery'), () => {
  it('builds, diffs, commits and retries a rejected row', async () => {
    await loadCustomers('retry', customers(5));
    const dir = await bigqueryProject('retry', syncFile({ mode: 'mirror' }));
    inbox('retry').respond = (record) => (record.key === 'c00002' ? { status: 'rejected', reason: 'invalid email' } : { status: 'accepted' });

    const first = await run(dir);
    expect(first.models.map((model) => [model.name, model.status, model.rowCount])).toEqual([['customers', 'success', 5]]);
    expect(first.syncs[0]!.counts).toMatchObject({ added: 5, accepted: 4, rejected: 1 });
    expect(first.syncs[0]!.rejections).toEqual([{ key: 'c00002', reason: 'invalid email' }]);

    inbox('retry').respond = () => ({ status: 'accepted' });
    inbox('retry').calls.length = 0;
    const second = await run(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 1, accepted: 1, rejected: 0 });
    expect(sentRecords('retry').map((record) => record.key)).toEqual(['c00002']);

    inbox('retry').calls.length = 0;
    const unchanged = await run(dir);
    expect(unchanged.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(sentRecords('retry')).toHaveLength(0);

    const edited = customers(5).slice(1);
    edited[0] = { ...edited[0]!, email: 'changed@example.com' };
    await loadCustomers('retry', edited);
    const third = await run(dir);
    expect(third.syncs[0]!.counts).toMatchObject({ added: 0, changed: 1, removed: 1, accepted: 2 });
    expect(sentRecords('retry').map((record) => [record.key, record.operation])).toEqual([
      ['c00001', 'delete'],
      ['c00002', 'upsert'],
    ]);
  });

  it('fails on duplicate keys before sending', async () => {
    await loadCustomers('dups', [customers(1)[0]!, customers(1)[0]!, customers(2)[1]!]);
    const dir = await bigqueryProject('dups', syncFile({ mode: 'upsert' }));

    const summary = await run(dir);
    expect(summary.syncs[0]!.status).toBe('failed');
    expect(summary.syncs[0]!.error).toContain('1 primary key values');
    expect(summary.syncs[0]!.error).toContain('"c00001" (2 rows)');
    expect(sentRecords('dups')).toHaveLength(0);
  });

  it('stops a sync whose removals exceed the guard', async () => {
    await loadCustomers('guard', customers(10));
    const dir = await bigqueryProject('guard', syncFile({ mode: 'mirror', extra: 'guards: { max_removal_share: 0.2, min_removals_to_guard: 0 }' }));
    await run(dir);
    inbox('guard').calls.length = 0;

    await loadCustomers('guard', customers(4));
    const summary = await run(dir);
    expect(summary.syncs[0]!.status).toBe('guarded');
    expect(summary.syncs[0]!.detail).toContain('would remove 6 of 10');
    expect(sentRecords('guard')).toHaveLength(0);

    const approved = await run(dir, { allowRemovals: true });
    expect(approved.syncs[0]!.counts).toMatchObject({ removed: 6, accepted: 6 });
  });

  it('stops a run whose diff summary was read short, before removals count', async () => {
    await loadCustomers('short', customers(6));
    const proxy = await startBigQueryProxy(bigqueryEndpoint());
    try {
      const dir = await bigqueryProject('short', syncFile({ mode: 'mirror' }), proxy.url);
      await run(dir);
      inbox('short').calls.length = 0;

      await loadCustomers('short', customers(3));
      // The summary query counts changes per kind; losing its rows would hide the removals.
      proxy.rewriteResults = (response, _query, sql) =>
        sql?.includes('GROUP BY _change, _operation') ? { ...response, rows: [] } : response;
      const summary = await run(dir);
      expect(summary.syncs[0]!.status).toBe('failed');
      expect(summary.syncs[0]!.error).toMatch(/reported 1 result rows, but 0 were read\. The result is incomplete/);
      expect(sentRecords('short')).toHaveLength(0);

      proxy.rewriteResults = undefined;
      const next = await run(dir);
      expect(next.syncs[0]!.counts).toMatchObject({ removed: 3, accepted: 3 });
    } finally {
      await proxy.close();
    }
  });

  it('syncs typed fields and resends only a changed one', async () => {
    await loadCustomers('typed', customers(2));
    const typedModel = (score: string) => `SELECT id,
  CAST(9007199254740993 AS INT64) AS big_id,
  NUMERIC '12.50' AS balance,
  TIMESTAMP '2024-03-01 12:34:56.123456+05:30' AS seen_at,
  DATE '2024-02-29' AS born_on,
  JSON '{"score": ${score}, "tags": ["a"]}' AS traits,
  ['x', 'y'] AS segments
FROM {{source "crm" "customers"}}`;
    const mapping = '  big_id: big_id\n  balance: balance\n  seen_at: seen_at\n  born_on: born_on\n  traits: traits\n  segments: segments';
    const dir = await bigqueryProject('typed', syncFile({ mode: 'upsert', mapping }));
    await writeFiles(dir, { 'models/customers.sql': typedModel('1') });

    const first = await run(dir);
    expect(first.syncs[0]!.counts).toMatchObject({ added: 2, accepted: 2 });
    expect(sentRecords('typed')[0]!.fields).toEqual({
      big_id: '9007199254740993',
      balance: '12.5',
      seen_at: '2024-03-01T07:04:56.123456Z',
      born_on: '2024-02-29',
      traits: { score: 1, tags: ['a'] },
      segments: ['x', 'y'],
    });

    inbox('typed').calls.length = 0;
    const unchanged = await run(dir);
    expect(unchanged.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0 });

    await writeFiles(dir, { 'models/customers.sql': typedModel('2') });
    const changed = await run(dir);
    expect(changed.syncs[0]!.counts).toMatchObject({ changed: 2, accepted: 2 });
    expect(sentRecords('typed').map((record) => record.fields!.traits)).toEqual([{ score: 2, tags: ['a'] }, { score: 2, tags: ['a'] }]);
  });

  it('sends a changed mapping again under the new mapping', async () => {
    await loadCustomers('remap', customers(3));
    const dir = await bigqueryProject('remap', syncFile({ mode: 'upsert' }));
    await run(dir);
    inbox('remap').calls.length = 0;

    await writeFiles(dir, { 'syncs/crm.yml': syncFile({ mode: 'upsert', mapping: '  email: email' }) });
    const summary = await run(dir);
    expect(summary.syncs[0]!.counts).toMatchObject({ accepted: 3 });
    expect(sentRecords('remap')).toHaveLength(3);
  });
});
