import { describe, expect, it } from 'vitest';
import {
  applyInboundReplies,
  suppressionEntriesFromReplies,
} from '../../src/suppression/inbound-replies.js';
import { MemorySuppressionList } from '../../src/suppression/memory-suppression-list.js';
import type { SuppressionEntry } from '../../src/suppression/suppression-list.js';

const SENDER = '+12025550100';
const OTHER_SENDER = '+12025550199';
const NOW = new Date('2026-03-01T10:00:00.000Z');

function entry(overrides: Partial<SuppressionEntry>): SuppressionEntry {
  return {
    channel: 'sms',
    address: '+12025550164',
    sender: null,
    reason: 'test',
    source: 'manual',
    createdAt: NOW.toISOString(),
    ...overrides,
  };
}

describe('suppressionEntriesFromReplies', () => {
  it('turns opt-out replies into entries for every sender', () => {
    const entries = suppressionEntriesFromReplies(
      [
        { from: '+12025550162', body: 'OPTOUT' },
        { from: '+12025550163', body: ' Revoke ' },
        { from: '+12025550165', body: 'What time do you open?' },
        { from: '+12025550166', body: 'START' },
      ],
      NOW,
    );
    expect(entries).toEqual([
      {
        channel: 'sms',
        address: '+12025550162',
        sender: null,
        reason: 'replied "OPTOUT"',
        source: 'inbound_reply',
        createdAt: NOW.toISOString(),
      },
      {
        channel: 'sms',
        address: '+12025550163',
        sender: null,
        reason: 'replied "REVOKE"',
        source: 'inbound_reply',
        createdAt: NOW.toISOString(),
      },
    ]);
  });
});

describe('applyInboundReplies', () => {
  it('suppresses OPTOUT and Revoke repliers for every sender', async () => {
    const list = new MemorySuppressionList();
    const result = await applyInboundReplies(list, [
      { from: '+12025550162', to: SENDER, body: 'OPTOUT' },
      { from: '+12025550163', to: SENDER, body: 'Revoke' },
    ]);

    expect(result).toEqual({ suppressed: 2, liftedEntries: 0 });
    for (const address of ['+12025550162', '+12025550163']) {
      expect(await list.isSuppressed('sms', address, SENDER), address).toBe(true);
      expect(await list.isSuppressed('sms', address, OTHER_SENDER), address).toBe(true);
      expect(await list.isSuppressed('sms', address), address).toBe(true);
    }
    expect(await list.isSuppressed('sms', '+12025550164', SENDER)).toBe(false);
  });

  it('leaves other channels alone', async () => {
    const list = new MemorySuppressionList();
    await applyInboundReplies(list, [{ from: '+12025550162', body: 'STOP' }]);
    await list.add([entry({ channel: 'email', address: 'ana.reyes@example.com' })]);

    expect(await list.isSuppressed('email', '+12025550162')).toBe(false);
    expect(await list.isSuppressed('sms', 'ana.reyes@example.com')).toBe(false);
    expect(await list.isSuppressed('email', 'ana.reyes@example.com')).toBe(true);
  });

  it('lets a later opt-in undo an earlier opt-out', async () => {
    const list = new MemorySuppressionList();
    const result = await applyInboundReplies(list, [
      { from: '+12025550162', to: SENDER, body: 'STOP' },
      { from: '+12025550162', to: SENDER, body: 'start' },
    ]);
    expect(result).toEqual({ suppressed: 1, liftedEntries: 1 });
    expect(await list.isSuppressed('sms', '+12025550162', SENDER)).toBe(false);
  });

  it('lifts the opt-out pair of the sender replied to only', async () => {
    const list = new MemorySuppressionList();
    await list.add([
      entry({ sender: SENDER, source: 'destination_error' }),
      entry({ sender: OTHER_SENDER, source: 'destination_error' }),
    ]);
    await applyInboundReplies(list, [{ from: '+12025550164', to: SENDER, body: 'UNSTOP' }]);

    expect(await list.isSuppressed('sms', '+12025550164', SENDER)).toBe(false);
    expect(await list.isSuppressed('sms', '+12025550164', OTHER_SENDER)).toBe(true);
  });

  it('never lifts operator or erasure entries', async () => {
    const list = new MemorySuppressionList();
    await list.add([
      entry({ address: '+12025550170', source: 'manual' }),
      entry({ address: '+12025550171', source: 'erasure_request' }),
      entry({ address: '+12025550172', sender: SENDER, source: 'erasure_request' }),
    ]);
    await applyInboundReplies(list, [
      { from: '+12025550170', to: SENDER, body: 'START' },
      { from: '+12025550171', to: SENDER, body: 'YES' },
      { from: '+12025550172', to: SENDER, body: 'YES' },
    ]);

    expect(await list.isSuppressed('sms', '+12025550170', SENDER)).toBe(true);
    expect(await list.isSuppressed('sms', '+12025550171', SENDER)).toBe(true);
    expect(await list.isSuppressed('sms', '+12025550172', SENDER)).toBe(true);
  });
});

