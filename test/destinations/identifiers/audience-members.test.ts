import { describe, expect, it } from 'vitest';
import { planAudienceMembers } from '../../../src/destinations/identifiers/audience-members.js';
import { extractMetaIdentifiers } from '../../../src/destinations/identifiers/meta-identifiers.js';
import { changeRecord } from '../change-records.js';

const extract = (row: Parameters<typeof extractMetaIdentifiers>[0]) =>
  extractMetaIdentifiers(row, 'US');

describe('audience member planning', () => {
  it('reads adds from fields and removals from previous values', () => {
    const plan = planAudienceMembers(
      [
        changeRecord('u1', 'add', { email: 'new@example.com' }, { email: 'old@example.com' }),
        changeRecord('u2', 'remove', null, { email: 'gone@example.com' }),
      ],
      extract,
      'Test audience',
    );

    expect(plan.outcomes).toEqual([undefined, undefined]);
    expect(plan.members.map((member) => [member.index, member.action])).toEqual([
      [0, 'add'],
      [1, 'remove'],
    ]);
    expect(plan.members[0]?.identifiers).toEqual(extract({ email: 'new@example.com' }).identifiers);
    expect(plan.members[1]?.identifiers).toEqual(
      extract({ email: 'gone@example.com' }).identifiers,
    );
  });

  it('counts each drop reason across rows', () => {
    const plan = planAudienceMembers(
      [
        changeRecord('u1', 'add', { email: 'a@example.com', phone: '000' }),
        changeRecord('u2', 'add', { email: 'b@example.com', phone: '000' }),
      ],
      extract,
      'Test audience',
    );

    expect([...plan.droppedCounts]).toEqual([
      ['phone is not a valid phone number for country US', 2],
    ]);
    expect(plan.members).toHaveLength(2);
  });

  it('rejects each unusable row with its own reason', () => {
    const plan = planAudienceMembers(
      [
        changeRecord('u1', 'insert', { email: 'a@example.com' }),
        changeRecord('u2', 'remove', null, null),
        changeRecord('u3', 'add', { email: 'n/a', zip: '' }),
        changeRecord('u4', 'add', {}),
      ],
      extract,
      'Test audience',
    );

    expect(plan.members).toHaveLength(0);
    expect(
      plan.outcomes.map((outcome) => (outcome && 'reason' in outcome ? outcome.reason : '')),
    ).toEqual([
      'Test audience does not support the operation "insert"; use sync mode audience or mirror',
      'cannot remove: the identifiers last sent for this row are unknown, because the snapshot ' +
        'contains no previous values for it; the person stays in the audience',
      'no identifier to add: email is not a valid email address',
      'no identifier to add: no identifier field is mapped',
    ]);
  });
});
