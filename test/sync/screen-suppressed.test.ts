import { describe, expect, it } from 'vitest';
import type { ChangeRecord, Destination } from '../../src/destinations/destination.js';
import { emailRecipient } from '../../src/destinations/identifiers/email-recipient.js';
import { MemorySuppressionList } from '../../src/suppression/memory-suppression-list.js';
import { SuppressionScreen } from '../../src/sync/screen-suppressed.js';

const record = (key: string, email: string | null): ChangeRecord => ({
  key,
  operation: email === null ? 'remove' : 'add',
  fields: email === null ? null : { email },
  previous: null,
  contentHash: key,
});

const emailDestination = { recipientOf: emailRecipient } as unknown as Destination;

describe('SuppressionScreen', () => {
  it('holds back suppressed addresses only', async () => {
    const list = new MemorySuppressionList();
    await list.add([{ channel: 'email', address: 'li@example.com', sender: null, reason: 'manual', source: 'manual', createdAt: '2026-01-01T00:00:00Z' }]);
    const records = [record('a', 'ana@example.com'), record('b', ' Li@Example.com '), record('c', null)];

    const { toSend, heldBack } = await new SuppressionScreen(list).screen(records, emailDestination);

    expect(toSend.map((sent) => sent.key)).toEqual(['a', 'c']);
    expect(heldBack.get(records[1]!)).toEqual({ status: 'suppressed', reason: 'the recipient is on the email suppression list, so it was not sent' });
  });

  it('sends nothing with a recipient when the list cannot be read', async () => {
    const list = new MemorySuppressionList();
    list.list = async () => Promise.reject(new Error('database is locked'));
    const records = [record('a', 'ana@example.com'), record('c', null)];

    const { toSend, heldBack } = await new SuppressionScreen(list).screen(records, emailDestination);

    expect(toSend.map((sent) => sent.key)).toEqual(['c']);
    expect(heldBack.get(records[0]!)).toEqual({ status: 'retry', reason: 'not sent: the suppression list lookup failed (database is locked)' });
  });
});
