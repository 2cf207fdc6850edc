import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRunOptions, type RunContext } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import type { RunSummary } from '../../src/run/run-summary.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { openTestContext, writeProject } from '../support/project-fixture.js';
import { waitFor } from '../support/cli-process.js';
import { CUSTOMERS_MODEL, customersCsv, duplicates } from '../e2e/e2e-fixture.js';

const ROWS = 40;
/** Every second: node-cron reads six fields as seconds, minutes, hours, day, month, weekday. */
const EVERY_SECOND = '*/1 * * * * *';

const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => resetInboxes());

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Writes a project whose one sync, `crm`, runs every second and sends 40 rows in batches of 10. With
 * the inbox delaying each call, the first run outlasts several ticks.
 */
async function everySecondProject(inboxName: string): Promise<string> {
  return writeProject({
    'sluice.yml': `name: schedule_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  memory: { type: memory, inbox: ${inboxName}, max_batch_size: 10 }
`,
    'data/customers.csv': customersCsv(ROWS),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'primary_key: id\npii: [email]\n',
    'syncs/crm.yml': `model: customers
destination: memory
mode: upsert
primary_key: id
mapping:
  email: email
  tier: tier
schedule: { cron: '${EVERY_SECOND}', timezone: UTC }
`,
  });
}

/** Tracks how many ticks run at once and keeps every tick's summary. */
class TickRecorder {
  readonly summaries: RunSummary[] = [];
  active = 0;
  maxActive = 0;

  constructor(readonly context: RunContext) {}

  readonly runTick = async (syncs: string[], signal: AbortSignal): Promise<RunSummary> => {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      const summary = await runProject({ ...this.context, signal }, { ...defaultRunOptions, trigger: 'schedule', select: syncs });
      this.summaries.push(summary);
      return summary;
    } finally {
      this.active -= 1;
    }
  };
}

async function openContext(dir: string) {
  const context = await openTestContext(dir);
  cleanups.push(() => context.close());
  return context;
}

function startScheduler(context: RunContext, recorder: TickRecorder): Scheduler {
  const scheduler = new Scheduler({ project: context.project, logger: context.logger, runTick: recorder.runTick });
  scheduler.start();
  cleanups.push(() => scheduler.stop());
  return scheduler;
}

/** Returns the rows of the sync's current snapshot: each delivered key with the run that delivered it. */
async function snapshotRows(context: RunContext, sync: string): Promise<{ key: string; runId: string }[]> {
  const tables = await context.warehouse.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'sluice' AND table_name LIKE 'snapshot\\_\\_${sync}\\_\\_%' ESCAPE '\\'`,
  );
  expect(tables).toHaveLength(1);
  const rows = await context.warehouse.query(`SELECT _key, _run_id FROM sluice."${String(tables[0]!.table_name)}"`);
  return rows.map((row) => ({ key: String(row._key), runId: String(row._run_id) }));
}

describe('scheduler with ticks that overlap a slow run', () => {
  it('never runs a sync twice at once and sends each row once', async () => {
    const dir = await everySecondProject('slow-ticks');
    inbox('slow-ticks').delayMs = 700;
    const context = await openContext(dir);
    const recorder = new TickRecorder(context);
    const scheduler = startScheduler(context, recorder);

    await waitFor(() => recorder.summaries.length >= 3, 30_000, 'three finished ticks');
    await scheduler.stop();

    expect(recorder.maxActive).toBe(1);
    const [first, ...later] = recorder.summaries;
    expect(first!.status).toBe('success');
    expect(first!.syncs[0]!.counts).toMatchObject({ added: ROWS, accepted: ROWS });
    // The first run took about 3 s, so at least two ticks fired while it was still sending.
    const coalesced = context.logger.events.filter((event) => event.event === 'schedule.tick.coalesced');
    expect(coalesced.length).toBeGreaterThanOrEqual(1);
    for (const summary of later) {
      expect(summary.syncs[0]!.counts).toMatchObject({ added: 0, changed: 0, accepted: 0 });
    }

    const keys = sentRecords('slow-ticks').map((record) => record.key);
    expect(keys).toHaveLength(ROWS);
    expect(duplicates(keys)).toEqual([]);

    const snapshot = await snapshotRows(context, 'crm');
    expect(snapshot).toHaveLength(ROWS);
    expect(new Set(snapshot.map((row) => row.key)).size).toBe(ROWS);
    expect(new Set(snapshot.map((row) => row.runId))).toEqual(new Set([first!.runId]));
  });

  it('skips and records a tick while another scheduler holds the sync', async () => {
    const dir = await everySecondProject('two-schedulers');
    inbox('two-schedulers').delayMs = 700;
    // Two schedulers with their own lock owners, as two processes sharing one warehouse and
    // one state store would be.
    const context = await openContext(dir);
    const left = new TickRecorder({ ...context, owner: 'scheduler-left' });
    const right = new TickRecorder({ ...context, owner: 'scheduler-right' });
    const leftScheduler = startScheduler(left.context, left);
    const rightScheduler = startScheduler(right.context, right);

    // A tick that starts as its scheduler stops is interrupted before its sync and has no entry.
    const ticks = () => [...left.summaries, ...right.summaries].filter((summary) => summary.syncs.length > 0);
    await waitFor(() => ticks().some((summary) => summary.syncs[0]!.status === 'skipped'), 30_000, 'a skipped tick');
    await waitFor(() => ticks().some((summary) => summary.syncs[0]!.counts.accepted === ROWS), 30_000, 'the slow run to finish');
    await Promise.all([leftScheduler.stop(), rightScheduler.stop()]);

    const skipped = ticks().filter((summary) => summary.syncs[0]!.status === 'skipped');
    for (const summary of skipped) {
      expect(summary.syncs[0]!.counts.accepted).toBe(0);
      expect(summary.syncs[0]!.detail).toContain('in progress');
      const history = await context.store.listSyncRuns(summary.runId);
      expect(history.map((record) => record.status)).toEqual(['skipped']);
    }

    const keys = sentRecords('two-schedulers').map((record) => record.key);
    expect(keys).toHaveLength(ROWS);
    expect(duplicates(keys)).toEqual([]);
    const sending = ticks().filter((summary) => summary.syncs[0]!.counts.accepted > 0);
    expect(sending).toHaveLength(1);
    const snapshot = await snapshotRows(context, 'crm');
    expect(snapshot).toHaveLength(ROWS);
    expect(new Set(snapshot.map((row) => row.runId))).toEqual(new Set([sending[0]!.runId]));
  });
});
