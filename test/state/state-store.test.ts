import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StateConfig } from '../../src/config/schema.js';
import { StateError } from '../../src/core/errors.js';
import { MemoryLogger } from '../../src/core/logger.js';
import { openStateStore } from '../../src/state/open-store.js';
import type {
  LedgerEntry,
  ModelRunRecord,
  RejectionRecord,
  RunRecord,
  StateStore,
  SyncRunRecord,
} from '../../src/state/store.js';
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  postgresSuiteTitle,
} from '../support/postgres.js';
import { raceForLocks } from './lock-racers.js';

interface StoreTarget {
  config: StateConfig;
  projectDir: string;
}

/** A database that the shared tests run against. Each test gets a fresh, empty target. */
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
    title: 'state store on SQLite',
    available: true,
    async setUp() {
      root = await mkdtemp(path.join(os.tmpdir(), 'sluice-state-'));
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
    title: postgresSuiteTitle('state store on Postgres'),
    available: postgresAvailable(),
    async setUp() {
      url = await createTestDatabase('state_store');
    },
    async createTarget() {
      count += 1;
      const config: StateConfig = { type: 'postgres', url, schema: `state_${count}` };
      return { config, projectDir: os.tmpdir() };
    },
    async tearDown() {
      if (url !== '') await dropTestDatabase(url);
    },
  };
}

function run(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    trigger: 'manual',
    status: 'running',
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: null,
    error: null,
    options: { select: ['audiences'], fullRefresh: false },
    ...overrides,
  };
}

function modelRun(runId: string, model: string, overrides: Partial<ModelRunRecord> = {}) {
  const record: ModelRunRecord = {
    runId,
    model,
    version: `v-${model}`,
    status: 'success',
    rowCount: 120,
    durationMs: 35,
    error: null,
    ...overrides,
  };
  return record;
}

function syncRun(runId: string, sync: string, overrides: Partial<SyncRunRecord> = {}) {
  const record: SyncRunRecord = {
    runId,
    sync,
    status: 'success',
    modelVersion: 'model-v1',
    mappingVersion: 'mapping-v1',
    counts: { added: 3, changed: 2, removed: 1, accepted: 5, rejected: 1, skipped: 0 },
    durationMs: 1200,
    error: null,
    detail: null,
    ...overrides,
  };
  return record;
}

function rejection(runId: string, sync: string, key: string): RejectionRecord {
  return { runId, sync, key, operation: 'upsert', reason: `invalid email for ${key}` };
}

function ledgerEntry(key: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    idempotencyKey: key,
    sync: 'welcome_email',
    rowKey: `row-${key}`,
    contentHash: `hash-${key}`,
    runId: 'run-1',
    status: 'pending',
    detail: null,
    ...overrides,
  };
}

