import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import knex, { type Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StateConfig } from '../../src/config/schema.js';
import { StateError } from '../../src/core/errors.js';
import { REDACTED } from '../../src/core/redact.js';
import { KnexSuppressionList } from '../../src/state/knex-suppression-list.js';
import {
  MIGRATIONS_TABLE,
  STATE_TABLES,
  StateMigrationSource,
} from '../../src/state/migrations.js';
import { openStateStore } from '../../src/state/open-store.js';
import type { StateStore } from '../../src/state/store.js';
import { applyInboundReplies } from '../../src/suppression/inbound-replies.js';
import { MemorySuppressionList } from '../../src/suppression/memory-suppression-list.js';
import type {
  SuppressionEntry,
  SuppressionList,
} from '../../src/suppression/suppression-list.js';
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  postgresSuiteTitle,
} from '../support/postgres.js';

const SENDER = '+12025550100';
const OTHER_SENDER = '+12025550199';
const PERSON = '+12025550164';
const NOW = '2026-03-01T10:00:00.000Z';

interface StoreTarget {
  config: StateConfig;
  projectDir: string;
}

/** A database that the tests run against. Each test gets a fresh, empty target. */
interface Backend {
  title: string;
  available: boolean;
  setUp(): Promise<void>;
  createTarget(): Promise<StoreTarget>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let root = '';
  let count = 0;
  return {
    title: 'suppression list on SQLite',
    available: true,
    async setUp() {
      root = await mkdtemp(path.join(os.tmpdir(), 'sluice-suppressions-'));
    },
    async createTarget() {
      count += 1;
      const projectDir = path.join(root, `project-${count}`);
      return { config: { type: 'sqlite', path: '.sluice/state.sqlite' }, projectDir };
    },
    async tearDown() {
      if (root !== '') await rm(root, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  let url = '';
  let count = 0;
  return {
    title: postgresSuiteTitle('suppression list on Postgres'),
    available: postgresAvailable(),
    async setUp() {
      url = await createTestDatabase('suppressions');
    },
    async createTarget() {
      count += 1;
      const config: StateConfig = { type: 'postgres', url, schema: `suppressions_${count}` };
      return { config, projectDir: os.tmpdir() };
    },
    async tearDown() {
      if (url !== '') await dropTestDatabase(url);
    },
  };
}

/** Opens a plain knex connection to a target, to set up or inspect tables behind the store. */
async function connect(target: StoreTarget): Promise<Knex> {
  if (target.config.type === 'sqlite') {
    const filename = path.resolve(target.projectDir, target.config.path);
    await mkdir(path.dirname(filename), { recursive: true });
    return knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  }
  return knex({ client: 'pg', connection: target.config.url, pool: { min: 0, max: 2 } });
}

function schemaOf(target: StoreTarget): string | undefined {
  return target.config.type === 'postgres' ? target.config.schema : undefined;
}

function table(db: Knex, target: StoreTarget): Knex.QueryBuilder {
  const schema = schemaOf(target);
  const query = db(STATE_TABLES.suppressions);
  return schema === undefined ? query : query.withSchema(schema);
}

async function appliedMigrations(db: Knex, target: StoreTarget): Promise<string[]> {
  const schema = schemaOf(target);
  const query = db<{ name: string }>(MIGRATIONS_TABLE).orderBy('id');
  const rows = await (schema === undefined ? query : query.withSchema(schema));
  return rows.map((row) => row.name);
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OPEN_STORE_MODULE = new URL('../../src/state/open-store.ts', import.meta.url).href;

/**
 * Child process for the cross-process test, run with tsx. Opens the store, prints `ready`,
 * waits for `go` on stdin, then adds each entry in its own call and all of them in one call.
 * The one argument is `{ config, projectDir, entries }` as JSON.
 */
const ADDER_SCRIPT = `
  import { createInterface } from 'node:readline';
  const { openStateStore } = await import(${JSON.stringify(OPEN_STORE_MODULE)});
  const input = JSON.parse(process.argv[1]);
  const store = await openStateStore(input.config, input.projectDir);
  process.stdout.write('ready\\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'go') break;
  }
  for (const entry of input.entries) await store.suppressions.add([entry]);
  await store.suppressions.add(input.entries);
  await store.close();
`;

/**
 * Starts one process per adder, waits until every process has opened the store, then lets all
 * of them add the same entries at once. Resolves when every process has finished, and rejects
 * with its stderr when one fails.
 */
async function raceToAdd(
  target: StoreTarget,
  adders: number,
  entries: SuppressionEntry[],
): Promise<void> {
  const input = JSON.stringify({ ...target, entries });
  const args = ['--import', 'tsx', '--input-type=module', '--eval', ADDER_SCRIPT, input];
  const children = Array.from({ length: adders }, () =>
    spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
  );

  const runs = children.map((child, index) => {
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderr += text));
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
      });
    });
    const exited = new Promise<void>((resolve, reject) => {
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`adder ${index} exited with code ${code}:\n${stderr}`));
      });
    });
    return { ready, exited };
  });

  try {
    await Promise.race([
      Promise.all(runs.map((run) => run.ready)),
      Promise.all(runs.map((run) => run.exited)),
    ]);
  } finally {
    // Also releases the other processes when one failed to start, so that none is left waiting.
    for (const child of children) child.stdin.end('go\n');
  }
  await Promise.all(runs.map((run) => run.exited));
}

