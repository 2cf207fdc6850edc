import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { destinationTypes } from '../../src/destinations/registry.js';
import { writeProject } from '../support/project-fixture.js';

const destinationSchemas = new Map(
  [...destinationTypes].map(([name, type]) => [name, { accountSchema: type.accountSchema, syncSchema: type.syncSchema }]),
);

/** Loads a project that must be invalid and returns its ConfigError. */
async function loadError(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const dir = await writeProject(files);
  const error = await loadProject(dir, { env, destinationSchemas }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

function where(issue: ConfigIssue): string {
  return `${issue.file} | ${issue.path}`;
}

const validSync = (model: string, extra = '') =>
  `model: ${model}\ndestination: out\nmode: upsert\nmapping: { id: id }\n${extra}`;

/** One project with one or two mistakes in each of many files. */
const brokenProject: Record<string, string> = {
  'sluice.yml': `name: broken
warehouse: { type: duckdb, threads: many }
state: { type: sqlit }
colour: blue
destinations:
  exports: { type: file }
  crm: { type: salesforce }
  out: { type: file, directory: out }
`,
  'models/customers.sql': 'SELECT 1 AS id',
  'models/customers.yml': 'primary_key: id\nmaterialized: tabel\n',
  'models/orders.sql': 'SELECT 1 AS id',
  'models/contacts.sql': 'SELECT 1 AS id',
  'models/contacts.yml': 'primary_key: id\n',
  'models/bad-name.sql': 'SELECT 1 AS id',
  'models/empty.sql': '-- to be written\n/* later */\n',
  'syncs/unknown_model.yml': validSync('contact'),
  'syncs/unknown_destination.yml': 'model: contacts\ndestination: nowhere\nmode: upsert\nmapping: { id: id }\n',
  'syncs/bad_options.yml': validSync('contacts', 'destination_options: { format: xml, compress: true }\n'),
  'syncs/bad_file_template.yml': validSync('contacts', "destination_options: { file: 'latest.csv' }\n"),
  'syncs/no_primary_key.yml': validSync('orders'),
  'syncs/bad_fields.yml': 'model: contacts\ndestination: out\nmode: sideways\nbatch_size: ten\nmapping: { id: id }\n',
  'syncs/missing_mode.yml': 'model: contacts\ndestination: out\nmapping: { id: id }\n',
  'syncs/bad_model_name.yml': validSync('"contacts view"'),
  'syncs/syntax_error.yml': 'model: contacts\nmapping: { id: id\n',
  'syncs/uses_invalid_model.yml': validSync('customers'),
  'syncs/bad-name.yml': validSync('contacts'),
};

/** Expected issues: file, dotted path, and patterns the message must match. */
const expectedIssues: [file: string, path: string, message: RegExp[]][] = [
  ['sluice.yml', 'warehouse.threads', [/expected number, got "many"/]],
  ['sluice.yml', 'state.type', [/"sqlit" is not supported/, /use one of "sqlite", "postgres"/]],
  ['sluice.yml', 'colour', [/unknown field/, /remove it or check its spelling/]],
  ['sluice.yml', 'destinations.exports.directory', [/missing/, /add this field/]],
  ['sluice.yml', 'destinations.crm.type', [/"salesforce" is not a supported destination type/, /use one of file, webhook, postgres/]],
  ['models/bad-name.sql', '', [/must be identifiers/, /rename the file/]],
  ['models/empty.sql', '', [/has no SQL, only blanks or comments/, /write one SELECT/]],
  ['models/customers.yml', 'materialized', [/"tabel" is not valid/, /use one of "table", "view"/]],
  ['syncs/bad-name.yml', '', [/must be identifiers/, /rename the file/]],
  ['syncs/unknown_model.yml', 'model', [/model "contact" not found/, /known models: contacts, customers, empty, orders/]],
  ['syncs/unknown_destination.yml', 'destination', [/destination "nowhere" is not defined/, /defined: exports, crm, out/]],
  ['syncs/bad_options.yml', 'destination_options.format', [/"xml" is not valid/, /use one of "jsonl", "csv"/]],
  ['syncs/bad_options.yml', 'destination_options.compress', [/unknown field/, /remove it/]],
  ['syncs/bad_file_template.yml', 'destination_options.file', [/must contain \{run_id\}/, /got "latest.csv"/]],
  ['syncs/no_primary_key.yml', 'primary_key', [/no primary key/, /set primary_key here or in models\/orders.yml/]],
  ['syncs/bad_fields.yml', 'mode', [/"sideways" is not valid/, /use one of "upsert", "update", "insert", "mirror", "audience", "trigger"/]],
  ['syncs/bad_fields.yml', 'batch_size', [/expected number, got "ten"/]],
  ['syncs/missing_mode.yml', 'mode', [/missing/, /add this field with one of "upsert"/]],
  ['syncs/bad_model_name.yml', 'model', [/must start with a letter or underscore/, /got "contacts view"/]],
  ['syncs/syntax_error.yml', 'line 3:1', [/fix the YAML syntax/]],
];

describe('loadProject with many mistakes', () => {
  it('reports every mistake in one ConfigError', async () => {
    const error = await loadError(brokenProject);

    const actual = error.issues.map(where).sort();
    const expected = expectedIssues.map(([file, path]) => `${file} | ${path}`).sort();
    expect(actual).toEqual(expected);
    expect(error.code).toBe('config_invalid');
    expect(error.message.split('\n')[0]).toBe(`Invalid configuration (${expectedIssues.length} problems):`);
  });

  it.each(expectedIssues)('%s at "%s" shows the value and the fix', async (file, path, patterns) => {
    const error = await loadError(brokenProject);
    const issue = error.issues.find((candidate) => candidate.file === file && candidate.path === path);

    expect(issue, `no issue for ${file} ${path}`).toBeDefined();
    for (const pattern of patterns) expect(issue!.message).toMatch(pattern);
    const line = path ? `${file}: ${path}: ${issue!.message}` : `${file}: ${issue!.message}`;
    expect(error.message).toContain(line);
  });

  it('keeps a model with invalid settings known', async () => {
    const error = await loadError(brokenProject);
    const issues = error.issues.filter((issue) => issue.file === 'syncs/uses_invalid_model.yml');
    expect(issues).toEqual([]);
  });

  it('checks syncs despite a broken sluice.yml', async () => {
    const error = await loadError({
      'sluice.yml': 'name: broken\nwarehouse: { type: duckdb\n',
      'models/orders.sql': 'SELECT 1 AS id',
      'syncs/orders.yml': validSync('order'),
    });

    expect(error.issues.map(where)).toEqual(['sluice.yml | line 3:1', 'syncs/orders.yml | model']);
    expect(error.issues[1]!.message).toMatch(/model "order" not found in models\/; known models: orders/);
  });

  it('reports a missing sluice.yml', async () => {
    const dir = await writeProject({ 'models/orders.sql': 'SELECT 1 AS id' });
    const error = await loadProject(dir, { env: {} }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    const [issue] = (error as ConfigError).issues;
    expect(issue!.file).toBe('sluice.yml');
    expect(issue!.message).toContain(dir);
    expect(issue!.message).toMatch(/pass --project DIR/);
  });
});

describe('loadProject field messages', () => {
  it.each([
    ['vars: { "bad-var": 1 }', 'vars.bad-var', /name "bad-var" is invalid: must start with a letter.*; rename it/],
    ['vars: { list: [1] }', 'vars.list', /expected string or number or boolean, got \[1\]/],
    ['sources: { raw: { tables: { t: { table: x, file: y.csv } } } }', 'sources.raw.tables.t', /set exactly one of `table`.*got \{"table":"x","file":"y.csv"\}/],
    ['warehouse: { type: redshift }', 'warehouse.type', /"redshift" is not supported; use one of "duckdb", "snowflake"/],
    ['defaults: { guards: { max_removal_share: 2 } }', 'defaults.guards.max_removal_share', /got 2/],
    ['warehouse: { type: duckdb, sync_memory_limit: lots }', 'warehouse.sync_memory_limit', /use a size such as 512MB or 2GB.*got "lots"/],
  ])('%s is reported at %s', async (line, path, pattern) => {
    const project = line.startsWith('warehouse:')
      ? `name: fields\n${line}\n`
      : `name: fields\nwarehouse: { type: duckdb }\n${line}\n`;
    const error = await loadError({ 'sluice.yml': project });

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe(path);
    expect(error.issues[0]!.message).toMatch(pattern);
  });

  it('names both forms of a mapping entry', async () => {
    const error = await loadError({
      'sluice.yml': 'name: fields\nwarehouse: { type: duckdb }\ndestinations: { out: { type: file, directory: out } }\n',
      'models/m.sql': 'SELECT 1 AS id',
      'syncs/s.yml': 'model: m\ndestination: out\nmode: upsert\nprimary_key: id\nmapping: { id: 5 }\n',
    });

    expect(error.issues.map(where)).toEqual(['syncs/s.yml | mapping.id']);
    expect(error.issues[0]!.message).toMatch(/use a model column name, or \{from: column, on_null: skip\|clear\}/);
  });
});

describe('loadProject with a valid project', () => {
  it('fills defaults and the model key', async () => {
    const dir = await writeProject({
      'sluice.yml': 'name: valid\nwarehouse: { type: duckdb }\ndefaults: { timezone: Europe/London }\ndestinations: { out: { type: file, directory: out } }\n',
      'models/contacts.sql': 'SELECT 1 AS id, 2 AS account_id, NULL AS email',
      'models/contacts.yml': 'primary_key: [id, account_id]\npii: [email]\n',
      'syncs/contacts.yml':
        'model: contacts\ndestination: out\nmode: mirror\nschedule: "0 * * * *"\nmapping:\n  Email: email\n  Account: { from: account_id, on_null: clear }\n',
    });
    const project = await loadProject(dir, { env: {}, destinationSchemas });

    expect(project.config.warehouse).toMatchObject({ type: 'duckdb', schema: 'analytics', internal_schema: 'sluice' });
    expect(project.config.state).toEqual({ type: 'sqlite', path: '.sluice/state.sqlite' });
    const sync = project.syncs.get('contacts')!;
    expect(sync.primaryKey).toEqual(['id', 'account_id']);
    expect(sync.fields).toEqual([
      { name: 'Email', column: 'email', onNull: 'skip' },
      { name: 'Account', column: 'account_id', onNull: 'clear' },
    ]);
    expect(sync.schedule).toEqual({ cron: '0 * * * *', timezone: 'Europe/London' });
    expect(project.models.get('contacts')!.settings.pii).toEqual(['email']);
    expect(project.models.get('contacts')!.settingsFile).toBe('models/contacts.yml');
  });
});

describe('loadProject with an identity model', () => {
  const identityYaml = `identity:
  name: people
  inputs:
    - name: crm
      relation: { model: contacts }
      timestamp: seen_at
      identifiers: { email: email }
`;
  const project = (syncModel: string) => ({
    'sluice.yml': `name: valid\nwarehouse: { type: duckdb }\ndestinations: { out: { type: file, directory: out } }\n${identityYaml}`,
    'models/contacts.sql': "SELECT 1 AS id, 'a@example.com' AS email, TIMESTAMP '2024-01-01' AS seen_at",
    'models/contacts.yml': 'primary_key: id\n',
    'syncs/people.yml': `model: ${syncModel}\ndestination: out\nmode: upsert\nprimary_key: profile_id\nmapping: { id: profile_id }\n`,
  });

  it('accepts a sync of the profiles table', async () => {
    const loaded = await loadProject(await writeProject(project('profiles')), { env: {}, destinationSchemas });
    expect(loaded.syncs.get('people')!.config.model).toBe('profiles');
  });

  it('lists the identity tables among the known models', async () => {
    const error = await loadError(project('profile'));
    expect(error.issues.map(where)).toEqual(['syncs/people.yml | model']);
    expect(error.issues[0]!.message).toContain('known models: contacts, identity_graph, profile_merges, profiles');
  });
});
