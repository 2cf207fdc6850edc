import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeResult, parseJsonOutput, runCli, startCli, waitFor } from '../support/cli-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { duplicates, receivedKeys, webhookProject } from '../e2e/e2e-fixture.js';

const ROWS = 50;

let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Starts a receiver that waits `delayMs` before each response, for as long as `slow` is true. */
async function slowReceiver(delayMs: number): Promise<{ receiver: WebhookReceiver; setSlow(slow: boolean): void }> {
  let slow = true;
  const started = await startWebhookReceiver({ defaultResponse: () => ({ delayMs: slow ? delayMs : 0 }) });
  return { receiver: started, setSlow: (value) => (slow = value) };
}

describe('two sluice sync processes on one project', () => {
  it('makes the second process wait for the database, then send nothing new', async () => {
    const slow = await slowReceiver(800);
    receiver = slow.receiver;
    const project = await webhookProject({ url: receiver.url, rows: ROWS, batchSize: 10 });

    const first = startCli(['--json', 'sync', 'contacts'], { project });
    await waitFor(() => receiver!.requests.length >= 1, 30_000, 'the first process to start sending');
    const second = await runCli(['--json', 'sync', 'contacts'], { project });
    const firstResult = await first.result;

    expect(firstResult.code, describeResult(firstResult)).toBe(EXIT.success);
    expect(parseJsonOutput(firstResult).syncs[0].counts).toMatchObject({ added: ROWS, accepted: ROWS });
    expect(second.code, describeResult(second)).toBe(EXIT.success);
    const secondSummary = parseJsonOutput(second);
    expect(secondSummary.syncs[0].status).toBe('success');
    expect(secondSummary.syncs[0].counts).toMatchObject({ added: 0, accepted: 0 });

    const keys = receivedKeys(receiver.requests);
    expect(keys).toHaveLength(ROWS);
    expect(duplicates(keys)).toEqual([]);
  });

  it('records a second process as skipped after its lock wait', async () => {
    const slow = await slowReceiver(1_000);
    receiver = slow.receiver;
    const project = await webhookProject({
      url: receiver.url,
      rows: ROWS,
      batchSize: 10,
      warehouse: 'warehouse: { type: duckdb, path: .sluice/warehouse.duckdb, lock_wait_seconds: 1 }',
    });

    const first = startCli(['--json', 'sync', 'contacts'], { project });
    await waitFor(() => receiver!.requests.length >= 1, 30_000, 'the first process to start sending');
    const second = await runCli(['sync', 'contacts'], { project });

    expect(second.code, describeResult(second)).toBe(EXIT.locked);
    expect(second.stdout).toMatch(/contacts\s+skipped/);
    expect(second.stdout).toContain('is in use by another process');
    expect(second.stdout).toContain('warehouse.duckdb');
    // The first process is unaffected and still sending.
    expect(first.child.exitCode).toBeNull();

    const firstResult = await first.result;
    expect(firstResult.code, describeResult(firstResult)).toBe(EXIT.success);
    const firstSummary = parseJsonOutput(firstResult);
    expect(firstSummary.syncs[0].counts).toMatchObject({ added: ROWS, accepted: ROWS });

    const runs = parseJsonOutput(await runCli(['--json', 'runs'], { project }));
    expect(runs).toHaveLength(2);
    const skippedRun = runs.find((run: { id: string }) => run.id !== firstSummary.runId);
    const detail = parseJsonOutput(await runCli(['--json', 'runs', skippedRun.id], { project }));
    expect(detail.syncs).toHaveLength(1);
    expect(detail.syncs[0]).toMatchObject({ sync: 'contacts', status: 'skipped' });
    expect(detail.syncs[0].detail).toContain('is in use by another process');

    // Nothing was corrupted or half-applied: the next run finds nothing to send.
    slow.setSlow(false);
    const after = await runCli(['--json', 'sync', 'contacts'], { project });
    expect(after.code, describeResult(after)).toBe(EXIT.success);
    expect(parseJsonOutput(after).syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0, accepted: 0 });

    const keys = receivedKeys(receiver.requests);
    expect(keys).toHaveLength(ROWS);
    expect(duplicates(keys)).toEqual([]);
  });
});
