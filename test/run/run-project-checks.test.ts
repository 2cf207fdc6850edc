import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { CUSTOMERS_MODEL, customersCsv } from '../e2e/e2e-fixture.js';
import { openTestContext, writeFiles, writeProject } from '../support/project-fixture.js';

type TestContext = Awaited<ReturnType<typeof openTestContext>>;

let context: TestContext | undefined;

afterEach(async () => {
  await context?.close();
  context = undefined;
});

/** Opens a project whose one sync, `contacts`, writes the `customers` model to files. */
async function openFileProject(files: Record<string, string> = {}): Promise<TestContext> {
  const dir = await writeProject({
    'sluice.yml': `name: run_checks
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  exports: { type: file, directory: out }
`,
    'data/customers.csv': customersCsv(3),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'primary_key: id\n',
    'syncs/contacts.yml': 'model: customers\ndestination: exports\nmode: upsert\nmapping: { email: email }\n',
  });
  await writeFiles(dir, files);
  context = await openTestContext(dir);
  return context;
}

describe('runProject checks before recording', () => {
  it('rejects unknown --select names', async () => {
    const opened = await openFileProject();
    const run = runProject(opened, { ...defaultRunOptions, select: ['contacts', 'nosuch', 'other'] });

    await expect(run).rejects.toMatchObject({
      code: 'selection_invalid',
      message: 'No sync or model named "nosuch", "other"; syncs: contacts; models: customers',
    });
    expect(await opened.store.listRuns(10)).toEqual([]);
  });

  it('rejects an invalid model template', async () => {
    const opened = await openFileProject({ 'models/customers.sql': 'SELECT * FROM {{ref "nosuch"}}' });
    const run = runProject(opened, defaultRunOptions);

    await expect(run).rejects.toMatchObject({ code: 'model_invalid' });
    expect(await opened.store.listRuns(10)).toEqual([]);
  });

  it('records a run selecting a model', async () => {
    const opened = await openFileProject();
    const summary = await runProject(opened, { ...defaultRunOptions, select: ['customers'] });

    expect(summary.status).toBe('success');
    expect(summary.syncs.map((sync) => sync.name)).toEqual(['contacts']);
    expect(await opened.store.listRuns(10)).toHaveLength(1);
  });
});
