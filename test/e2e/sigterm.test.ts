import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { type CliResult, describeResult, parseJsonOutput, runCli, startCli, waitFor } from '../support/cli-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { customerKey, duplicates, receivedKeys, webhookProject } from './e2e-fixture.js';

const ROWS = 50;
const BATCH = 10;

let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/**
 * Starts `sluice --json run` against a receiver that takes 1.5 s per request, sends SIGTERM as
 * soon as the first request arrives, and returns the stopped run. From then on the receiver
 * responds at once.
 */
async function runUntilSigterm(): Promise<{ project: string; stopped: CliResult }> {
  let delayMs = 1_500;
  receiver = await startWebhookReceiver({ defaultResponse: () => ({ delayMs }) });
  const project = await webhookProject({ url: receiver.url, rows: ROWS, batchSize: BATCH });

  const running = startCli(['--json', 'run'], { project });
  await waitFor(() => receiver!.requests.length >= 1, 30_000, 'the first webhook request');
  running.child.kill('SIGTERM');
  const stopped = await running.result;
  delayMs = 0;
  return { project, stopped };
}

describe('sluice run stopped by SIGTERM', () => {
  it('starts no new batch, records the run as interrupted and resumes without repeats', async () => {
    const { project, stopped } = await runUntilSigterm();

    expect(stopped.signal).toBeNull();
    expect(stopped.code, describeResult(stopped)).toBe(EXIT.interrupted);
    expect(stopped.stderr).toContain('SIGTERM received; finishing the batches in flight');
    const summary = parseJsonOutput(stopped);
    expect(summary.status).toBe('interrupted');
    const sync = summary.syncs[0];
    expect(sync.status).toBe('interrupted');
    expect(receiver!.requests).toHaveLength(1);
    // The batch in flight is settled one way or the other: confirmed, or held as not confirmed.
    expect(sync.counts.accepted + sync.counts.rejected).toBe(BATCH);

    const history = parseJsonOutput(await runCli(['--json', 'runs', summary.runId], { project }));
    expect(history.run.status).toBe('interrupted');
    expect(history.syncs[0]).toMatchObject({ sync: 'contacts', status: 'interrupted' });

    const resumed = await runCli(['--json', 'run'], { project });
    expect(resumed.code, describeResult(resumed)).toBe(EXIT.success);
    expect(parseJsonOutput(resumed).syncs[0].counts).toMatchObject({ accepted: ROWS - BATCH, rejected: 0 });
    const resumedKeys = receivedKeys(receiver!.requests.slice(1));
    expect(resumedKeys.sort()).toEqual(Array.from({ length: ROWS - BATCH }, (_unused, i) => customerKey(BATCH + i + 1)));

    const idle = await runCli(['--json', 'run'], { project });
    expect(parseJsonOutput(idle).syncs[0].counts).toMatchObject({ added: 0, changed: 0, accepted: 0 });

    const keys = receivedKeys(receiver!.requests);
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toHaveLength(ROWS);
  });

  // NOTE: expected to fail until the webhook destination stops cancelling a request that is
  // already sent when the run's abort signal fires. sendWithRetry passes the signal on to
  // sendHttpRequest, so SIGTERM destroys the connection, the batch's outcome becomes unknown and
  // its rows are held back for good instead of being confirmed. Turn this into `it` once fixed.
  it('lets the request in flight finish and confirms its rows', async () => {
    const { project, stopped } = await runUntilSigterm();

    expect(stopped.code, describeResult(stopped)).toBe(EXIT.interrupted);
    const sync = parseJsonOutput(stopped).syncs[0];
    expect(sync.counts).toMatchObject({ accepted: BATCH, rejected: 0 });

    const resumed = await runCli(['--json', 'run'], { project });
    expect(parseJsonOutput(resumed).syncs[0].counts).toMatchObject({ added: ROWS - BATCH, accepted: ROWS - BATCH, skipped: 0 });
  });
});
