import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { parseJsonOutput, runCli, startCli, waitFor } from '../support/cli-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { customerKey, duplicates, receivedKeys, webhookProject } from './e2e-fixture.js';

let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('sluice run stopped by SIGTERM', () => {
  it('finishes the batch in flight, records the run as interrupted and resumes later', async () => {
    receiver = await startWebhookReceiver({ defaultResponse: { delayMs: 1_500 } });
    const project = await webhookProject({ url: receiver.url, rows: 50, batchSize: 10 });

    const running = startCli(['--json', 'run'], { project });
    await waitFor(() => receiver!.requests.length >= 1, 30_000, 'the first webhook request');
    running.child.kill('SIGTERM');
    const stopped = await running.result;

    expect(stopped.code, stopped.stderr).toBe(EXIT.interrupted);
    expect(stopped.stderr).toContain('SIGTERM received');
    const summary = parseJsonOutput(stopped);
    expect(summary.status).toBe('interrupted');
    const sync = summary.syncs[0];
    expect(sync.status).toBe('interrupted');
    // The request in flight when the signal came was answered and its rows confirmed.
    console.log(JSON.stringify(sync), stopped.stderr);
    expect(receiver.requests).toHaveLength(1);
    expect(sync.counts.accepted).toBe(10);
    expect(sync.counts.rejected).toBe(0);

    const history = parseJsonOutput(await runCli(['--json', 'runs', summary.runId], { project }));
    expect(history.run.status).toBe('interrupted');
    expect(history.syncs[0].status).toBe('interrupted');
    expect(history.syncs[0].counts.accepted).toBe(10);

    receiver.script(...Array.from({ length: 10 }, () => ({})));
    const resumed = await runCli(['--json', 'run'], { project });
    expect(resumed.code, resumed.stderr).toBe(EXIT.success);
    const resumedSummary = parseJsonOutput(resumed);
    expect(resumedSummary.syncs[0].counts).toMatchObject({ added: 40, accepted: 40, rejected: 0 });

    const keys = receivedKeys(receiver.requests);
    expect(duplicates(keys)).toEqual([]);
    expect(keys.sort()).toEqual(Array.from({ length: 50 }, (_unused, i) => customerKey(i + 1)));
  });
});
