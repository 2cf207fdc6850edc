import { describe, expect, it } from 'vitest';
import type { Project } from '../../src/config/project.js';
import { compile, loadModels, projectFile, versions } from './model-fixture.js';

/**
 * A chain `stg -> profiles -> audience` plus `other`, which depends on nothing. The staging
 * model reads a local CSV file through a source.
 */
const chainModels = {
  stg: 'SELECT * FROM {{source "shop" "customers"}}',
  profiles: 'SELECT id, lower(email) AS email FROM {{ref "stg"}}',
  audience: 'SELECT id FROM {{ref "profiles"}} WHERE id > {{var "min_id"}}',
  other: 'SELECT 1 AS id',
};

const chainFiles = {
  'sluice.yml': projectFile(
    'vars: { min_id: 1 }\nsources:\n  shop: { tables: { customers: { file: data/customers.csv } } }\n',
  ),
  'models/profiles.yml': 'primary_key: id\npii: [email]\n',
  'data/customers.csv': 'id,email\n1,a@example.com\n',
};

async function chainVersions(edit: (project: Project) => void = () => {}): Promise<Record<string, string>> {
  const project = await loadModels(chainModels, chainFiles);
  edit(project);
  return versions(compile(project));
}

/** Names of the models whose version differs between two compilations. */
function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before)
    .filter((name) => before[name] !== after[name])
    .sort();
}

describe('model versions', () => {
  it('are stable for identical input', async () => {
    const project = await loadModels(chainModels, chainFiles);
    const first = versions(compile(project));

    expect(versions(compile(project))).toEqual(first);
    expect(await chainVersions()).toEqual(first);
    for (const version of Object.values(first)) expect(version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('match across project folders', async () => {
    const first = await loadModels(chainModels, chainFiles);
    const second = await loadModels(chainModels, chainFiles);
    expect(first.dir).not.toBe(second.dir);

    const stg = compile(first).find((model) => model.name === 'stg')!;
    expect(stg.sql).toBe(`SELECT * FROM read_csv('data/customers.csv', header = true)`);
    expect(stg.sql).not.toContain(first.dir);
    expect(versions(compile(first))).toEqual(versions(compile(second)));
  });

  it('change downstream of changed SQL', async () => {
    const before = await chainVersions();
    const after = await chainVersions((project) => {
      project.models.get('stg')!.sql += ' WHERE id IS NOT NULL';
    });
    expect(changed(before, after)).toEqual(['audience', 'profiles', 'stg']);
  });

  it('leave upstream models unchanged', async () => {
    const before = await chainVersions();
    const after = await chainVersions((project) => {
      project.models.get('profiles')!.sql = project.models.get('profiles')!.sql.replace('lower', 'upper');
    });
    expect(changed(before, after)).toEqual(['audience', 'profiles']);
  });

  it('change when the settings change', async () => {
    const before = await chainVersions();
    const after = await chainVersions((project) => {
      project.models.get('profiles')!.settings.pii = [];
    });
    expect(changed(before, after)).toEqual(['audience', 'profiles']);
  });

  it('change when a var changes', async () => {
    const project = await loadModels(chainModels, chainFiles);
    const before = versions(compile(project, { min_id: 1 }));
    const after = versions(compile(project, { min_id: 2 }));
    expect(changed(before, after)).toEqual(['audience']);
  });

  it('change when the source file path changes', async () => {
    const before = await chainVersions();
    const after = await chainVersions((project) => {
      project.config.sources.shop!.tables.customers = { file: 'data/customers_v2.csv' };
    });
    expect(changed(before, after)).toEqual(['audience', 'profiles', 'stg']);
  });
});