describe('MemorySuppressionList', () => {
  it('suppresses a (sender, recipient) pair for that sender only', async () => {
    const list = new MemorySuppressionList();
    await list.add([entry({ sender: SENDER, source: 'destination_error' })]);

    expect(await list.isSuppressed('sms', '+12025550164', SENDER)).toBe(true);
    expect(await list.isSuppressed('sms', '+12025550164', OTHER_SENDER)).toBe(false);
    expect(await list.isSuppressed('sms', '+12025550164')).toBe(false);
    expect(await list.isSuppressed('email', '+12025550164', SENDER)).toBe(false);
  });

  it('matches addresses and senders as normalised', async () => {
    const list = new MemorySuppressionList();
    await list.add([
      entry({ address: '+1 (202) 555-0164', sender: '+1 202 555 0100' }),
      entry({ channel: 'email', address: '  Ana.Reyes@Example.com ' }),
    ]);

    expect(await list.isSuppressed('sms', '+12025550164', '+12025550100')).toBe(true);
    expect(await list.isSuppressed('email', 'ana.reyes@example.com')).toBe(true);
    expect(await list.list({ channel: 'email' })).toEqual([
      entry({ channel: 'email', address: 'ana.reyes@example.com' }),
    ]);
  });

  it('keeps the first entry for a repeated pair', async () => {
    const list = new MemorySuppressionList();
    await list.add([entry({ reason: 'first' })]);
    await list.add([entry({ reason: 'second' })]);
    const entries = await list.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]?.reason).toBe('first');
  });

  it('lists entries by channel and address, oldest first', async () => {
    const list = new MemorySuppressionList();
    await list.add([
      entry({ address: '+12025550171', createdAt: '2026-03-02T00:00:00.000Z' }),
      entry({ address: '+12025550170', createdAt: '2026-03-01T00:00:00.000Z' }),
      entry({ channel: 'email', address: 'bo@example.com' }),
    ]);

    const sms = await list.list({ channel: 'sms' });
    expect(sms.map((item) => item.address)).toEqual(['+12025550170', '+12025550171']);
    const one = await list.list({ address: '+1 202 555 0171' });
    expect(one.map((item) => item.address)).toEqual(['+12025550171']);
  });

  it('removes only entries from the given sources', async () => {
    const list = new MemorySuppressionList();
    await list.add([entry({ source: 'manual' })]);
    const kept = await list.remove({
      channel: 'sms',
      address: '+12025550164',
      sender: null,
      sources: ['inbound_reply'],
    });
    expect(kept).toBe(0);
    expect(await list.remove({ channel: 'sms', address: '+12025550164', sender: null })).toBe(1);
    expect(await list.list()).toEqual([]);
  });
});
