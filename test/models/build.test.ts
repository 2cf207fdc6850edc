import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Project } from '../../src/config/project.js';
import { MemoryLogger } from '../../src/core/logger.js';
import { silentReporter } from '../../src/core/progress.js';
import { buildModels, type ModelBuildResult } from '../../src/models/build.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { compile, loadModels, MODEL_SCHEMA, projectFile } from './model-fixture.js';

let warehouse: DuckDBAdapter;

beforeEach(async () => {
  warehouse = await DuckDBAdapter.open({ path: ':memory:' });
});

afterEach(async () => {
  await warehouse.close();
});

async function buildProject(project: Project, target: DuckDBAdapter = warehouse): Promise<Map<string, ModelBuildResult>> {
  const results = await buildModels(target, compile(project), new MemoryLogger(), silentReporter);
  return new Map(results.map((result) => [result.model, result]));
}

async function build(models: Record<string, string>, other: Record<string, string> = {}): Promise<Map<string, ModelBuildResult>> {
  return buildProject(await loadModels(models, other));
}

function table(name: string) {
  return { schema: MODEL_SCHEMA, name };
}

describe('buildModels on DuckDB', () => {
  it('builds from a local file source', async () => {
    const files = {
      'sluice.yml': projectFile('sources:\n  shop: { tables: { customers: { file: data/customers.csv } } }\n'),
      'data/customers.csv': 'id,email\n1,A@Example.com\n2,b@example.com\n',
    };
    const models = {
      stg_customers: 'SELECT * FROM {{source "shop" "customers"}}',
      profiles: 'SELECT id, lower(email) AS email FROM {{ref "stg_customers"}}',
    };
    const project = await loadModels(models, files);
    // Relative file paths in compiled SQL resolve against the project folder, as openWarehouse sets it.
    const projectWarehouse = await DuckDBAdapter.open({ path: ':memory:', fileSearchPath: project.dir });
    try {
      const results = await buildProject(project, projectWarehouse);

      expect(results.get('stg_customers')).toMatchObject({ status: 'success', rowCount: 2 });
      expect(results.get('profiles')).toMatchObject({ status: 'success', rowCount: 2, error: undefined });
      const rows = await projectWarehouse.query(`SELECT id, email FROM "analytics"."profiles" ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, email: 'a@example.com' },
        { id: 2, email: 'b@example.com' },
      ]);
    } finally {
      await projectWarehouse.close();
    }
  });

  it('skips only dependents of a failure', async () => {
    const results = await build({
      a_broken: 'SELECT no_such_column FROM (SELECT 1 AS id)',
      b_child: 'SELECT * FROM {{ref "a_broken"}}',
      c_grandchild: 'SELECT * FROM {{ref "b_child"}}',
      d_independent: 'SELECT 1 AS id',
      e_after: 'SELECT * FROM {{ref "d_independent"}}',
    });

    expect(results.get('a_broken')!.status).toBe('failed');
    expect(results.get('a_broken')!.error!.message).toMatch(/^Model a_broken \(models\/a_broken.sql\) failed to build: DuckDB: .*no_such_column/);
    expect(results.get('b_child')!.status).toBe('skipped');
    expect(results.get('b_child')!.error!.message).toBe('Model b_child was not built because upstream model a_broken failed');
    expect(results.get('c_grandchild')!.status).toBe('skipped');
    expect(results.get('c_grandchild')!.error!.message).toMatch(/because upstream model b_child failed/);
    expect(results.get('d_independent')).toMatchObject({ status: 'success', rowCount: 1 });
    expect(results.get('e_after')).toMatchObject({ status: 'success', rowCount: 1 });

    expect(await warehouse.tableExists(table('b_child'))).toBe(false);
    expect(await warehouse.tableExists(table('c_grandchild'))).toBe(false);
    expect(await warehouse.tableExists(table('e_after'))).toBe(true);
  });

  it('builds a view when materialized is view', async () => {
    const results = await build(
      { recent: 'SELECT 1 AS id' },
      { 'models/recent.yml': 'materialized: view\n' },
    );
    expect(results.get('recent')!.status).toBe('success');
    const rows = await warehouse.query(
      `SELECT table_type FROM information_schema.tables WHERE table_schema = 'analytics' AND table_name = 'recent'`,
    );
    expect(rows).toEqual([{ table_type: 'VIEW' }]);
  });

  it('replaces the table of an earlier build', async () => {
    await build({ m: 'SELECT 1 AS id' });
    const results = await build({ m: 'SELECT * FROM range(5) t(id)' });
    expect(results.get('m')!.rowCount).toBe(5);
  });
});

const contactsSql = `SELECT * FROM (VALUES
  (1, 'alice@example.com', '+441234'),
  (2, 'alice@example.com', NULL),
  (3, 'alice@example.com', '+449999'),
  (4, 'bob@example.com', NULL),
  (5, 'bob@example.com', '+445555'),
  (6, 'carol@example.com', '+446666')
) t(id, email, phone)`;

describe('model tests', () => {
  it('pass when the data meets them', async () => {
    const results = await build(
      { contacts: contactsSql },
      { 'models/contacts.yml': 'tests:\n  - unique: [id]\n  - not_null: [id, email]\n  - min_rows: 6\n' },
    );
    expect(results.get('contacts')).toMatchObject({ status: 'success', rowCount: 6 });
  });

  it('fail with counts and masked examples', async () => {
    const results = await build(
      { contacts: contactsSql, downstream: 'SELECT * FROM {{ref "contacts"}}' },
      {
        'models/contacts.yml':
          'pii: [email, phone]\ntests:\n  - unique: [email]\n  - not_null: [phone]\n  - min_rows: 10\n',
      },
    );
    const result = results.get('contacts')!;
    expect(result.status).toBe('failed');
    const lines = result.error!.message.split('\n').map((line) => line.trim());

    expect(lines[0]).toBe('Model contacts failed its tests (models/contacts.sql):');
    expect(lines).toContain('unique(email): 2 values occur more than once, for example email=[pii] (3 rows); email=[pii] (2 rows)');
    expect(lines).toContain('not_null(phone): 2 rows are NULL');
    expect(lines).toContain('min_rows: expected at least 10 rows, got 6');
    expect(result.error!.message).not.toMatch(/alice|bob|carol|\+44/);
    expect(results.get('downstream')!.status).toBe('skipped');
  });

  it('leave the table of the last good build in place', async () => {
    const tests = { 'models/contacts.yml': 'tests:\n  - min_rows: 6\n' };
    await build({ contacts: contactsSql }, tests);
    const results = await build({ contacts: `${contactsSql} WHERE id <= 2` }, tests);
    const message = results.get('contacts')!.error!.message;

    expect(results.get('contacts')!.status).toBe('failed');
    expect(message).toContain('min_rows: expected at least 6 rows, got 2');
    expect(message).toContain(`${MODEL_SCHEMA}.contacts was left as it was. The failed build is in ${MODEL_SCHEMA}.candidate__contacts for inspection.`);
    expect(await warehouse.query(`SELECT count(*) AS n FROM ${MODEL_SCHEMA}.contacts`)).toEqual([{ n: 6 }]);
    expect(await warehouse.query(`SELECT count(*) AS n FROM ${MODEL_SCHEMA}.candidate__contacts`)).toEqual([{ n: 2 }]);
  });

  it('leave the view of the last good build in place', async () => {
    const settings = (minRows: number) => ({ 'models/contacts.yml': `materialized: view\ntests:\n  - min_rows: ${minRows}\n` });
    await build({ contacts: contactsSql }, settings(6));
    const results = await build({ contacts: `${contactsSql} WHERE id <= 2` }, settings(6));

    expect(results.get('contacts')!.status).toBe('failed');
    expect(await warehouse.query(`SELECT count(*) AS n FROM ${MODEL_SCHEMA}.contacts`)).toEqual([{ n: 6 }]);
  });

  it('drop the candidate once the build passes', async () => {
    await build({ contacts: contactsSql }, { 'models/contacts.yml': 'tests:\n  - min_rows: 6\n' });
    const tables = await warehouse.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${MODEL_SCHEMA}'`);

    expect(tables).toEqual([{ table_name: 'contacts' }]);
  });

  it('show values of other columns', async () => {
    const results = await build(
      { orders: `SELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c'), (3, 'x"y'), (3, 'z')) t(order_id, note)` },
      { 'models/orders.yml': 'tests:\n  - unique: [order_id]\n' },
    );
    expect(results.get('orders')!.error!.message).toMatch(
      /unique\(order_id\): 2 values occur more than once, for example order_id=(1|3) \(2 rows\); order_id=(1|3) \(2 rows\)/,
    );
  });

  it('check a composite unique key', async () => {
    const results = await build(
      { pairs: `SELECT * FROM (VALUES (1, 'x'), (1, 'y'), (1, 'x')) t(account, "Contact Id")` },
      { 'models/pairs.yml': 'tests:\n  - unique: [account, Contact Id]\n' },
    );
    expect(results.get('pairs')!.error!.message).toContain(
      'unique(account, Contact Id): 1 values occur more than once, for example account=1, Contact Id="x" (2 rows)',
    );
  });
});

describe('model build errors', () => {
  it('mask quoted row values', async () => {
    const { maskQuotedValues } = await import('../../src/models/build.js');
    const masked = maskQuotedValues(`Conversion Error: Could not convert string 'alice@example.com' to INT32`);
    expect(masked).toBe(`Conversion Error: Could not convert string '[value]' to INT32`);
    expect(masked).not.toContain('alice');
  });
});
