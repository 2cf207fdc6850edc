import { describe, expect, it } from 'vitest';
import { IDENTIFIER_PATTERN } from '../../src/config/identifiers.js';
import { loadProject } from '../../src/config/load-project.js';
import { ConfigError } from '../../src/core/errors.js';
import { writeProject } from '../support/project-fixture.js';

const projectFile = 'name: names\nwarehouse: { type: duckdb }\ndestinations: { out: { type: file, directory: out } }\n';

const goodNames = ['a', '_private', 'Contacts_2024', 'x'.repeat(128)];
const badNames = ['1st', 'bad-name', 'has space', 'naïve', 'a.b', 'x'.repeat(129)];

describe('identifier rule', () => {
  it.each(goodNames)('accepts %s', (name) => {
    expect(IDENTIFIER_PATTERN.test(name)).toBe(true);
  });

  it.each(badNames)('rejects %s', (name) => {
    expect(IDENTIFIER_PATTERN.test(name)).toBe(false);
  });
});

describe('model and sync file names', () => {
  it('rejects model files with bad names', async () => {
    const files: Record<string, string> = { 'sluice.yml': projectFile };
    for (const name of [...badNames, ...goodNames]) files[`models/${name}.sql`] = 'SELECT 1 AS id';
    const dir = await writeProject(files);
    const error = await loadProject(dir, { env: {} }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((issue) => issue.file).sort()).toEqual(badNames.map((name) => `models/${name}.sql`).sort());
    for (const issue of issues) {
      expect(issue.path).toBe('');
      expect(issue.message).toMatch(/model file names must be identifiers.*; rename the file/);
    }
  });

  it('rejects sync files with bad names', async () => {
    const files: Record<string, string> = { 'sluice.yml': projectFile, 'models/m.sql': 'SELECT 1 AS id' };
    const sync = 'model: m\ndestination: out\nmode: upsert\nprimary_key: id\nmapping: { id: id }\n';
    for (const name of badNames) files[`syncs/${name}.yml`] = sync;
    files['syncs/good_sync.yaml'] = sync;
    const dir = await writeProject(files);
    const error = await loadProject(dir, { env: {} }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((issue) => issue.file).sort()).toEqual(badNames.map((name) => `syncs/${name}.yml`).sort());
    for (const issue of issues) expect(issue.message).toMatch(/sync file names must be identifiers.*; rename the file/);
  });

  it('loads identifier names and .yaml files', async () => {
    const dir = await writeProject({
      'sluice.yml': projectFile,
      'models/Contacts_2024.sql': 'SELECT 1 AS id',
      'models/Contacts_2024.yaml': 'primary_key: id\n',
      'syncs/_first.yaml': 'model: Contacts_2024\ndestination: out\nmode: upsert\nmapping: { id: id }\n',
    });
    const project = await loadProject(dir, { env: {} });

    expect([...project.models.keys()]).toEqual(['Contacts_2024']);
    expect(project.models.get('Contacts_2024')!.settingsFile).toBe('models/Contacts_2024.yaml');
    expect(project.syncs.get('_first')!.primaryKey).toEqual(['id']);
  });
});