function entry(overrides: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    channel: 'sms',
    address: PERSON,
    sender: null,
    reason: 'test',
    source: 'manual',
    createdAt: NOW,
    ...overrides,
  };
}

/** A way to create an empty suppression list, for the contract tests below. */
interface ListFactory {
  title: string;
  available: boolean;
  setUp(): Promise<void>;
  create(): Promise<SuppressionList>;
  cleanUp(): Promise<void>;
  tearDown(): Promise<void>;
}

function memoryFactory(): ListFactory {
  return {
    title: 'contract, MemorySuppressionList',
    available: true,
    async setUp() {},
    async create() {
      return new MemorySuppressionList();
    },
    async cleanUp() {},
    async tearDown() {},
  };
}

function storeFactory(backend: Backend): ListFactory {
  let store: StateStore | undefined;
  return {
    title: `contract, ${backend.title}`,
    available: backend.available,
    setUp: () => backend.setUp(),
    async create() {
      const target = await backend.createTarget();
      store = await openStateStore(target.config, target.projectDir);
      return store.suppressions;
    },
    async cleanUp() {
      await store?.close();
      store = undefined;
    },
    tearDown: () => backend.tearDown(),
  };
}

/*
 * Behaviour that every SuppressionList must have. MemorySuppressionList runs these tests too,
 * so both implementations are held to the same expectations.
 */
