import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core/logger.js';
import type { RowOutcome } from '../../../src/destinations/destination.js';
import {
  type GroupVerdicts,
  type IsolationOptions,
  sendIsolatingRejections,
} from '../../../src/destinations/identifiers/isolate-rejections.js';

function options(maxExtraRequests = 30, systematicReasons = new Set<string>()): IsolationOptions {
  return { maxExtraRequests, systematicReasons, logger: new MemoryLogger(), logFields: {} };
}

/** Imitates a platform that rejects any request containing a bad item, as TikTok does. */
function rejectingPlatform(isBad: (item: number) => boolean) {
  const sent: number[][] = [];
  const send = async (group: number[]): Promise<GroupVerdicts> => {
    sent.push(group);
    if (!group.some(isBad)) return { verdicts: group.map(() => ({ status: 'accepted' })) };
    return {
      verdicts: group.map(() => 'suspect'),
      suspectReason: 'invalid id',
      rejectedWhole: true,
    };
  };
  return { send, sent };
}

const items = (count: number) => Array.from({ length: count }, (_unused, index) => index);

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function rejectedIndexes(outcomes: RowOutcome[]): number[] {
  return outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
}

describe('rejection isolation', () => {
  it('sends once when nothing fails', async () => {
    const platform = rejectingPlatform(() => false);
    const outcomes = await sendIsolatingRejections(items(10), platform.send, options());

    expect(statuses(outcomes)).toEqual(Array(10).fill('accepted'));
    expect(platform.sent).toHaveLength(1);
  });

  it('finds one bad row among many', async () => {
    const platform = rejectingPlatform((item) => item === 637);
    const outcomes = await sendIsolatingRejections(items(1_000), platform.send, options());

    expect(rejectedIndexes(outcomes)).toEqual([637]);
    expect(outcomes[637]).toEqual({ status: 'rejected', reason: 'invalid id' });
    expect(platform.sent.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(1_000)));
  });

  it('finds three bad rows spread over the batch', async () => {
    const bad = new Set([1, 6, 12]);
    const platform = rejectingPlatform((item) => bad.has(item));
    const outcomes = await sendIsolatingRejections(items(16), platform.send, options());

    expect(rejectedIndexes(outcomes)).toEqual([1, 6, 12]);
    expect(outcomes[6]).toEqual({ status: 'rejected', reason: 'invalid id' });
  });

  it('rejects what it could not search when requests run out', async () => {
    const platform = rejectingPlatform((item) => item === 5);
    const outcomes = await sendIsolatingRejections(items(16), platform.send, options(2));

    expect(platform.sent).toHaveLength(3);
    expect(statuses(outcomes.slice(8))).toEqual(Array(8).fill('accepted'));
    expect(rejectedIndexes(outcomes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(outcomes[5]).toEqual({
      status: 'rejected',
      reason:
        'invalid id (one of 8 rows sent together; the extra requests allowed for finding ' +
        'which ran out)',
    });
  });

  it('blames the request when every part fails alike', async () => {
    const platform = rejectingPlatform(() => true);
    const systematicReasons = new Set<string>();
    const outcomes = await sendIsolatingRejections(
      items(40),
      platform.send,
      options(30, systematicReasons),
    );

    expect(platform.sent).toHaveLength(7);
    expect(statuses(outcomes)).toEqual(Array(40).fill('rejected'));
    expect(outcomes[39]).toEqual({
      status: 'rejected',
      reason:
        'invalid id (every part of the batch tried failed the same way, so the request, not a ' +
        'row, is the likely cause)',
    });
    expect([...systematicReasons]).toEqual(['invalid id']);
  });

  it('stops at once for a reason already blamed on the request', async () => {
    const platform = rejectingPlatform(() => true);
    const outcomes = await sendIsolatingRejections(
      items(40),
      platform.send,
      options(30, new Set(['invalid id'])),
    );

    expect(platform.sent).toHaveLength(1);
    expect(statuses(outcomes)).toEqual(Array(40).fill('rejected'));
  });

  it('resends rows the platform did not apply', async () => {
    const sent: number[][] = [];
    const send = async (group: number[]): Promise<GroupVerdicts> => {
      sent.push(group);
      const first = sent.length === 1;
      return {
        verdicts: group.map((item) => {
          if (item === 2) return { status: 'rejected', reason: 'bad email' };
          return first ? 'resend' : { status: 'accepted' };
        }),
      };
    };
    const outcomes = await sendIsolatingRejections(items(4), send, options());

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'rejected', 'accepted']);
    expect(sent).toEqual([
      [0, 1, 2, 3],
      [0, 1, 3],
    ]);
  });

  it('returns retry for resend rows when requests run out', async () => {
    const send = async (group: number[]): Promise<GroupVerdicts> => ({
      verdicts: group.map(() => 'resend'),
    });
    const outcomes = await sendIsolatingRejections(items(2), send, options(3));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
  });

  it('keeps searching when failures come from counts, not whole-request rejections', async () => {
    const send = async (group: number[]): Promise<GroupVerdicts> => {
      const verdicts = group.map((item): RowOutcome | 'suspect' => {
        if (group.length > 1) return 'suspect';
        return item === 3
          ? { status: 'rejected', reason: 'counted invalid' }
          : { status: 'accepted' };
      });
      return { verdicts, suspectReason: 'counted invalid' };
    };
    const outcomes = await sendIsolatingRejections(items(16), send, options());

    expect(rejectedIndexes(outcomes)).toEqual([3]);
  });
});