for (const backend of [sqliteBackend(), postgresBackend()]) {
  describe.skipIf(!backend.available)(backend.title, () => {
    let target: StoreTarget;
    let logger: MemoryLogger;
    let store: StateStore;

    beforeAll(() => backend.setUp());
    afterAll(() => backend.tearDown());

    beforeEach(async () => {
      target = await backend.createTarget();
      logger = new MemoryLogger();
      store = await openStateStore(target.config, target.projectDir, { logger });
    });

    afterEach(() => store.close());

    describe('migrations', () => {
      it('migrates again without changes', async () => {
        await store.createRun(run('run-1'));

        await store.migrate();
        await store.migrate();

        expect(await store.getRun('run-1')).toEqual(run('run-1'));
      });

      it('migrates a fresh store from concurrent processes', async () => {
        const fresh = await backend.createTarget();

        const results = await raceForLocks(fresh, ['racer-a', 'racer-b', 'racer-c'], ['sync:x']);

        const winners = results.filter((result) => result.won.includes('sync:x'));
        expect(winners).toHaveLength(1);
      });
    });

    describe('runs', () => {
      it('round-trips a run', async () => {
        await store.createRun(run('run-1', { trigger: 'schedule' }));

        expect(await store.getRun('run-1')).toEqual(run('run-1', { trigger: 'schedule' }));
      });

      it('finishes a run with status and error', async () => {
        await store.createRun(run('run-1'));

        await store.finishRun('run-1', 'failed', 'model "users" failed');

        const finished = await store.getRun('run-1');
        expect(finished?.status).toBe('failed');
        expect(finished?.error).toBe('model "users" failed');
        expect(finished?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      });

      it('returns undefined for an unknown run', async () => {
        expect(await store.getRun('missing')).toBeUndefined();
      });

      it('lists runs newest first up to the limit', async () => {
        await store.createRun(run('run-a', { startedAt: '2024-05-01T10:00:00.000Z' }));
        await store.createRun(run('run-c', { startedAt: '2024-05-03T10:00:00.000Z' }));
        await store.createRun(run('run-b', { startedAt: '2024-05-02T10:00:00.000Z' }));

        const runs = await store.listRuns(2);

        expect(runs.map((item) => item.id)).toEqual(['run-c', 'run-b']);
      });

      it('raises StateError when finishing an unknown run', async () => {
        const finishing = store.finishRun('missing', 'success', null);

        await expect(finishing).rejects.toBeInstanceOf(StateError);
        await expect(finishing).rejects.toThrow(/Failed to finish run "missing"/);
      });

      it('rejects a duplicate run id', async () => {
        await store.createRun(run('run-1'));

        await expect(store.createRun(run('run-1'))).rejects.toThrow(/Failed to create run "run-1"/);
      });

      it('rejects a non-positive list limit', async () => {
        await expect(store.listRuns(0)).rejects.toThrow(/invalid limit 0/);
      });
    });

    describe('model runs', () => {
      it('round-trips model runs in recorded order', async () => {
        const records = [
          modelRun('run-1', 'users'),
          modelRun('run-1', 'audiences', { status: 'failed', rowCount: null, error: 'boom' }),
          modelRun('run-2', 'users'),
        ];
        for (const record of records) await store.recordModelRun(record);

        expect(await store.listModelRuns('run-1')).toEqual(records.slice(0, 2));
      });

      it('replaces a model run recorded twice', async () => {
        await store.recordModelRun(modelRun('run-1', 'users', { status: 'skipped' }));
        await store.recordModelRun(modelRun('run-1', 'users', { rowCount: 7 }));

        expect(await store.listModelRuns('run-1')).toEqual([
          modelRun('run-1', 'users', { rowCount: 7 }),
        ]);
      });

      it('keeps row counts beyond 32 bits exact', async () => {
        await store.recordModelRun(modelRun('run-1', 'events', { rowCount: 5_000_000_123 }));

        const [record] = await store.listModelRuns('run-1');
        expect(record?.rowCount).toBe(5_000_000_123);
      });
    });

    describe('sync runs', () => {
      it('round-trips sync runs with counts', async () => {
        const records = [
          syncRun('run-1', 'crm'),
          syncRun('run-1', 'ads', { status: 'guarded', detail: 'would remove 80% of rows' }),
        ];
        for (const record of records) await store.recordSyncRun(record);

        expect(await store.listSyncRuns('run-1')).toEqual(records);
      });

      it('replaces a sync run recorded twice', async () => {
        await store.recordSyncRun(syncRun('run-1', 'crm', { status: 'running' }));
        await store.recordSyncRun(syncRun('run-1', 'crm', { status: 'partial' }));

        const records = await store.listSyncRuns('run-1');
        expect(records).toEqual([syncRun('run-1', 'crm', { status: 'partial' })]);
      });

      it('returns the last finished run of a sync', async () => {
        await store.recordSyncRun(syncRun('run-1', 'crm', { modelVersion: 'old' }));
        await store.recordSyncRun(syncRun('run-2', 'crm', { status: 'skipped' }));
        await store.recordSyncRun(syncRun('run-2', 'ads'));
        await store.recordSyncRun(syncRun('run-3', 'crm', { status: 'running' }));

        const last = await store.lastSyncRun('crm');

        expect(last?.runId).toBe('run-2');
        expect(last?.status).toBe('skipped');
      });

      it('returns undefined for a sync that never ran', async () => {
        expect(await store.lastSyncRun('crm')).toBeUndefined();
      });
    });

    describe('rejections', () => {
      it('lists rejections by run and sync', async () => {
        await store.recordRejections([
          rejection('run-1', 'crm', 'k1'),
          rejection('run-1', 'ads', 'k2'),
          rejection('run-1', 'crm', 'k3'),
          rejection('run-2', 'crm', 'k4'),
        ]);

        const crm = await store.listRejections('run-1', 'crm');
        const all = await store.listRejections('run-1');

        expect(crm).toEqual([rejection('run-1', 'crm', 'k1'), rejection('run-1', 'crm', 'k3')]);
        expect(all.map((record) => record.key)).toEqual(['k1', 'k2', 'k3']);
      });

      it('records thousands of rejections in order', async () => {
        const records = Array.from({ length: 5000 }, (_, i) => rejection('run-1', 'crm', `k${i}`));

        await store.recordRejections(records);

        expect(await store.listRejections('run-1', 'crm')).toEqual(records);
      });

      it('limits the listed rejections', async () => {
        const records = Array.from({ length: 30 }, (_, i) => rejection('run-1', 'crm', `k${i}`));
        await store.recordRejections(records);

        const listed = await store.listRejections('run-1', 'crm', 10);

        expect(listed).toEqual(records.slice(0, 10));
      });

      it('accepts an empty list of rejections', async () => {
        await store.recordRejections([]);

        expect(await store.listRejections('run-1')).toEqual([]);
      });
    });

    describe('ledger', () => {
      it('records intents as pending', async () => {
        await store.recordLedgerIntents([ledgerEntry('k1', { status: 'sent' })]);

        const entries = await store.getLedgerEntries(['k1', 'unknown']);

        expect([...entries.keys()]).toEqual(['k1']);
        expect(entries.get('k1')).toEqual(ledgerEntry('k1', { status: 'pending' }));
      });

      it('leaves existing ledger keys untouched', async () => {
        await store.recordLedgerIntents([ledgerEntry('k1')]);
        await store.resolveLedgerEntries([{ idempotencyKey: 'k1', status: 'sent', detail: null }]);

        await store.recordLedgerIntents([
          ledgerEntry('k1', { runId: 'run-2', rowKey: 'other' }),
          ledgerEntry('k2', { runId: 'run-2' }),
        ]);

        const entries = await store.getLedgerEntries(['k1', 'k2']);
        expect(entries.get('k1')).toEqual(ledgerEntry('k1', { status: 'sent' }));
        expect(entries.get('k2')).toEqual(ledgerEntry('k2', { runId: 'run-2' }));
      });

      it('ignores a key repeated in one batch of intents', async () => {
        await store.recordLedgerIntents([ledgerEntry('k1'), ledgerEntry('k1', { runId: 'run-2' })]);

        const entries = await store.getLedgerEntries(['k1']);
        expect(entries.get('k1')?.runId).toBe('run-1');
      });

      it('resolves entries to sent or rejected', async () => {
        await store.recordLedgerIntents([ledgerEntry('k1'), ledgerEntry('k2'), ledgerEntry('k3')]);

        await store.resolveLedgerEntries([
          { idempotencyKey: 'k1', status: 'sent', detail: null },
          { idempotencyKey: 'k2', status: 'rejected', detail: 'invalid phone number' },
        ]);

        const entries = await store.getLedgerEntries(['k1', 'k2', 'k3']);
        expect(entries.get('k1')?.status).toBe('sent');
        expect(entries.get('k2')?.status).toBe('rejected');
        expect(entries.get('k2')?.detail).toBe('invalid phone number');
        expect(entries.get('k3')?.status).toBe('pending');
      });

      it('handles thousands of ledger keys', async () => {
        const keys = Array.from({ length: 3000 }, (_, i) => `welcome_email:${i}:hash`);
        await store.recordLedgerIntents(keys.map((key) => ledgerEntry(key)));

        const pending = await store.getLedgerEntries([...keys, 'unknown-1', 'unknown-2']);
        await store.resolveLedgerEntries(
          keys.map((key) => ({ idempotencyKey: key, status: 'sent' as const, detail: null })),
        );
        const resolved = await store.getLedgerEntries(keys);

        expect(pending.size).toBe(3000);
        expect([...pending.values()].every((entry) => entry.status === 'pending')).toBe(true);
        expect(resolved.size).toBe(3000);
        expect([...resolved.values()].every((entry) => entry.status === 'sent')).toBe(true);
      });

      it('raises when resolving a key with no intent', async () => {
        await store.recordLedgerIntents([ledgerEntry('k1')]);

        const resolving = store.resolveLedgerEntries([
          { idempotencyKey: 'k1', status: 'sent', detail: null },
          { idempotencyKey: 'never-recorded', status: 'sent', detail: null },
        ]);

        await expect(resolving).rejects.toBeInstanceOf(StateError);
        await expect(resolving).rejects.toThrow(/1 idempotency keys have no ledger entry/);
        await expect(resolving).rejects.toThrow(/"never-recorded"/);
        expect((await store.getLedgerEntries(['k1'])).get('k1')?.status).toBe('sent');
      });
    });

    describe('locks', () => {
      it('grants a free lock for the lease duration', async () => {
        const lease = await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);

        expect(lease).toMatchObject({ name: 'sync:crm', owner: 'owner-a', runId: 'run-1' });
        const remainingMs = Date.parse(lease?.expiresAt ?? '') - Date.now();
        expect(remainingMs).toBeGreaterThan(50_000);
        expect(remainingMs).toBeLessThanOrEqual(61_000);
      });

      it('denies a lock held by another owner', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);

        expect(await store.acquireLock('sync:crm', 'owner-b', 'run-2', 60_000)).toBeUndefined();
      });

      it('keeps locks of different names apart', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);

        const lease = await store.acquireLock('sync:ads', 'owner-b', 'run-2', 60_000);

        expect(lease?.owner).toBe('owner-b');
      });

      it('extends the lease when the owner acquires again', async () => {
        const first = await store.acquireLock('sync:crm', 'owner-a', 'run-1', 1_000);

        const second = await store.acquireLock('sync:crm', 'owner-a', 'run-2', 60_000);

        expect(second?.runId).toBe('run-2');
        const firstExpiry = Date.parse(first?.expiresAt ?? '');
        expect(Date.parse(second?.expiresAt ?? '')).toBeGreaterThan(firstExpiry);
      });

      it('takes over an expired lease', async () => {
        await store.acquireLock('sync:crm', 'crashed', 'run-1', 50);
        await sleep(150);

        const lease = await store.acquireLock('sync:crm', 'owner-b', 'run-2', 60_000);

        expect(lease).toMatchObject({ owner: 'owner-b', runId: 'run-2' });
        expect(await store.renewLock('sync:crm', 'crashed', 60_000)).toBe(false);
        const takeover = logger.events.find((event) => event.event === 'state.lock_taken_over');
        expect(takeover?.fields).toMatchObject({
          lock: 'sync:crm',
          previousOwner: 'crashed',
          previousRunId: 'run-1',
        });
      });

      it('lets only the owner renew', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);

        expect(await store.renewLock('sync:crm', 'owner-b', 60_000)).toBe(false);
        expect(await store.renewLock('sync:crm', 'owner-a', 60_000)).toBe(true);
      });

      it('keeps a renewed lease past its first expiry', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 100);
        await store.renewLock('sync:crm', 'owner-a', 60_000);
        await sleep(200);

        expect(await store.acquireLock('sync:crm', 'owner-b', 'run-2', 60_000)).toBeUndefined();
      });

      it('lets only the owner release', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);

        await store.releaseLock('sync:crm', 'owner-b');
        const whileHeld = await store.acquireLock('sync:crm', 'owner-b', 'run-2', 60_000);
        await store.releaseLock('sync:crm', 'owner-a');
        const afterRelease = await store.acquireLock('sync:crm', 'owner-b', 'run-2', 60_000);

        expect(whileHeld).toBeUndefined();
        expect(afterRelease?.owner).toBe('owner-b');
      });

      it('fails to renew a released lock', async () => {
        await store.acquireLock('sync:crm', 'owner-a', 'run-1', 60_000);
        await store.releaseLock('sync:crm', 'owner-a');

        expect(await store.renewLock('sync:crm', 'owner-a', 60_000)).toBe(false);
      });

      it('rejects a non-positive lease duration', async () => {
        const acquiring = store.acquireLock('sync:crm', 'owner-a', 'run-1', 0);

        await expect(acquiring).rejects.toThrow(/invalid lease duration 0 ms/);
      });

      it('grants each lock to exactly one of two processes', async () => {
        const locks = Array.from({ length: 20 }, (_, i) => `sync:race-${i}`);

        const results = await raceForLocks(target, ['racer-a', 'racer-b'], locks);

        for (const lock of locks) {
          const winners = results.filter((result) => result.won.includes(lock));
          expect(winners, lock).toHaveLength(1);

          const winner = winners[0]!.owner;
          const loser = winner === 'racer-a' ? 'racer-b' : 'racer-a';
          expect(await store.renewLock(lock, loser, 60_000), lock).toBe(false);
          expect(await store.renewLock(lock, winner, 60_000), lock).toBe(true);
        }
      });
    });

    describe('errors', () => {
      it('wraps failures in StateError naming the operation', async () => {
        const closed = await openStateStore(target.config, target.projectDir);
        await closed.close();

        const listing = closed.listRuns(5);

        await expect(listing).rejects.toBeInstanceOf(StateError);
        await expect(listing).rejects.toThrow(/^Failed to list runs in the state store \(/);
      });
    });
  });
}