for (const factory of [
  memoryFactory(),
  storeFactory(sqliteBackend()),
  storeFactory(postgresBackend()),
]) {
  describe.skipIf(!factory.available)(factory.title, () => {
    let list: SuppressionList;

    beforeAll(() => factory.setUp());
    afterAll(() => factory.tearDown());

    beforeEach(async () => {
      list = await factory.create();
    });

    afterEach(() => factory.cleanUp());

    it('suppresses every sender for a NULL sender', async () => {
      await list.add([entry()]);

      expect(await list.isSuppressed('sms', PERSON, SENDER)).toBe(true);
      expect(await list.isSuppressed('sms', PERSON, OTHER_SENDER)).toBe(true);
      expect(await list.isSuppressed('sms', PERSON)).toBe(true);
      expect(await list.isSuppressed('sms', '+12025550165', SENDER)).toBe(false);
    });

    it('suppresses a per-sender entry for that sender only', async () => {
      await list.add([entry({ sender: SENDER, source: 'destination_error' })]);

      expect(await list.isSuppressed('sms', PERSON, SENDER)).toBe(true);
      expect(await list.isSuppressed('sms', PERSON, OTHER_SENDER)).toBe(false);
      expect(await list.isSuppressed('sms', PERSON)).toBe(false);
      expect(await list.isSuppressed('email', PERSON, SENDER)).toBe(false);
    });

    it('keeps channels independent', async () => {
      await list.add([
        entry({ channel: 'sms', address: PERSON }),
        entry({ channel: 'email', address: 'ana.reyes@example.com' }),
      ]);

      expect(await list.isSuppressed('email', PERSON)).toBe(false);
      expect(await list.isSuppressed('sms', 'ana.reyes@example.com')).toBe(false);
      expect(await list.isSuppressed('email', 'ana.reyes@example.com')).toBe(true);
      expect(await list.isSuppressed('sms', PERSON)).toBe(true);
    });

    it('keeps SMS entries out of email', async () => {
      await list.add([entry({ channel: 'sms', address: 'bo@example.com' })]);

      expect(await list.isSuppressed('email', 'bo@example.com')).toBe(false);
      expect(await list.isSuppressed('sms', 'bo@example.com')).toBe(true);
    });

    it('normalises email case and whitespace', async () => {
      await list.add([entry({ channel: 'email', address: '  Ana.Reyes@Example.COM \n' })]);

      expect(await list.isSuppressed('email', 'ana.reyes@example.com')).toBe(true);
      expect(await list.isSuppressed('email', 'ANA.REYES@EXAMPLE.COM')).toBe(true);
      expect(await list.isSuppressed('email', ' ana.reyes@example.com ')).toBe(true);
      expect(await list.list()).toEqual([
        entry({ channel: 'email', address: 'ana.reyes@example.com' }),
      ]);
    });

    it('normalises phone formats to E.164', async () => {
      await list.add([entry({ address: '+1 (202) 555-0164', sender: '+1 202 555 0100' })]);

      for (const written of ['+12025550164', '+1 202-555-0164', ' +1 (202) 555 0164 ']) {
        expect(await list.isSuppressed('sms', written, SENDER), written).toBe(true);
      }
      expect(await list.isSuppressed('sms', PERSON, '+1 (202) 555-0100')).toBe(true);
      expect(await list.list()).toEqual([entry({ address: PERSON, sender: SENDER })]);
    });

    it('keeps the first entry for a repeated NULL sender', async () => {
      await list.add([entry({ reason: 'first' })]);
      await list.add([entry({ reason: 'second', source: 'inbound_reply' })]);
      await list.add([entry({ address: '+1 202 555 0164', reason: 'third' })]);

      expect(await list.list()).toEqual([entry({ reason: 'first' })]);
    });

    it('keeps the first entry for a repeated sender', async () => {
      await list.add([entry({ sender: SENDER, reason: 'first' })]);
      await list.add([entry({ sender: '+1 202 555 0100', reason: 'second' })]);

      expect(await list.list()).toEqual([entry({ sender: SENDER, reason: 'first' })]);
    });

    it('keeps the first duplicate in one call', async () => {
      await list.add([entry({ reason: 'first' }), entry({ reason: 'second' })]);

      expect(await list.list()).toEqual([entry({ reason: 'first' })]);
    });

    it('stores every-sender and per-sender entries', async () => {
      await list.add([entry({ sender: SENDER }), entry(), entry({ sender: OTHER_SENDER })]);

      const senders = (await list.list()).map((item) => item.sender);
      expect(senders).toEqual([SENDER, null, OTHER_SENDER]);
    });

    it('lists oldest first, then in insertion order', async () => {
      await list.add([
        entry({ address: '+12025550172', createdAt: '2026-03-02T00:00:00.000Z' }),
        entry({ address: '+12025550171', createdAt: '2026-03-01T00:00:00.000Z' }),
        entry({ address: '+12025550170', createdAt: '2026-03-01T00:00:00.000Z' }),
      ]);
      await list.add([entry({ address: '+12025550169', createdAt: '2026-02-28T00:00:00.000Z' })]);

      const addresses = (await list.list()).map((item) => item.address);
      expect(addresses).toEqual(['+12025550169', '+12025550171', '+12025550170', '+12025550172']);
    });

    it('filters the list by channel and address', async () => {
      await list.add([
        entry({ address: '+12025550170' }),
        entry({ address: '+12025550171' }),
        entry({ address: '+12025550171', sender: SENDER }),
        entry({ channel: 'email', address: 'bo@example.com' }),
      ]);

      const sms = await list.list({ channel: 'sms' });
      const email = await list.list({ channel: 'email' });
      const byAddress = await list.list({ address: '+1 202 555 0171' });
      const byBoth = await list.list({ channel: 'email', address: ' BO@example.com' });
      const wrongChannel = await list.list({ channel: 'sms', address: 'bo@example.com' });

      expect(sms.map((item) => item.address)).toEqual([
        '+12025550170',
        '+12025550171',
        '+12025550171',
      ]);
      expect(email.map((item) => item.address)).toEqual(['bo@example.com']);
      expect(byAddress.map((item) => item.sender)).toEqual([null, SENDER]);
      expect(byBoth.map((item) => item.address)).toEqual(['bo@example.com']);
      expect(wrongChannel).toEqual([]);
    });

    it('removes only entries from the given sources', async () => {
      await list.add([entry({ source: 'manual' })]);
      const removal = { channel: 'sms', address: PERSON, sender: null } as const;

      expect(await list.remove({ ...removal, sources: ['inbound_reply'] })).toBe(0);
      expect(await list.remove({ ...removal, sources: [] })).toBe(0);
      expect(await list.isSuppressed('sms', PERSON)).toBe(true);

      expect(await list.remove({ ...removal, sources: ['inbound_reply', 'manual'] })).toBe(1);
      expect(await list.list()).toEqual([]);
    });

    it('removes every source when sources is undefined', async () => {
      await list.add([entry({ source: 'erasure_request' })]);

      expect(await list.remove({ channel: 'sms', address: PERSON, sender: null })).toBe(1);
      expect(await list.isSuppressed('sms', PERSON)).toBe(false);
    });

    it('removes the given sender only', async () => {
      await list.add([entry(), entry({ sender: SENDER }), entry({ sender: OTHER_SENDER })]);

      const removed = await list.remove({
        channel: 'sms',
        address: '+1 (202) 555-0164',
        sender: '+1 202 555 0100',
      });

      expect(removed).toBe(1);
      expect((await list.list()).map((item) => item.sender)).toEqual([null, OTHER_SENDER]);
      expect(await list.remove({ channel: 'sms', address: PERSON, sender: null })).toBe(1);
      expect((await list.list()).map((item) => item.sender)).toEqual([OTHER_SENDER]);
    });

    it('removes nothing on another channel', async () => {
      await list.add([entry({ channel: 'email', address: 'bo@example.com' })]);

      const removal = { channel: 'sms', address: 'bo@example.com', sender: null } as const;
      const removed = await list.remove(removal);

      expect(removed).toBe(0);
      expect(await list.isSuppressed('email', 'bo@example.com')).toBe(true);
    });

    it('applies inbound STOP and START replies', async () => {
      const result = await applyInboundReplies(
        list,
        [
          { from: '+12025550162', to: SENDER, body: 'STOP' },
          { from: '+12025550163', to: SENDER, body: 'Revoke' },
          { from: '+12025550162', to: SENDER, body: 'start' },
        ],
        new Date(NOW),
      );

      expect(result).toEqual({ suppressed: 2, liftedEntries: 1 });
      expect(await list.isSuppressed('sms', '+12025550162', SENDER)).toBe(false);
      expect(await list.isSuppressed('sms', '+12025550163', OTHER_SENDER)).toBe(true);
    });

    it('never lifts operator or erasure entries on opt-in', async () => {
      await list.add([
        entry({ address: '+12025550170', source: 'manual' }),
        entry({ address: '+12025550171', source: 'erasure_request' }),
        entry({ address: '+12025550172', sender: SENDER, source: 'erasure_request' }),
      ]);

      await applyInboundReplies(list, [
        { from: '+12025550170', to: SENDER, body: 'START' },
        { from: '+12025550171', to: SENDER, body: 'YES' },
        { from: '+12025550172', to: SENDER, body: 'UNSTOP' },
      ]);

      expect(await list.isSuppressed('sms', '+12025550170', SENDER)).toBe(true);
      expect(await list.isSuppressed('sms', '+12025550171', SENDER)).toBe(true);
      expect(await list.isSuppressed('sms', '+12025550172', SENDER)).toBe(true);
    });
  });
}

