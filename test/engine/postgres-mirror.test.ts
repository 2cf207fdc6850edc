import { describe, expect, it } from 'vitest';
import { runOnce, writeFiles } from '../support/project-fixture.js';
import { createTestDatabase, postgresAvailable, postgresSuiteTitle, withClient } from '../support/postgres.js';
import { customerProject, customers, replaceCustomers, syncFile } from './engine-fixture.js';

describe.skipIf(!postgresAvailable())(postgresSuiteTitle('mirror sync into a Postgres table'), () => {
  it('leaves rows it never added alone', async () => {
    const url = await createTestDatabase('mirror_foreign');
    await withClient(url, async (client) => {
      await client.query('create table contacts (_sluice_key text primary key, email text, tier text)');
      await client.query(
        "insert into contacts select 'app-' || i, 'app' || i || '@example.com', 'app' from generate_series(1, 500) i",
      );
    });

    const sync = syncFile({ mode: 'mirror', extra: 'destination_options: { table: contacts }' }).replace('destination: memory', 'destination: crm_db');
    const dir = await customerProject('unused', customers(10), sync);
    const yml = (await import('node:fs')).readFileSync(`${dir}/sluice.yml`, 'utf8');
    await writeFiles(dir, { 'sluice.yml': `${yml}  crm_db: { type: postgres, url: '${url}' }\n` });

    const first = await runOnce(dir);
    expect(first.syncs[0]!.counts).toMatchObject({ added: 10, accepted: 10 });

    await replaceCustomers(dir, customers(9));
    const second = await runOnce(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ removed: 1, accepted: 1 });

    const rows = await withClient(url, async (client) => {
      const result = await client.query<{ tier: string; n: string }>('select tier, count(*) as n from contacts group by tier order by tier');
      return result.rows.map((row) => `${row.tier}:${row.n}`);
    });
    expect(rows).toEqual(['app:500', 'gold:9']);
  });
});
