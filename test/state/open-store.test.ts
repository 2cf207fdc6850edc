import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StateError } from '../../src/core/errors.js';
import { openStateStore } from '../../src/state/open-store.js';
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  postgresSuiteTitle,
  runAsSuperuser,
  withClient,
} from '../support/postgres.js';

const STATE_TABLES = [
  'sluice_ledger',
  'sluice_locks',
  'sluice_migrations',
  'sluice_migrations_lock',
  'sluice_model_runs',
  'sluice_rejections',
  'sluice_runs',
  'sluice_suppressions',
  'sluice_sync_runs',
];

describe('openStateStore on SQLite', () => {
  let projectDir: string;

  beforeEach(async () => {
    projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-open-'));
  });

  afterEach(() => rm(projectDir, { recursive: true, force: true }));

  function tableNames(file: string): string[] {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db
        .prepare("select name from sqlite_master where type = 'table' order by name")
        .all() as { name: string }[];
      return rows.map((row) => row.name).filter((name) => !name.startsWith('sqlite_'));
    } finally {
      db.close();
    }
  }

  it('creates the folder of a relative path', async () => {
    const config = { type: 'sqlite', path: 'nested/folder/state.sqlite' } as const;

    const store = await openStateStore(config, projectDir);
    await store.close();

    expect(tableNames(path.join(projectDir, config.path))).toEqual(STATE_TABLES);
  });

  it('accepts an absolute path', async () => {
    const file = path.join(projectDir, 'absolute', 'state.sqlite');

    const store = await openStateStore({ type: 'sqlite', path: file }, '/nonexistent-project');
    await store.close();

    expect(tableNames(file)).toEqual(STATE_TABLES);
  });

  it('leaves the file in WAL mode', async () => {
    const store = await openStateStore({ type: 'sqlite', path: 'state.sqlite' }, projectDir);
    await store.close();

    const db = new Database(path.join(projectDir, 'state.sqlite'));
    const mode = db.pragma('journal_mode', { simple: true });
    db.close();
    expect(mode).toBe('wal');
  });

  it('skips the migration when asked', async () => {
    const config = { type: 'sqlite', path: 'state.sqlite' } as const;

    const store = await openStateStore(config, projectDir, { migrate: false });
    const listing = store.listRuns(1);

    await expect(listing).rejects.toThrow(/no such table: sluice_runs/);
    await store.close();
  });

  it('reports a folder it cannot create', async () => {
    await writeFile(path.join(projectDir, 'blocker'), 'a file, not a folder');

    const opening = openStateStore({ type: 'sqlite', path: 'blocker/state.sqlite' }, projectDir);

    await expect(opening).rejects.toBeInstanceOf(StateError);
    await expect(opening).rejects.toThrow(/Failed to create the folder .*blocker/);
  });
});

describe.skipIf(!postgresAvailable())(postgresSuiteTitle('openStateStore on Postgres'), () => {
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase('open_store');
  });

  afterAll(() => dropTestDatabase(url));

  async function tablesIn(schema: string): Promise<string[]> {
    return withClient(url, async (client) => {
      const result = await client.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by 1',
        [schema],
      );
      return result.rows.map((row) => row.table_name);
    });
  }

  it('creates the configured schema and its tables', async () => {
    const store = await openStateStore({ type: 'postgres', url, schema: 'custom_state' }, '.');
    await store.close();

    expect(await tablesIn('custom_state')).toEqual(STATE_TABLES);
  });

  it('stores counts as integers and timestamps and JSON as text', async () => {
    const store = await openStateStore({ type: 'postgres', url, schema: 'typed_state' }, '.');
    await store.close();

    const types = await withClient(url, async (client) => {
      const result = await client.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns
         where table_schema = 'typed_state' and table_name in ('sluice_runs', 'sluice_sync_runs')`,
      );
      return new Map(result.rows.map((row) => [row.column_name, row.data_type]));
    });
    expect(types.get('added')).toBe('bigint');
    expect(types.get('started_at')).toBe('text');
    expect(types.get('options')).toBe('text');
  });

  it('uses an existing schema without the database CREATE privilege', async () => {
    const role = `limited_${Date.now()}`;
    await runAsSuperuser(`create role ${role} login password 'limited-password'`);
    await withClient(url, (client) => client.query(`create schema owned authorization ${role}`));
    const limitedUrl = new URL(url);
    limitedUrl.username = role;
    limitedUrl.password = 'limited-password';

    const config = { type: 'postgres', url: limitedUrl.toString(), schema: 'owned' } as const;
    const store = await openStateStore(config, '.');
    await store.createRun({
      id: 'run-1',
      trigger: 'manual',
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
      options: {},
    });
    await store.close();

    expect(await tablesIn('owned')).toEqual(STATE_TABLES);
  });

  it('keeps the URL and password out of error messages', async () => {
    const wrongUrl = new URL(url);
    wrongUrl.password = 'wrong-secret-password';

    const opening = openStateStore(
      { type: 'postgres', url: wrongUrl.toString(), schema: 'public' },
      '.',
    );
    const error = await opening.catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StateError);
    const message = (error as StateError).message;
    expect(message).toMatch(/^Failed to migrate the tables in the state store \(Postgres database/);
    expect(message).toMatch(/password authentication failed/);
    expect(message).not.toContain('wrong-secret-password');
    expect(message).not.toContain(wrongUrl.toString());
  });
});