/* Behaviour of the state store's list that the in-memory list does not have. */
for (const backend of [sqliteBackend(), postgresBackend()]) {
  describe.skipIf(!backend.available)(backend.title, () => {
    let target: StoreTarget;
    let store: StateStore;

    beforeAll(() => backend.setUp());
    afterAll(() => backend.tearDown());

    beforeEach(async () => {
      target = await backend.createTarget();
      store = await openStateStore(target.config, target.projectDir);
    });

    afterEach(() => store.close());

    describe('migrations', () => {
      it('upgrades a store migrated before suppressions', async () => {
        const old = await backend.createTarget();
        const schema = schemaOf(old);
        const db = await connect(old);
        try {
          if (schema !== undefined) await db.raw('create schema ??', [schema]);
          const migrationSource = new StateMigrationSource(schema);
          const config = { migrationSource, tableName: MIGRATIONS_TABLE, schemaName: schema };
          await db.migrate.up(config);
          expect(await appliedMigrations(db, old)).toEqual(['0001_initial']);

          const upgraded = await openStateStore(old.config, old.projectDir, { migrate: false });
          try {
            await upgraded.createRun({
              id: 'run-before-upgrade',
              trigger: 'manual',
              status: 'success',
              startedAt: NOW,
              finishedAt: NOW,
              error: null,
              options: {},
            });
            await expect(upgraded.suppressions.list()).rejects.toThrow(/sluice_suppressions/);

            await upgraded.migrate();
            await upgraded.suppressions.add([entry()]);
            await upgraded.migrate();

            const applied = await appliedMigrations(db, old);
            expect(applied).toEqual(['0001_initial', '0002_suppressions']);
            expect((await upgraded.getRun('run-before-upgrade'))?.status).toBe('success');
            expect(await upgraded.suppressions.list()).toEqual([entry()]);
          } finally {
            await upgraded.close();
          }
        } finally {
          await db.destroy();
        }
      });

      it('rolls back and reapplies the suppressions table', async () => {
        await store.suppressions.add([entry()]);
        const schema = schemaOf(target);
        const db = await connect(target);
        try {
          const migrationSource = new StateMigrationSource(schema);
          const config = { migrationSource, tableName: MIGRATIONS_TABLE, schemaName: schema };
          await db.migrate.down(config);
          const tableExists = () =>
            schema === undefined
              ? db.schema.hasTable(STATE_TABLES.suppressions)
              : db.schema.withSchema(schema).hasTable(STATE_TABLES.suppressions);
          expect(await tableExists()).toBe(false);

          await store.migrate();

          expect(await tableExists()).toBe(true);
          expect(await store.suppressions.list()).toEqual([]);
        } finally {
          await db.destroy();
        }
      });

      it('rejects a second NULL-sender row in the table', async () => {
        const db = await connect(target);
        const row = {
          channel: 'sms',
          address: PERSON,
          sender: null,
          reason: 'test',
          source: 'manual',
          created_at: NOW,
        };
        try {
          await table(db, target).insert(row);
          await table(db, target).insert({ ...row, sender: SENDER });

          await expect(table(db, target).insert(row)).rejects.toThrow(/unique/i);
          await expect(table(db, target).insert({ ...row, sender: SENDER })).rejects.toThrow(
            /unique/i,
          );
        } finally {
          await db.destroy();
        }
      });
    });

    it('keeps entries after the store is reopened', async () => {
      await store.suppressions.add([entry({ source: 'erasure_request' })]);
      await store.close();

      store = await openStateStore(target.config, target.projectDir);

      expect(await store.suppressions.isSuppressed('sms', PERSON, SENDER)).toBe(true);
    });

    it('accepts the same entries from two processes', async () => {
      const entries = Array.from({ length: 400 }, (_, i) =>
        entry({ address: `+1202555${String(1000 + i)}`, sender: i % 3 === 0 ? SENDER : null }),
      );

      await raceToAdd(target, 2, entries);

      const stored = await store.suppressions.list();
      expect(stored).toHaveLength(entries.length);
      const keys = new Set(stored.map((item) => `${item.address}/${item.sender}`));
      expect(keys.size).toBe(entries.length);
    });

    it('accepts concurrent adds of one entry', async () => {
      const other = await openStateStore(target.config, target.projectDir);
      const entries = Array.from({ length: 40 }, (_, i) =>
        entry({ address: `+1202555${String(1000 + i)}`, sender: i % 2 === 0 ? null : SENDER }),
      );
      try {
        const adders = [store, other].flatMap((adder, storeIndex) =>
          entries.map((item) =>
            adder.suppressions.add([{ ...item, reason: `adder ${storeIndex}` }]),
          ),
        );
        const bulkAdders = [store, other].map((adder) => adder.suppressions.add(entries));

        const results = await Promise.allSettled([...adders, ...bulkAdders]);

        const failures = results.filter((result) => result.status === 'rejected');
        expect(failures).toEqual([]);
        const stored = await store.suppressions.list();
        expect(stored).toHaveLength(entries.length);
        const keys = new Set(stored.map((item) => `${item.address}/${item.sender}`));
        expect(keys.size).toBe(entries.length);
      } finally {
        await other.close();
      }
    });

    it('adds thousands of entries in one call', async () => {
      const entries = Array.from({ length: 2500 }, (_, i) =>
        entry({ channel: 'email', address: `person-${i}@example.com` }),
      );

      await store.suppressions.add(entries);
      await store.suppressions.add(entries.slice(0, 10));

      expect(await store.suppressions.list({ channel: 'email' })).toHaveLength(2500);
      expect(await store.suppressions.isSuppressed('email', 'PERSON-2499@example.com')).toBe(true);
    });

    it('stores createdAt as a UTC timestamp', async () => {
      await store.suppressions.add([
        entry({ address: '+12025550170', createdAt: '2026-03-01T12:00:00+02:00' }),
        entry({ address: '+12025550171', createdAt: '2026-03-01T11:00:00Z' }),
      ]);

      const listed = await store.suppressions.list();

      expect(listed.map((item) => item.createdAt)).toEqual([
        '2026-03-01T10:00:00.000Z',
        '2026-03-01T11:00:00.000Z',
      ]);
    });

    describe('invalid input', () => {
      const cases: { name: string; entry: SuppressionEntry; message: RegExp }[] = [
        {
          name: 'unknown channel',
          entry: entry({ channel: 'push' as SuppressionEntry['channel'] }),
          message: /entry 2 of 2: channel "push" is not sms or email/,
        },
        {
          name: 'unknown source',
          entry: entry({ source: 'guess' as SuppressionEntry['source'] }),
          message: /entry 2 of 2: source "guess" is not one of/,
        },
        {
          name: 'empty address',
          entry: entry({ address: '   ' }),
          message: /entry 2 of 2: the address is empty/,
        },
        {
          name: 'empty sender',
          entry: entry({ sender: ' ' }),
          message: /entry 2 of 2: the sender is empty. Use null/,
        },
        {
          name: 'timestamp without zone',
          entry: entry({ createdAt: '2026-03-01T10:00:00' }),
          message: /entry 2 of 2: createdAt "2026-03-01T10:00:00" is not an ISO 8601 timestamp/,
        },
        {
          name: 'unparseable timestamp',
          entry: entry({ createdAt: 'yesterday' }),
          message: /entry 2 of 2: createdAt "yesterday" is not an ISO 8601 timestamp/,
        },
      ];

      for (const testCase of cases) {
        it(`rejects an entry with ${testCase.name}`, async () => {
          const valid = entry({ address: '+12025550170' });

          const adding = store.suppressions.add([valid, testCase.entry]);

          await expect(adding).rejects.toBeInstanceOf(StateError);
          await expect(adding).rejects.toThrow(/^Failed to add 2 suppression entries/);
          await expect(adding).rejects.toThrow(testCase.message);
          expect(await store.suppressions.list()).toEqual([]);
        });
      }

      it('rejects an unknown channel in lookups', async () => {
        const channel = 'push' as SuppressionEntry['channel'];

        const checking = store.suppressions.isSuppressed(channel, PERSON);
        const removing = store.suppressions.remove({ channel, address: PERSON, sender: null });
        const listing = store.suppressions.list({ channel });

        await expect(checking).rejects.toThrow(/invalid suppression channel "push"/);
        await expect(removing).rejects.toThrow(/invalid suppression channel "push"/);
        await expect(listing).rejects.toThrow(/invalid suppression channel "push"/);
      });

      it('rejects an unknown source in a removal', async () => {
        const sources = ['guess'] as unknown as SuppressionEntry['source'][];

        const removing = store.suppressions.remove({
          channel: 'sms',
          address: PERSON,
          sender: null,
          sources,
        });

        await expect(removing).rejects.toThrow(/invalid suppression source "guess"/);
      });
    });

    it('wraps failures in StateError naming the operation', async () => {
      const closed = await openStateStore(target.config, target.projectDir);
      await closed.close();

      const checking = closed.suppressions.isSuppressed('sms', PERSON);

      await expect(checking).rejects.toBeInstanceOf(StateError);
      await expect(checking).rejects.toThrow(
        /^Failed to check whether an address is suppressed on sms in the state store \(/,
      );
    });

    it('removes secrets from error messages', async () => {
      const empty = await backend.createTarget();
      const db = await connect(empty);
      // The table is missing, so the database error names it. The name is the secret to remove.
      const secret = STATE_TABLES.suppressions;
      const list = new KnexSuppressionList(db, {
        description: 'test database',
        schema: schemaOf(empty),
        secrets: [secret],
      });
      try {
        const error = await list.list().catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(StateError);
        const message = (error as StateError).message;
        expect(message).toMatch(/^Failed to list suppression entries in the state store \(test/);
        expect(message).toContain(REDACTED);
        expect(message).not.toContain(secret);
      } finally {
        await db.destroy();
      }
    });
  });
}
