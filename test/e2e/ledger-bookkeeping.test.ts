import { beforeEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../src/core/errors.js';
import { defaultRunOptions, type RunContext } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import type { RunSummary } from '../../src/run/run-summary.js';
import { failStoreCalls } from '../support/failing-state-store.js';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { openTestContext, writeProject } from '../support/project-fixture.js';
import { CUSTOMERS_MODEL, customersCsv } from './e2e-fixture.js';

beforeEach(() => resetInboxes());

interface LedgerCase {
  title: string;
  mode: string;
  /** Whether the memory account declares its writes idempotent. */
  idempotent: boolean;
}

/** Both paths into the send ledger: a non-idempotent destination, and trigger mode on any destination. */
const CASES: LedgerCase[] = [
  { title: 'upsert to a non-idempotent destination', mode: 'upsert', idempotent: false },
  { title: 'trigger mode', mode: 'trigger', idempotent: true },
];

async function ledgerProject(inboxName: string, rows: number, mode: string, idempotent: boolean, batchSize = 1): Promise<string> {
  return writeProject({
    'sluice.yml': `name: ledger_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  messages: { type: memory, inbox: ${inboxName}, idempotent: ${idempotent}, max_batch_size: ${batchSize} }
`,
    'data/customers.csv': customersCsv(rows),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'primary_key: id\npii: [email]\n',
    'syncs/welcome.yml': `model: customers
destination: messages
mode: ${mode}
primary_key: id
mapping:
  email: email
`,
  });
}

function run(context: RunContext): Promise<RunSummary> {
  return runProject(context, defaultRunOptions);
}

describe.each(CASES)('failed ledger resolution after a send, $title', ({ mode, idempotent }) => {
  it('fails the run and never sends the row again', async () => {
    const inboxName = `ledger-one-${mode}`;
    const dir = await ledgerProject(inboxName, 1, mode, idempotent);
    const context = await openTestContext(dir);
    const failing = failStoreCalls(context.store, 'resolveLedgerEntries', [1]);
    const runContext: RunContext = { ...context, store: failing.store };
    try {
      const first = await run(runContext);
      expect(failing.failures).toBe(1);
      expect(inbox(inboxName).calls).toHaveLength(1);
      expect(first.status).toBe('failed');
      expect(first.syncs[0]!.status).toBe('failed');
      expect(first.syncs[0]!.error).toContain('injected failure');
      expect((await context.store.getRun(first.runId))!.status).toBe('failed');

      const [sent] = sentRecords(inboxName);
      const ledgerKey = `welcome:${sent!.key}:${sent!.contentHash}`;
      const afterFirst = await context.store.getLedgerEntries([ledgerKey]);
      expect(afterFirst.get(ledgerKey)?.status).toBe('pending');

      // The retry finds the row still unsent in the snapshot, but its ledger entry is pending:
      // the destination may have it, so it is held back and counted as skipped.
      const retry = await run(runContext);
      expect(inbox(inboxName).calls).toHaveLength(1);
      expect(retry.syncs[0]!.counts).toMatchObject({ added: 1, accepted: 0, skipped: 1 });
      const warned = context.logger.events.filter((event) => event.event === 'sync.ledger.outcome_unknown');
      expect(warned).toHaveLength(1);
      const afterRetry = await context.store.getLedgerEntries([ledgerKey]);
      expect(afterRetry.get(ledgerKey)?.status).toBe('pending');

      const third = await run(runContext);
      expect(inbox(inboxName).calls).toHaveLength(1);
      expect(third.syncs[0]!.counts).toMatchObject({ added: 0, accepted: 0 });
      expect(third.status).toBe('success');
    } finally {
      await context.close();
    }
  });

  it('stops at the failed batch and sends the rest exactly once later', async () => {
    const inboxName = `ledger-three-${mode}`;
    const dir = await ledgerProject(inboxName, 3, mode, idempotent);
    const context = await openTestContext(dir);
    // One row per batch: the first batch's ledger resolution succeeds, the second one's fails.
    const failing = failStoreCalls(context.store, 'resolveLedgerEntries', [2]);
    const runContext: RunContext = { ...context, store: failing.store };
    try {
      const first = await run(runContext);
      expect(failing.failures).toBe(1);
      expect(first.status).toBe('failed');
      expect(sentRecords(inboxName).map((record) => record.key)).toEqual(['c00001', 'c00002']);
      expect(first.syncs[0]!.counts.accepted).toBe(1);

      const retry = await run(runContext);
      expect(retry.syncs[0]!.counts).toMatchObject({ accepted: 1, skipped: 1 });
      await run(runContext);

      const keys = sentRecords(inboxName).map((record) => record.key);
      expect(keys).toEqual(['c00001', 'c00002', 'c00003']);
    } finally {
      await context.close();
    }
  });
});

describe('ledger after a destination call that throws', () => {
  /**
   * Three rows in one batch: the first call accepts c00001 and c00003 and returns `retry` for
   * c00002, and the second call, with c00002 alone, throws `error`.
   */
  async function throwOnRetry(inboxName: string, error: () => Error): Promise<RunContext & { close(): Promise<void> }> {
    const dir = await ledgerProject(inboxName, 3, 'upsert', false, 10);
    inbox(inboxName).respond = (record, callIndex) => {
      if (callIndex === 1) throw error();
      if (callIndex === 0 && record.key === 'c00002') return { status: 'retry', reason: 'throttled', retryAfterMs: 1 };
      return { status: 'accepted' };
    };
    return openTestContext(dir);
  }

  it('resends only the rows of a refused call', async () => {
    const context = await throwOnRetry('refused', () => new DestinationError('HTTP 401: invalid token', { retryable: false }));
    try {
      const first = await run(context);
      expect(first.status).toBe('failed');
      expect(first.syncs[0]!.error).toContain('HTTP 401');
      expect(inbox('refused').calls.map((call) => call.map((record) => record.key))).toEqual([
        ['c00001', 'c00002', 'c00003'],
        ['c00002'],
      ]);

      inbox('refused').respond = () => ({ status: 'accepted' });
      const second = await run(context);
      expect(second.status).toBe('success');
      expect(inbox('refused').calls.at(-1)!.map((record) => record.key)).toEqual(['c00002']);
      expect(inbox('refused').calls).toHaveLength(3);
      expect(second.syncs[0]!.counts).toMatchObject({ added: 3, accepted: 3, skipped: 0 });

      const third = await run(context);
      expect(third.syncs[0]!.counts).toMatchObject({ added: 0, accepted: 0 });
      expect(inbox('refused').calls).toHaveLength(3);
    } finally {
      await context.close();
    }
  });

  it('holds back rows after an unexpected error', async () => {
    const context = await throwOnRetry('unexpected', () => new Error('socket hang up'));
    try {
      const first = await run(context);
      expect(first.status).toBe('failed');
      expect(inbox('unexpected').calls).toHaveLength(2);

      // The destination may have stored c00002 before the error, so it is never sent again.
      inbox('unexpected').respond = () => ({ status: 'accepted' });
      const second = await run(context);
      expect(inbox('unexpected').calls).toHaveLength(2);
      expect(second.syncs[0]!.counts).toMatchObject({ added: 3, accepted: 2, skipped: 1 });

      const third = await run(context);
      expect(third.syncs[0]!.counts).toMatchObject({ added: 0, accepted: 0 });
      expect(inbox('unexpected').calls).toHaveLength(2);
    } finally {
      await context.close();
    }
  });
});
